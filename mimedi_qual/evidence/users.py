"""Signing users: who may sign, in which role, with which key — and who said so.

A user has an id, a printed name (what appears on every signature
manifestation, Part 11 §11.50), one or more roles — ``admin``,
``executor``, ``reviewer``, ``approver`` — and an Ed25519 key pair. Each
private key lives in the *keystore* (``profiles/users/keys/<user_id>.pem``,
never committed), encrypted with the user's password (PKCS#8,
``BestAvailableEncryption`` of the scrypt-stretched password), so signing
needs both components of Part 11 §11.200: user id and password.

The registry is administered under authority (Annex 11 §12, Part 11 §11.10(d), (g)):

* the first user of an empty registry must hold the ``admin`` role: adding
  it *bootstraps* the registry;
* every later user is added by an admin (``by``) who proves it with their
  password — the admin's key signs the act; a refused attempt (unknown admin,
  not an admin, wrong password, an id already taken) is recorded too;
* user ids are never reused: a deactivated user's id stays taken;
* every act is an entry of the registry's own append-only, hash-chained,
  signed history, ``registry-log.jsonl`` (:mod:`mimedi_qual.evidence.registry_log`).
  ``users.yaml`` is its readable view: loading the registry checks the
  history and that ``users.yaml`` says the same, so a hand-edited
  ``users.yaml`` (an approver added without an admin) is refused with its line.

``admin`` is an administrative role only: it signs registry acts, never a
campaign (:data:`SIGNING_ROLES`). ::

    from mimedi_qual.evidence.users import Role, UserRegistry, create_user

    create_user("profiles/users/users.yaml", "profiles/users/keys", user_id="ada",
                printed_name="Ada Admin", roles=[Role.ADMIN], password="admin passphrase")
    create_user("profiles/users/users.yaml", "profiles/users/keys", user_id="jdoe",
                printed_name="Jane Doe", roles=[Role.REVIEWER], password="correct horse battery",
                by="ada", by_password="admin passphrase")
    registry = UserRegistry.load("profiles/users/users.yaml")
    key = registry.unlock("jdoe", "correct horse battery", "profiles/users/keys")  # Ed25519PrivateKey

``users.yaml`` format (written by the harness, never by hand)::

    users:
      - user_id: jdoe
        printed_name: Jane Doe
        roles: [reviewer]
        public_key_ed25519: <base64 of the 32-byte raw public key>
        added: {seq: 2, utc: '2026-12-02T14:03:11.512204Z', by: ada}
        # and for a deactivated user: deactivated: {seq: 5, utc: ...}
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from mimedi_qual.errors import EvidenceError, ProfileError
from mimedi_qual.evidence.registry_log import Act, RegistryHistory, UserState, locked, log_path
from mimedi_qual.evidence.store import utc_now
from mimedi_qual.profiles.yaml_lines import load_yaml_with_lines

DEFAULT_REGISTRY_PATH = Path("profiles/users/users.yaml")
USER_ID_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD_CHARS = 8
# PKCS#8 BestAvailableEncryption derives its key with a fast PBKDF2 (a wrong
# guess costs ~0.5 ms). The password is first stretched with scrypt (~50 ms,
# 32 MiB per guess), so a stolen key file resists offline guessing.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1

_REGISTRY_HEADER = """\
# Signing users of mimedi-qual (21 CFR Part 11 / EU GMP Annex 11).
# Managed with `mimedi-qual user add` / `user deactivate` by an admin; never edit by hand:
# this file is the readable view of registry-log.jsonl beside it (the signed, hash-chained
# history `mimedi-qual verify` checks signatures against) and must agree with it.
# Private keys are in the keystore (keys/<user_id>.pem, password-encrypted, not in git).
"""


class Role(StrEnum):
    ADMIN = "admin"
    EXECUTOR = "executor"
    REVIEWER = "reviewer"
    APPROVER = "approver"


#: the roles a campaign or protocol signature may be given in (``admin`` administers users only)
SIGNING_ROLES = (Role.EXECUTOR, Role.REVIEWER, Role.APPROVER)


class UserError(EvidenceError):
    """Unknown user, a user that cannot be created, or a private key that does not fit.

    A registry *file* that cannot be read or holds a bad entry is a
    :class:`~mimedi_qual.errors.ProfileError` naming its line.
    """


class WrongPasswordError(UserError):
    """The password does not decrypt the user's private key."""


