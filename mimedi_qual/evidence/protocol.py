"""The protocol: what judges a campaign, its hash, its pre-approval, and the record a campaign keeps of it.

A protocol is everything that decides a campaign's verdict — its *judging
inputs* (:func:`judging_files`): the feature files (the executable test
steps), the URS, the acceptance profile actually used (``--acceptance``
included), the equipment register beside it, and the process recipes PQ
runs, plus whatever else the protocol document (``profiles/protocol/``)
declares. :func:`protocol_hash` is the SHA-256 over the sorted list of
``[path, SHA-256 of content]`` of those files — the path relative to the
project root, or absolute for a file outside it (an ``--acceptance`` file
elsewhere) — so renaming, adding, removing, editing or substituting any of
them changes it, and where the checkout lives does not.

Pre-approval (Annex 15 §2.5, Part 11 §11.50) is an approver's Ed25519
signature over a manifest naming protocol id, version, hash, signer, role,
meaning and time — a :class:`ProtocolApproval`, saved as JSON in
``profiles/approvals/<protocol_id>-<version>-<user_id>.json``. It also lists
the approved files (path and SHA-256; their hash is the signed hash), so a
later run can say which files differ::

    from mimedi_qual.evidence.protocol import approve_protocol, judging_files, protocol_manifest

    manifest = protocol_manifest(judging_files(paths, document.files), root=paths.root)
    approval = approve_protocol(registry, keys_dir, user_id="qa.lee", password=pw,
                                protocol_id="MQ-OQ-001", protocol_version="1.0", manifest=manifest)
    approval.save("profiles/approvals/MQ-OQ-001-1.0-qa.lee.json")

At run time :func:`record_protocol` hashes the files actually used, writes the
``protocol`` record (the executed manifest, every approval valid for that
hash), and when approvals exist for this protocol id/version but none is for
this hash it records how the run differs from the approved protocol
(``differs_from_approved``: files added, removed and changed) and raises a
``protocol_changed`` deviation naming them. With no approval at all the
protocol is *unapproved*: no deviation, but every view says so.
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
from mimedi_qual.evidence.signers import SignatureRefused
from mimedi_qual.evidence.store import EvidenceStore, Record, canonical_json, utc_now
from mimedi_qual.evidence.users import Role, UserRegistry, public_key_b64, verify_ed25519
from mimedi_qual.paths import ProjectPaths

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


def judging_files(paths: ProjectPaths, declared: Iterable[str | Path] = (),
                  acceptance_path: str | Path | None = None) -> list[Path]:
    """Every file that judges a campaign run with ``acceptance_path`` (default: the project's criteria).

    The features, the URS, the process recipes, the acceptance profile in use
    (every criteria file of its folder: the loader reads them all) and the equipment register it is judged with (beside it, else the
    project's), and ``declared`` (the protocol document's ``files``, relative
    to the project root). The project's default acceptance profile and
    register are left out when the run uses others: what did not judge is not
    part of what ran. ::

        judging_files(paths, ["features", "profiles/acceptance"], "/tmp/loose/criteria.yaml")
        # [... features ..., /tmp/loose/criteria.yaml, profiles/acceptance/equipment-register.yaml, ...]
    """
    acceptance = Path(acceptance_path or paths.default_acceptance).resolve()
    register = paths.equipment_register_for(acceptance).resolve()
    roots = [paths.features, paths.urs, paths.process_recipes, *(paths.root / d for d in declared)]
    files = {p.resolve() for p in _protocol_files(r for r in roots if r.exists())}
    used = {p for p in (*_criteria_files(acceptance), register) if p.is_file()}
    default = {*_criteria_files(paths.default_acceptance.resolve()), paths.default_equipment_register.resolve()}
    files -= default - used
    files |= used
    return sorted(files)


def _criteria_files(acceptance: Path) -> list[Path]:
    """Every criteria file judging with ``acceptance``: all those of its folder are read (profiles.loader)."""
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.profiles.loader import acceptance_files

    try:
        return [p.resolve() for p in acceptance_files(acceptance)]
    except ProfileError:
        return [acceptance]


def _manifest_path(path: Path, root: Path) -> str:
    """The path as a manifest names it: relative to the project root, or absolute when outside it."""
    resolved = path.resolve()
    return (resolved.relative_to(root) if resolved.is_relative_to(root) else resolved).as_posix()


def protocol_manifest(paths: Iterable[str | Path], root: str | Path = ".") -> list[tuple[str, str]]:
    """``(path, sha256)`` of every protocol file, sorted by path (relative to ``root``; absolute outside it).

    Directories are walked for feature files and profiles (``.feature``,
    ``.yaml``, ``.yml``, ``.json``, ``.toml``).
    """
    root = Path(root).resolve()
    manifest = []
    for path in _protocol_files(paths):
        manifest.append((_manifest_path(path, root), hashlib.sha256(path.read_bytes()).hexdigest()))
    return sorted(manifest)


@dataclass(frozen=True)
class ManifestDifferences:
    """How an executed manifest differs from an approved one, file by file (paths as the manifests name them)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def as_payload(self) -> dict[str, list[str]]:
        return {"added": list(self.added), "removed": list(self.removed), "changed": list(self.changed)}

    def describe(self, most: int = 6) -> str:
        """``changed a, b; added c; removed d`` (at most ``most`` names per kind, then a count)."""
        parts = []
        for label, names in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if names:
                shown = ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")
                parts.append(f"{label} {shown}")
        return "; ".join(parts) or "no file differs"


def manifest_differences(approved: Iterable[tuple[str, str]], executed: Iterable[tuple[str, str]]) -> ManifestDifferences:
    """Files in ``executed`` not in ``approved`` (added), the reverse (removed), and same path, other content."""
    before, after = dict(approved), dict(executed)
    return ManifestDifferences(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(p for p in before.keys() & after.keys() if before[p] != after[p])),
    )


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
    #: the approved files, ``[{"path", "sha256"}, …]``: not signed themselves — their hash is the signed
    #: ``protocol_hash`` (:func:`check_protocol_approval` checks they agree). Empty in approvals made
    #: before the approval listed its files.
    files: tuple[dict[str, str], ...] = ()

    def manifest(self) -> bytes:
        return canonical_json({k: getattr(self, k) for k in PROTOCOL_APPROVAL_MANIFEST_KEYS})

    def file_manifest(self) -> list[tuple[str, str]]:
        """The approved files as ``(path, sha256)`` pairs (as :func:`protocol_manifest` returns them)."""
        return sorted((f["path"], f["sha256"]) for f in self.files)

    def to_payload(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["files"] = [dict(f) for f in self.files]
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ProtocolApproval:
        fields = {f: payload[f] for f in cls.__dataclass_fields__ if f != "files"}
        files = tuple({"path": str(f["path"]), "sha256": str(f["sha256"])} for f in payload.get("files") or ())
        return cls(**fields, files=files)

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
    manifest: Iterable[tuple[str, str]] | None = None,
    protocol_hash_hex: str | None = None,
    meaning: str = "approved for execution",
) -> ProtocolApproval:
    """Sign a protocol as ``approver``: its ``manifest`` (listed in the approval, its hash signed).

    ``protocol_hash_hex`` alone (no manifest) signs a bare hash: the approval
    then cannot say which files a differing run changed. Raises
    SignatureRefused / WrongPasswordError.
    """
    files = [] if manifest is None else sorted(manifest)
    if manifest is not None:
        digest = protocol_hash_from_manifest(files)
        if protocol_hash_hex is not None and protocol_hash_hex != digest:
            raise ValueError("protocol_hash_hex is not the hash of the manifest given")
        protocol_hash_hex = digest
    if protocol_hash_hex is None:
        raise ValueError("approve_protocol needs the protocol's manifest (or its hash)")
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
        files=tuple({"path": path, "sha256": sha} for path, sha in files),
    )
    signature = base64.b64encode(private_key.sign(unsigned.manifest())).decode("ascii")
    return ProtocolApproval.from_payload({**unsigned.to_payload(), "signature_ed25519": signature})


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
    if approval.files and protocol_hash_from_manifest(approval.file_manifest()) != approval.protocol_hash:
        problems.append(f"approval by {approval.user_id}: its list of files is not the approved hash's")
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

    ``paths`` are the judging inputs actually used (:func:`judging_files`).
    Only approvals that verify (signature, approver role, registered key when
    ``registry`` is given) *for this hash* count as approving the run. If
    approvals exist for this id/version but none matches the hash, the record
    says how the run differs from the approved protocol (the latest genuine
    approval's files against the executed ones) and a ``protocol_changed``
    deviation naming those files is recorded.
    """
    manifest = protocol_manifest(paths, root)
    digest = protocol_hash_from_manifest(manifest)
    approvals = list(approvals)
    valid = [a for a in approvals if not check_protocol_approval(a, digest, registry)]
    payload: dict[str, Any] = {
        "protocol_id": protocol_id,
        "version": protocol_version,
        "protocol_hash": digest,
        "files": [{"path": path, "sha256": sha} for path, sha in manifest],
        "approvals": [a.to_payload() for a in valid],
        "requirements": list(requirements),
    }
    reference = differences = None
    if approvals and not valid:
        genuine = [a for a in approvals if not check_protocol_approval(a, a.protocol_hash, registry)]
        reference = max(genuine or approvals, key=lambda a: a.signed_utc)
        differences = manifest_differences(reference.file_manifest(), manifest) if reference.files else None
        payload["differs_from_approved"] = {
            "approved_hash": reference.protocol_hash,
            "approved_by": reference.user_id,
            "approved_utc": reference.signed_utc,
            "approval_valid": bool(genuine),
            **(differences.as_payload() if differences is not None else {}),
        }
    record = store.append("protocol", payload)
    deviation = None
    if reference is not None:
        what = (differences.describe() if differences is not None
                else "the approval does not list its files, so which ones differ is not known")
        deviation = record_deviation(
            store,
            DeviationCategory.PROTOCOL_CHANGED,
            description=(f"Protocol {protocol_id} v{protocol_version} as run differs from the approved protocol: "
                         f"{what}"),
            expected=(f"the approved protocol, hash {reference.protocol_hash} (approved by {reference.user_id}, "
                      f"{reference.signed_utc})"),
            actual=f"protocol hash {digest} ({len(manifest)} files; the protocol record lists them)",
            impact="Results were produced under an unapproved protocol; re-approval or re-execution required",
        )
    return record, deviation
