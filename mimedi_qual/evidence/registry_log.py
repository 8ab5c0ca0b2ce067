"""The user registry's own history: an append-only, hash-chained, signed log of every act on it.

``users.yaml`` is the readable *view* of who may sign; the authority is
``registry-log.jsonl`` beside it. Each line is one act, in order::

    {"seq": 2, "utc": "2026-12-02T14:03:11.512204Z", "act": "add",
     "user_id": "rita", "printed_name": "Rita Review", "roles": ["reviewer"],
     "public_key_ed25519": "<base64>", "by": "ada", "detail": "",
     "prev_hash": "<hash of entry 1>", "hash": "<sha256 of this entry>",
     "signature_ed25519": "<ada's Ed25519 signature over the hash>"}

The acts:

* ``bootstrap`` — the first user of an empty registry; it must hold the
  ``admin`` role and signs its own entry with the key it just created;
* ``add`` — a user added by an admin (``by``), signed with that admin's key:
  nobody can add a user without an admin's password;
* ``deactivate`` — a user who may no longer sign (the id stays taken: user
  ids are never reused), signed by an admin;
* ``refused`` — an attempt that was refused (unknown admin, not an admin,
  wrong password, an id already taken): audited, unsigned (whoever tried had
  no key to sign with), changes nothing.

``hash`` is the SHA-256 of the canonical JSON of the entry without ``hash``
and ``signature_ed25519``; ``prev_hash`` is the previous entry's hash (the
first entry's is 64 zeros). The signature covers ``"mimedi-qual registry "``
followed by the hash. :meth:`RegistryHistory.load` checks every link,
every hash and every signature (the signer must be an active admin *at that
point of the history*) and replays the acts into the users as they are now,
and as they were at any earlier time (:meth:`RegistryHistory.user_at`): a
signature is valid only if its signer was registered, active, with that key
and role when it was made.

What the log cannot prevent, alone: someone with write access who deletes the
whole file and bootstraps a new registry (the campaign records carry the
signers' public keys, so such a registry does not validate old signatures),
or who cuts entries off its end — the shorter chain is still valid. Cutting
off an ``add`` only makes that user's signatures fail ``verify``; cutting off
a ``deactivate`` would let a deactivated user sign again. Keep a copy of the
head hash elsewhere (``mimedi-qual user list`` prints it). The registry's
head is also anchored in the lab ledger after every act
(:func:`anchor_registry_head`, :mod:`mimedi_qual.evidence.ledger`), and
``verify`` reports a history shorter than, or different from, its last anchor.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mimedi_qual.errors import ProfileError
from mimedi_qual.evidence.chained_jsonl import GENESIS_HASH, append_line, canonical, locked as _locked

LOG_FILE_NAME = "registry-log.jsonl"
SIGNED_PREFIX = b"mimedi-qual registry "
ADMIN_ROLE = "admin"


class Act(StrEnum):
    BOOTSTRAP = "bootstrap"
    ADD = "add"
    DEACTIVATE = "deactivate"
    REFUSED = "refused"


def log_path(registry_path: str | Path) -> Path:
    """Where the history of the registry ``registry_path`` (``users.yaml``) lives: beside it."""
    return Path(registry_path).with_name(LOG_FILE_NAME)


_canonical = canonical


def parse_utc(text: str) -> datetime:
    """An ISO 8601 UTC time as the store and this log write it (``…Z``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class LogEntry:
    """One act on the registry, as one line of ``registry-log.jsonl``."""

    seq: int
    utc: str
    act: str
    user_id: str
    printed_name: str
    roles: list[str]
    public_key_ed25519: str
    by: str
    detail: str
    prev_hash: str
    hash: str = ""
    signature_ed25519: str | None = None

    def body(self) -> dict[str, Any]:
        """What the hash covers: every field but ``hash`` and ``signature_ed25519``."""
        data = asdict(self)
        del data["hash"], data["signature_ed25519"]
        return data

    def computed_hash(self) -> str:
        return hashlib.sha256(_canonical(self.body())).hexdigest()

    def signed_bytes(self) -> bytes:
        return SIGNED_PREFIX + self.hash.encode("ascii")

    def signature_valid(self, public_key_b64_text: str) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64_text, validate=True))
            key.verify(base64.b64decode(self.signature_ed25519 or "", validate=True), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False) + "\n"


