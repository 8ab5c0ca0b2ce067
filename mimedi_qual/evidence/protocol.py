"""The protocol: its hash, its pre-approval, and the record a campaign keeps of it.

A protocol is the set of feature files (the executable test steps) plus the
acceptance-criteria and URS profiles they use. :func:`protocol_hash` is the
SHA-256 over the sorted list of ``[relative path, SHA-256 of content]`` of
those files, so renaming, adding, removing or editing any of them changes it,
and where the checkout lives does not.

Pre-approval (Annex 15 §2.5, Part 11 §11.50) is an approver's Ed25519
signature over a manifest naming protocol id, version, hash, signer, role,
meaning and time — a :class:`ProtocolApproval`, saved as JSON (we suggest
``profiles/approvals/<protocol_id>-<version>-<user_id>.json``)::

    from mimedi_qual.evidence.protocol import approve_protocol, protocol_hash

    digest = protocol_hash(["features/oq", "profiles/acceptance", "profiles/urs"], root=".")
    approval = approve_protocol(registry, keys_dir, user_id="qa.lee", password=pw,
                                protocol_id="MQ-OQ-001", protocol_version="1.0",
                                protocol_hash_hex=digest)
    approval.save("profiles/approvals/MQ-OQ-001-1.0-qa.lee.json")

At run time :func:`record_protocol` hashes the files actually run, writes the
``protocol`` record with every approval found for that protocol id/version,
and raises a ``protocol_changed`` deviation when approvals exist but none is
for this hash (the protocol was edited after approval). With no approval at
all the protocol is *unapproved*: no deviation, but every report page says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mimedi_qual.evidence.deviations import Deviation, DeviationCategory, record_deviation
from mimedi_qual.evidence.signatures import SignatureRefused
from mimedi_qual.evidence.store import EvidenceStore, Record, canonical_json, utc_now
from mimedi_qual.evidence.users import Role, UserRegistry, public_key_b64, verify_ed25519

PROTOCOL_SUFFIXES = (".feature", ".yaml", ".yml", ".json", ".toml")


def _protocol_files(paths: Iterable[str | Path]) -> list[Path]:
    files: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            files.update(p for p in path.rglob("*") if p.is_file() and p.suffix in PROTOCOL_SUFFIXES)
        elif path.is_file():
            files.add(path)
        else:
            raise FileNotFoundError(f"protocol file or directory not found: {path}")
    return sorted(files)


def protocol_manifest(paths: Iterable[str | Path], root: str | Path = ".") -> list[tuple[str, str]]:
    """``(path relative to root, sha256)`` of every protocol file, sorted by path.

    Directories are walked for feature files and profiles (``.feature``,
    ``.yaml``, ``.yml``, ``.json``, ``.toml``).
    """
    root = Path(root).resolve()
    manifest = []
    for path in _protocol_files(paths):
        relative = path.resolve().relative_to(root).as_posix()
        manifest.append((relative, hashlib.sha256(path.read_bytes()).hexdigest()))
    return sorted(manifest)


def protocol_hash(paths: Iterable[str | Path], root: str | Path = ".") -> str:
    """SHA-256 identifying a protocol: its files' names (relative to ``root``) and contents.

    ::

        protocol_hash(["features/oq", "profiles/acceptance", "profiles/urs"])

    Renaming, adding, removing or editing any file changes it; where the
    checkout lives does not.
    """
    return protocol_hash_from_manifest(protocol_manifest(paths, root))


def protocol_hash_from_manifest(manifest: Iterable[tuple[str, str]]) -> str:
    return hashlib.sha256(canonical_json([[path, sha] for path, sha in sorted(manifest)])).hexdigest()


PROTOCOL_APPROVAL_MANIFEST_KEYS = (
    "protocol_id",
    "protocol_version",
    "protocol_hash",
    "user_id",
    "printed_name",
    "role",
    "meaning",
    "signed_utc",
)


@dataclass(frozen=True, slots=True)
class ProtocolApproval:
    """A pre-approval signature over a protocol hash (store as JSON, copy into the ``protocol`` record)."""

    protocol_id: str
    protocol_version: str
    protocol_hash: str
    user_id: str
    printed_name: str
    role: str
    meaning: str
    signed_utc: str
    public_key_ed25519: str
    signature_ed25519: str

    def manifest(self) -> bytes:
        return canonical_json({k: getattr(self, k) for k in PROTOCOL_APPROVAL_MANIFEST_KEYS})

    def to_payload(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ProtocolApproval:
        return cls(**{f: payload[f] for f in cls.__dataclass_fields__})

    def signature_valid(self) -> bool:
        """Cryptographic check against the embedded key (registry check: :func:`check_protocol_approval`)."""
        return verify_ed25519(self.public_key_ed25519, self.signature_ed25519, self.manifest())

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_payload(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> ProtocolApproval:
        return cls.from_payload(json.loads(Path(path).read_text(encoding="utf-8")))


def approve_protocol(
    registry: UserRegistry,
    keys_dir: str | Path,
    *,
    user_id: str,
    password: str,
    protocol_id: str,
    protocol_version: str,
    protocol_hash_hex: str,
    meaning: str = "approved for execution",
) -> ProtocolApproval:
    """Sign a protocol hash as ``approver``. Raises SignatureRefused / WrongPasswordError."""
    user = registry.get(user_id)
    if not user.has_role(Role.APPROVER):
        raise SignatureRefused(f"{user_id} does not hold the approver role", "role_not_held")
    private_key = registry.unlock(user_id, password, keys_dir)
    unsigned = ProtocolApproval(
        protocol_id=protocol_id,
        protocol_version=protocol_version,
        protocol_hash=protocol_hash_hex,
        user_id=user.user_id,
        printed_name=user.printed_name,
        role=Role.APPROVER.value,
        meaning=meaning,
        signed_utc=utc_now(),
        public_key_ed25519=public_key_b64(private_key.public_key()),
        signature_ed25519="",
    )
    signature = base64.b64encode(private_key.sign(unsigned.manifest())).decode("ascii")
    return ProtocolApproval(**{**unsigned.to_payload(), "signature_ed25519": signature})


def check_protocol_approval(
    approval: ProtocolApproval, expected_hash: str, registry: UserRegistry | None = None
) -> list[str]:
    """Problems with an approval for a protocol whose hash is ``expected_hash`` ([] = valid)."""
    problems = []
    if approval.protocol_hash != expected_hash:
        problems.append(f"approval by {approval.user_id} is for protocol hash {approval.protocol_hash[:12]}…, "
                        f"not {expected_hash[:12]}…")
    if not approval.signature_valid():
        problems.append(f"approval by {approval.user_id}: signature does not verify")
    if registry is not None:
        if approval.user_id not in registry:
            problems.append(f"approval by {approval.user_id}: user not in the registry")
        else:
            user = registry.get(approval.user_id)
            if user.public_key_ed25519 != approval.public_key_ed25519:
                problems.append(f"approval by {approval.user_id}: key is not the registered key")
            if not user.has_role(Role.APPROVER):
                problems.append(f"approval by {approval.user_id}: user does not hold the approver role")
    return problems


def load_approvals(directory: str | Path, protocol_id: str, protocol_version: str) -> list[ProtocolApproval]:
    """Every ``*.json`` approval in ``directory`` for this protocol id and version (any hash)."""
    directory = Path(directory)
    approvals = []
    if not directory.is_dir():
        return approvals
    for path in sorted(directory.glob("*.json")):
        try:
            approval = ProtocolApproval.load(path)
        except (KeyError, TypeError, ValueError):
            continue
        if approval.protocol_id == protocol_id and approval.protocol_version == protocol_version:
            approvals.append(approval)
    return approvals


def record_protocol(
    store: EvidenceStore,
    *,
    protocol_id: str,
    protocol_version: str,
    paths: Iterable[str | Path],
    root: str | Path = ".",
    approvals: Iterable[ProtocolApproval] = (),
    registry: UserRegistry | None = None,
    requirements: Iterable[dict[str, Any]] = (),
) -> tuple[Record, Deviation | None]:
    """Write the ``protocol`` record for the files being run; return it and any deviation.

    Only approvals that verify (signature, approver role, registered key when
    ``registry`` is given) *for this hash* count as approving the run. If
    approvals exist for this id/version but none matches the hash, a
    ``protocol_changed`` deviation is recorded.
    """
    manifest = protocol_manifest(paths, root)
    digest = protocol_hash_from_manifest(manifest)
    approvals = list(approvals)
    valid = [a for a in approvals if not check_protocol_approval(a, digest, registry)]
    record = store.append(
        "protocol",
        {
            "protocol_id": protocol_id,
            "version": protocol_version,
            "protocol_hash": digest,
            "files": [{"path": path, "sha256": sha} for path, sha in manifest],
            "approvals": [a.to_payload() for a in valid],
            "requirements": list(requirements),
        },
    )
    deviation = None
    if approvals and not valid:
        approved_hashes = sorted({a.protocol_hash for a in approvals})
        deviation = record_deviation(
            store,
            DeviationCategory.PROTOCOL_CHANGED,
            description=f"Protocol {protocol_id} v{protocol_version} as run differs from the approved protocol",
            expected=f"protocol hash {', '.join(approved_hashes)} (approved)",
            actual=f"protocol hash {digest}",
            impact="Results were produced under an unapproved protocol; re-approval or re-execution required",
        )
    return record, deviation