class AuthorityRefused(UserError):
    """A registry act was refused (not an admin, wrong password, id taken …); recorded in the history.

    A control, not a usage error: the CLI exits 1.
    """

    def __init__(self, message: str, reason_code: str):
        super().__init__(message)
        self.reason_code = reason_code


class AuthorityRequired(AuthorityRefused):
    """A registry act was asked for without naming the admin who authorises it.

    Refused and recorded like any other unauthorised attempt (reason ``no_authority``,
    with the OS account that asked): an attempt to add an approver without an admin is
    exactly the misuse the control exists for, not a mere usage error.
    """

    def __init__(self, message: str):
        super().__init__(message, "no_authority")


def refuse_without_authority(registry: UserRegistry, *, act: Act, subject: str,
                             roles: Iterable[Role | str] = ()) -> AuthorityRequired:
    """Record an act asked for with no admin named (``--by`` missing) and return the refusal to raise."""
    asked_by = getpass.getuser()
    registry.history.append(act=Act.REFUSED, utc=utc_now(), user_id=subject, roles=[str(r) for r in roles],
                            by="", detail=f"no_authority: {act.value} refused: no admin named to authorise it "
                                          f"(asked by OS account {asked_by!r})")
    return AuthorityRequired(
        f"the registry {registry.path} already has users: {act.value} {subject!r} is an admin's act — "
        "give --by ADMIN_ID (you are then asked for that admin's password)")


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def key_fingerprint(public_key_b64_text: str) -> str:
    """Short SHA-256 fingerprint of a public key, for humans (``SHA256:ab12…``)."""
    digest = hashlib.sha256(base64.b64decode(public_key_b64_text)).hexdigest()
    return f"SHA256:{digest[:16]}"


def verify_ed25519(public_key_b64_text: str, signature_b64: str, message: bytes) -> bool:
    """True when ``signature_b64`` is a valid Ed25519 signature of ``message``."""
    try:
        public_key_from_b64(public_key_b64_text).verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class User:
    """A signer as registered: id, printed name, roles, public key (base64, raw 32 bytes)."""

    user_id: str
    printed_name: str
    roles: frozenset[Role]
    public_key_ed25519: str

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    def to_yaml(self) -> dict:
        return {
            "user_id": self.user_id,
            "printed_name": self.printed_name,
            "roles": sorted(r.value for r in self.roles),
            "public_key_ed25519": self.public_key_ed25519,
        }


def _stretched_password(user_id: str, password: str) -> bytes:
    salt = hashlib.sha256(f"mimedi-qual key {user_id}".encode()).digest()
    kdf = Scrypt(salt=salt, length=32, n=2**SCRYPT_LOG2_N, r=SCRYPT_R, p=SCRYPT_P)
    return base64.b64encode(kdf.derive(password.encode("utf-8")))


def key_path(keys_dir: str | Path, user_id: str) -> Path:
    return Path(keys_dir) / f"{user_id}.pem"