@dataclass
class UserState:
    """A user as the history has made them, with when they came and (maybe) went."""

    user_id: str
    printed_name: str
    roles: frozenset[str]
    public_key_ed25519: str
    added_seq: int
    added_utc: str
    added_by: str
    deactivated_seq: int | None = None
    deactivated_utc: str | None = None

    @property
    def active(self) -> bool:
        return self.deactivated_seq is None

    def active_at(self, utc: str) -> bool:
        """Registered at ``utc`` and not yet deactivated then."""
        when = parse_utc(utc)
        if parse_utc(self.added_utc) > when:
            return False
        return self.deactivated_utc is None or parse_utc(self.deactivated_utc) > when


@dataclass
class RegistryHistory:
    """The checked log and the users it replays into; build with :meth:`load`."""

    path: Path
    entries: list[LogEntry] = field(default_factory=list)
    users: dict[str, UserState] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """No user was ever added (refused attempts alone do not bootstrap anything)."""
        return not self.users

    @property
    def head_hash(self) -> str:
        return self.entries[-1].hash if self.entries else GENESIS_HASH

    @classmethod
    def load(cls, path: str | Path) -> RegistryHistory:
        """Read and check the log; a missing file is an empty history.

        Raises :class:`~mimedi_qual.errors.ProfileError` naming the file and
        line of the first entry that is not valid JSON, out of sequence, not
        chained to its predecessor, not matching its hash, or not signed by an
        active admin of the history up to it.
        """
        path = Path(path)
        history = cls(path)
        if not path.exists():
            return history
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(path, None, f"cannot read the registry history: {exc}") from None
        for number, line in enumerate(lines, start=1):
            try:
                data = json.loads(line)
                entry = LogEntry(**data)
            except (ValueError, TypeError) as exc:
                raise ProfileError(path, number, f"not a registry history entry ({exc})") from None
            history._check_and_apply(entry, number)
        return history

    def _fail(self, number: int, message: str) -> ProfileError:
        return ProfileError(self.path, number, f"registry history broken: {message}")

    def _check_and_apply(self, entry: LogEntry, number: int) -> None:
        if entry.seq != len(self.entries) + 1:
            raise self._fail(number, f"entry seq {entry.seq}, expected {len(self.entries) + 1} (an entry removed or inserted?)")
        if entry.prev_hash != self.head_hash:
            raise self._fail(number, f"entry #{entry.seq} prev_hash does not link to entry #{entry.seq - 1}")
        if entry.computed_hash() != entry.hash:
            raise self._fail(number, f"entry #{entry.seq} ({entry.act} {entry.user_id}) was altered: its hash does not match")
        try:
            parse_utc(entry.utc)
        except ValueError:
            raise self._fail(number, f"entry #{entry.seq}: bad utc {entry.utc!r}") from None
        if entry.act != Act.REFUSED:
            signer_key = self._signer_key(entry, number)
            if not entry.signature_valid(signer_key):
                raise self._fail(number, f"entry #{entry.seq} ({entry.act} {entry.user_id}): signature of "
                                         f"{entry.by!r} does not verify")
        self._apply(entry, number)
        self.entries.append(entry)

    def _signer_key(self, entry: LogEntry, number: int) -> str:
        if entry.act == Act.BOOTSTRAP:
            if self.users:
                raise self._fail(number, f"entry #{entry.seq}: bootstrap of a registry that already has users")
            if entry.by != entry.user_id or ADMIN_ROLE not in entry.roles:
                raise self._fail(number, f"entry #{entry.seq}: the bootstrap user must be an admin adding itself")
            return entry.public_key_ed25519
        admin = self.users.get(entry.by)
        if admin is None or not admin.active or ADMIN_ROLE not in admin.roles:
            raise self._fail(number, f"entry #{entry.seq} ({entry.act} {entry.user_id}) by {entry.by!r}, "
                                     "who was not an active admin then")
        return admin.public_key_ed25519

    def _apply(self, entry: LogEntry, number: int) -> None:
        if entry.act in (Act.BOOTSTRAP, Act.ADD):
            if entry.user_id in self.users:
                raise self._fail(number, f"entry #{entry.seq}: user id {entry.user_id!r} reused")
            self.users[entry.user_id] = UserState(
                entry.user_id, entry.printed_name, frozenset(entry.roles), entry.public_key_ed25519,
                added_seq=entry.seq, added_utc=entry.utc, added_by=entry.by)
        elif entry.act == Act.DEACTIVATE:
            state = self.users.get(entry.user_id)
            if state is None or not state.active:
                raise self._fail(number, f"entry #{entry.seq}: deactivates {entry.user_id!r}, who is not active")
            self.users[entry.user_id] = replace(state, deactivated_seq=entry.seq, deactivated_utc=entry.utc)
        elif entry.act != Act.REFUSED:
            raise self._fail(number, f"entry #{entry.seq}: unknown act {entry.act!r}")

    # -- questions ------------------------------------------------------------------------------
    def user_at(self, user_id: str, utc: str) -> UserState | None:
        """The user as registered at ``utc``; None if not registered (yet, or any more) then."""
        state = self.users.get(user_id)
        if state is None or not state.active_at(utc):
            return None
        return state

    def signer_problem(self, user_id: str, public_key_b64_text: str, role: str | None, utc: str) -> str | None:
        """Why a signature by ``user_id`` with that key in ``role`` at ``utc`` is not backed by the history."""
        state = self.users.get(user_id)
        if state is None:
            return f"signer {user_id!r} is not in the registry history ({self.path})"
        if parse_utc(state.added_utc) > parse_utc(utc):
            return (f"signer {user_id!r} was registered only at {state.added_utc} (history entry #{state.added_seq}), "
                    f"after signing at {utc}")
        if not state.active_at(utc):
            return f"signer {user_id!r} was deactivated at {state.deactivated_utc}, before signing at {utc}"
        if state.public_key_ed25519 != public_key_b64_text:
            return f"signed with a key that is not the one registered for {user_id!r}"
        if role is not None and role not in state.roles:
            return f"{user_id!r} did not hold the {role} role (holds {', '.join(sorted(state.roles))})"
        return None

    # -- appending ------------------------------------------------------------------------------
    def append(self, *, act: Act, utc: str, user_id: str, printed_name: str = "", roles: list[str] | None = None,
               public_key_ed25519: str = "", by: str = "", detail: str = "",
               signing_key: Ed25519PrivateKey | None = None) -> LogEntry:
        """Append one entry (signed with ``signing_key`` unless it is a refusal) and fsync it."""
        entry = LogEntry(seq=len(self.entries) + 1, utc=utc, act=act.value, user_id=user_id,
                         printed_name=printed_name, roles=sorted(roles or []),
                         public_key_ed25519=public_key_ed25519, by=by, detail=detail, prev_hash=self.head_hash)
        entry = replace(entry, hash=entry.computed_hash())
        if signing_key is not None:
            entry = replace(entry, signature_ed25519=base64.b64encode(signing_key.sign(entry.signed_bytes())).decode())
        number = len(self.entries) + 1
        if act != Act.REFUSED:
            self._signer_key(entry, number)  # refuse to write what load() would refuse
        self._apply(entry, number)
        append_line(self.path, asdict(entry))
        self.entries.append(entry)
        anchor_registry_head(self)
        return entry


@contextmanager
def locked(registry_path: str | Path) -> Iterator[None]:
    """Hold the registry's lock (one administrative act at a time, across processes)."""
    with _locked(Path(registry_path).with_name(".registry.lock")):
        yield


def anchor_registry_head(history: RegistryHistory) -> None:
    """Anchor the history's head in the lab ledger (:func:`~mimedi_qual.evidence.ledger.registry_ledger_path`)."""
    from mimedi_qual.evidence.ledger import REGISTRY, Ledger, registry_ledger_path

    if not history.entries:
        return
    head = history.entries[-1]
    Ledger(registry_ledger_path(history.path)).anchor(
        subject=REGISTRY, id=history.entries[0].hash, head_seq=head.seq, head_hash=head.hash,
        event=f"{head.act} {head.user_id}", where=str(history.path.resolve()), utc=head.utc)