class UserRegistry:
    """The users allowed to sign *now*, from ``users.yaml`` checked against its history.

    ``history`` (a :class:`~mimedi_qual.evidence.registry_log.RegistryHistory`)
    answers who was registered *when*: ``verify`` asks it about each signature.
    Lookups (``in``, :meth:`get`, iteration) see active users only: a
    deactivated user can no longer sign.
    """

    def __init__(self, users: Iterable[User], path: Path | None = None, history: RegistryHistory | None = None):
        self.path = path
        self._users = {u.user_id: u for u in users}
        self.history = history if history is not None else RegistryHistory(log_path(path or DEFAULT_REGISTRY_PATH))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_REGISTRY_PATH) -> UserRegistry:
        """Read a registry and check it; a missing or empty file with no history is an empty registry.

        Raises :class:`~mimedi_qual.errors.ProfileError` with ``path:line`` when
        ``users.yaml`` is not valid YAML or holds an invalid entry, when the
        history (``registry-log.jsonl``) is broken, and when the two disagree
        (a user in ``users.yaml`` that no admin added, a role or key changed by
        hand, a user of the history missing from the file).
        """
        path = Path(path)
        history = RegistryHistory.load(log_path(path))
        view = _read_view(path)
        _check_view_agrees(path, view, history)
        users = [_user_of(state) for state in history.users.values() if state.active]
        return cls(users, path, history)

    def save(self, path: str | Path | None = None) -> Path:
        """Write ``users.yaml``, the readable view of the history, atomically (tmp file + rename)."""
        path = Path(path or self.path or DEFAULT_REGISTRY_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        entries = []
        for state in sorted(self.history.users.values(), key=lambda s: s.user_id):
            entry = _user_of(state).to_yaml()
            entry["added"] = {"seq": state.added_seq, "utc": state.added_utc, "by": state.added_by}
            if not state.active:
                entry["deactivated"] = {"seq": state.deactivated_seq, "utc": state.deactivated_utc}
            entries.append(entry)
        body = yaml.safe_dump({"users": entries}, sort_keys=False, allow_unicode=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(_REGISTRY_HEADER + body, encoding="utf-8")
        os.replace(tmp, path)
        self.path = path
        return path

    def __contains__(self, user_id: str) -> bool:
        return user_id in self._users

    def __iter__(self):
        return iter(self._users.values())

    def get(self, user_id: str) -> User:
        try:
            return self._users[user_id]
        except KeyError:
            state = self.history.users.get(user_id)
            if state is not None and not state.active:
                raise UserError(f"user {user_id!r} was deactivated at {state.deactivated_utc} "
                                f"(registry history entry #{state.deactivated_seq})") from None
            raise UserError(f"unknown user {user_id!r} (not in {self.path or 'the registry'})") from None

    def unlock(self, user_id: str, password: str, keys_dir: str | Path) -> Ed25519PrivateKey:
        """Decrypt the user's private key with ``password``.

        Raises :class:`WrongPasswordError` when the password does not decrypt
        it, and :class:`UserError` when the key is missing or does not match
        the public key in the registry (a swapped keystore file).
        """
        user = self.get(user_id)
        path = key_path(keys_dir, user_id)
        if not path.is_file():
            raise UserError(f"no private key for {user_id!r} at {path}")
        try:
            key = serialization.load_pem_private_key(
                path.read_bytes(), password=_stretched_password(user_id, password)
            )
        except (ValueError, TypeError) as exc:
            raise WrongPasswordError(f"wrong password for {user_id!r}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise UserError(f"{path} is not an Ed25519 key")
        if public_key_b64(key.public_key()) != user.public_key_ed25519:
            raise UserError(f"{path} does not match the public key registered for {user_id!r}")
        return key


def _user_of(state: UserState) -> User:
    return User(state.user_id, state.printed_name, frozenset(Role(r) for r in state.roles), state.public_key_ed25519)


def _read_view(path: Path) -> list[tuple[int, int | None, User, dict]]:
    """The entries of ``users.yaml``: (index, line, user, raw entry); none when the file is absent."""
    if not path.exists():
        return []
    data, lines = load_yaml_with_lines(path, allow_empty=True)
    data = data or {}
    if not isinstance(data, dict):
        raise ProfileError(path, 1, "a user registry is a mapping with a 'users' list")
    view = []
    for index, entry in enumerate(data.get("users") or []):
        line = lines.get(("users", index))
        where = f"users[{index}]"
        try:
            user = User(
                user_id=str(entry["user_id"]),
                printed_name=str(entry["printed_name"]),
                roles=frozenset(Role(r) for r in entry["roles"]),
                public_key_ed25519=str(entry["public_key_ed25519"]),
            )
            public_key_from_b64(user.public_key_ed25519)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(path, line, f"{where}: invalid user entry ({exc!r})") from None
        if not USER_ID_PATTERN.match(user.user_id):
            raise ProfileError(path, lines.get(("users", index, "user_id"), line),
                               f"{where}: user_id {user.user_id!r} must match {USER_ID_PATTERN.pattern}")
        view.append((index, line, user, entry))
    return view


def _check_view_agrees(path: Path, view: list[tuple[int, int | None, User, dict]], history: RegistryHistory) -> None:
    """``users.yaml`` must say what the history says, entry for entry."""
    seen: set[str] = set()
    for index, line, user, entry in view:
        where = f"users[{index}]"
        if user.user_id in seen:
            raise ProfileError(path, line, f"{where}: user {user.user_id!r} listed twice")
        seen.add(user.user_id)
        state = history.users.get(user.user_id)
        if state is None:
            raise ProfileError(path, line, f"{where}: user {user.user_id!r} is not in the registry history "
                               f"{history.path}: not added by an admin (`mimedi-qual user add --by ADMIN`) — "
                               "refused (was users.yaml edited by hand?)")
        differs = [name for name, theirs in (("printed_name", state.printed_name),
                                              ("roles", frozenset(Role(r) for r in state.roles)),
                                              ("public_key_ed25519", state.public_key_ed25519))
                   if getattr(user, name) != theirs]
        if bool(entry.get("deactivated")) == state.active:
            differs.append("deactivated")
        if differs:
            raise ProfileError(path, line, f"{where}: user {user.user_id!r}: {', '.join(differs)} differ(s) from the "
                               f"registry history {history.path} (entry #{state.added_seq}) — refused "
                               "(was users.yaml edited by hand?)")
    missing = sorted(set(history.users) - seen)
    if missing:
        raise ProfileError(path, None, f"user(s) {', '.join(missing)} of the registry history {history.path} "
                           "missing from this file (was users.yaml edited by hand?)")


MAX_FAILED_ADMIN_PASSWORDS = 3


def _failed_admin_passwords(history: RegistryHistory, admin_id: str) -> int:
    """Wrong admin passwords for ``admin_id`` since that admin's last successful act."""
    count = 0
    for entry in reversed(history.entries):
        if entry.by != admin_id:
            continue
        if entry.act != Act.REFUSED:
            break
        if entry.detail.startswith("wrong_password"):
            count += 1
    return count


def _authorise(registry: UserRegistry, keys_dir: str | Path, *, by: str | None, by_password: str | None,
               act: Act, subject: str, roles: Iterable[Role] = ()) -> Ed25519PrivateKey:
    """The admin ``by``'s unlocked key, or :class:`AuthorityRefused` after auditing the attempt."""
    if not by:
        raise refuse_without_authority(registry, act=act, subject=subject, roles=roles)
    history = registry.history

    def refuse(code: str, message: str) -> AuthorityRefused:
        history.append(act=Act.REFUSED, utc=utc_now(), user_id=subject, roles=[str(r) for r in roles], by=by,
                       detail=f"{code}: {act.value} refused: {message}")
        return AuthorityRefused(f"{act.value} {subject!r} refused: {message}", code)

    state = history.users.get(by)
    if state is None:
        raise refuse("unknown_admin", f"{by!r} is not a registered user")
    if not state.active:
        raise refuse("admin_deactivated", f"{by!r} was deactivated at {state.deactivated_utc}")
    if Role.ADMIN.value not in state.roles:
        raise refuse("not_admin", f"{by!r} does not hold the admin role (holds {', '.join(sorted(state.roles))})")
    if _failed_admin_passwords(history, by) >= MAX_FAILED_ADMIN_PASSWORDS:
        raise refuse("locked", f"{by!r} is locked out after {MAX_FAILED_ADMIN_PASSWORDS} wrong passwords "
                               "(another admin's act releases nothing: ask a second admin to act)")
    try:
        return registry.unlock(by, by_password or "", keys_dir)
    except WrongPasswordError:
        raise refuse("wrong_password", f"wrong password for admin {by!r}") from None
    except UserError as exc:
        raise refuse("key_unavailable", str(exc)) from None


def create_user(
    registry_path: str | Path,
    keys_dir: str | Path,
    *,
    user_id: str,
    printed_name: str,
    roles: Iterable[Role | str],
    password: str,
    by: str | None = None,
    by_password: str | None = None,
) -> User:
    """Generate a key pair, write the encrypted private key, record and register the public key.

    On an empty registry the new user must hold ``admin`` (the bootstrap,
    signed with its own new key). Otherwise ``by`` must be an active admin
    and ``by_password`` their password: the act is signed with that admin's
    key. Raises :class:`AuthorityRequired` (recorded) without ``by``,
    :class:`AuthorityRefused` (recorded in the history) when the admin is
    unknown, not an admin or the password is wrong, or when ``user_id`` was
    ever taken, and :class:`UserError` for an invalid id, name, role or
    password.
    """
    if not USER_ID_PATTERN.match(user_id):
        raise UserError(f"user id {user_id!r} must match {USER_ID_PATTERN.pattern}")
    if not printed_name.strip():
        raise UserError("a printed name is required (it appears on every signature)")
    role_set = frozenset(Role(r) for r in roles)
    if not role_set:
        raise UserError("at least one role is required")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    registry_path = Path(registry_path)
    with locked(registry_path):
        registry = UserRegistry.load(registry_path)
        history = registry.history
        if history.empty:
            if Role.ADMIN not in role_set:
                raise UserError(f"the registry {registry_path} is empty: its first user bootstraps it and must "
                                "hold the admin role (--role admin), who then adds every other user")
            act, signing_key = Act.BOOTSTRAP, None
        else:
            act = Act.ADD
            signing_key = _authorise(registry, keys_dir, by=by, by_password=by_password, act=act,
                                     subject=user_id, roles=role_set)
            taken = history.users.get(user_id)
            if taken is not None:
                state = "deactivated" if not taken.active else "registered"
                history.append(act=Act.REFUSED, utc=utc_now(), user_id=user_id, by=by or "",
                               roles=[str(r) for r in role_set],
                               detail=f"id_taken: add refused: the id is {state} (entry #{taken.added_seq})")
                raise AuthorityRefused(f"user id {user_id!r} is taken ({state}, registry history entry "
                                       f"#{taken.added_seq}): user ids are never reused", "id_taken")
        path = key_path(keys_dir, user_id)
        if path.exists():
            raise UserError(f"{path} already exists: refusing to overwrite a private key")

        private_key = Ed25519PrivateKey.generate()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_stretched_password(user_id, password)),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())

        user = User(user_id, printed_name.strip(), role_set, public_key_b64(private_key.public_key()))
        history.append(act=act, utc=utc_now(), user_id=user_id, printed_name=user.printed_name,
                       roles=[r.value for r in role_set], public_key_ed25519=user.public_key_ed25519,
                       by=user_id if act == Act.BOOTSTRAP else str(by),
                       signing_key=private_key if signing_key is None else signing_key)
        registry.save(registry_path)
    return user


def deactivate_user(
    registry_path: str | Path,
    keys_dir: str | Path,
    *,
    user_id: str,
    by: str | None,
    by_password: str | None,
    reason: str,
) -> UserState:
    """Deactivate ``user_id`` (they can no longer sign; the id stays taken), authorised by admin ``by``.

    The last active admin cannot be deactivated (nobody could administer the
    registry any more). Refusals are recorded like :func:`create_user`'s.
    """
    if not reason.strip():
        raise UserError("a reason is required to deactivate a user (it is recorded)")
    registry_path = Path(registry_path)
    with locked(registry_path):
        registry = UserRegistry.load(registry_path)
        history = registry.history
        signing_key = _authorise(registry, keys_dir, by=by, by_password=by_password, act=Act.DEACTIVATE,
                                 subject=user_id)
        state = history.users.get(user_id)
        problem = None
        if state is None:
            problem = ("unknown_user", f"{user_id!r} is not a registered user")
        elif not state.active:
            problem = ("already_deactivated", f"{user_id!r} was already deactivated at {state.deactivated_utc}")
        elif Role.ADMIN.value in state.roles and not any(
                s.active and Role.ADMIN.value in s.roles for s in history.users.values() if s.user_id != user_id):
            problem = ("last_admin", f"{user_id!r} is the last active admin")
        if problem:
            history.append(act=Act.REFUSED, utc=utc_now(), user_id=user_id, by=str(by),
                           detail=f"{problem[0]}: deactivate refused: {problem[1]}")
            raise AuthorityRefused(f"deactivate {user_id!r} refused: {problem[1]}", problem[0])
        history.append(act=Act.DEACTIVATE, utc=utc_now(), user_id=user_id, printed_name=state.printed_name,
                       roles=sorted(state.roles), public_key_ed25519=state.public_key_ed25519, by=str(by),
                       detail=reason.strip(), signing_key=signing_key)
        registry.save(registry_path)
        return history.users[user_id]
