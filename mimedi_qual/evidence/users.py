"""Signing users: who may sign, in which role, with which key.

A user has an id, a printed name (what appears on every signature
manifestation, Part 11 §11.50), one or more roles — ``executor``,
``reviewer``, ``approver`` — and an Ed25519 key pair. The *registry*
(``profiles/users/users.yaml``, kept in git) holds the public keys: it is the
trust anchor ``verify`` checks signatures against. Each private key lives in
the *keystore* (``profiles/users/keys/<user_id>.pem``, never committed),
encrypted with the user's password (PKCS#8, ``BestAvailableEncryption`` of
the scrypt-stretched password), so
signing needs both components of Part 11 §11.200: user id and password.

::

    from mimedi_qual.evidence.users import Role, UserRegistry, create_user

    user = create_user("profiles/users/users.yaml", "profiles/users/keys",
                       user_id="jdoe", printed_name="Jane Doe",
                       roles=[Role.REVIEWER], password="correct horse battery")
    registry = UserRegistry.load("profiles/users/users.yaml")
    key = registry.unlock("jdoe", "correct horse battery", "profiles/users/keys")  # Ed25519PrivateKey

``users.yaml`` format::

    users:
      - user_id: jdoe
        printed_name: Jane Doe
        roles: [reviewer]
        public_key_ed25519: <base64 of the 32-byte raw public key>
"""

from __future__ import annotations

import base64
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
# Managed with `mimedi-qual user add`; the public keys below are the trust
# anchor `mimedi-qual verify` checks signatures against. Private keys are in
# the keystore (profiles/users/keys/<user_id>.pem, password-encrypted, not in git).
"""


class Role(StrEnum):
    EXECUTOR = "executor"
    REVIEWER = "reviewer"
    APPROVER = "approver"


class UserError(EvidenceError):
    """Unknown user, a user that cannot be created, or a private key that does not fit.

    A registry *file* that cannot be read or holds a bad entry is a
    :class:`~mimedi_qual.errors.ProfileError` naming its line.
    """


class WrongPasswordError(UserError):
    """The password does not decrypt the user's private key."""


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
    """The users allowed to sign, loaded from ``users.yaml``."""

    def __init__(self, users: Iterable[User], path: Path | None = None):
        self.path = path
        self._users = {u.user_id: u for u in users}

    @classmethod
    def load(cls, path: str | Path = DEFAULT_REGISTRY_PATH) -> UserRegistry:
        """Read a registry; a missing or empty file is an empty registry.

        A file that is not valid YAML, or an entry that is not a valid user,
        raises :class:`~mimedi_qual.errors.ProfileError` with ``path:line``.
        """
        path = Path(path)
        if not path.exists():
            return cls([], path)
        data, lines = load_yaml_with_lines(path, allow_empty=True)
        data = data or {}
        if not isinstance(data, dict):
            raise ProfileError(path, 1, "a user registry is a mapping with a 'users' list")
        users = []
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
            users.append(user)
        return cls(users, path)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the registry atomically (tmp file + rename)."""
        path = Path(path or self.path or DEFAULT_REGISTRY_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = yaml.safe_dump(
            {"users": [u.to_yaml() for u in sorted(self._users.values(), key=lambda u: u.user_id)]},
            sort_keys=False,
            allow_unicode=True,
        )
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
            raise UserError(f"unknown user {user_id!r} (not in {self.path or 'the registry'})") from None

    def add(self, user: User) -> None:
        if user.user_id in self._users:
            raise UserError(f"user {user.user_id!r} already exists")
        self._users[user.user_id] = user

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


def create_user(
    registry_path: str | Path,
    keys_dir: str | Path,
    *,
    user_id: str,
    printed_name: str,
    roles: Iterable[Role | str],
    password: str,
) -> User:
    """Generate a key pair, write the encrypted private key, register the public key."""
    if not USER_ID_PATTERN.match(user_id):
        raise UserError(f"user id {user_id!r} must match {USER_ID_PATTERN.pattern}")
    if not printed_name.strip():
        raise UserError("a printed name is required (it appears on every signature)")
    role_set = frozenset(Role(r) for r in roles)
    if not role_set:
        raise UserError("at least one role is required")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    registry = UserRegistry.load(registry_path)
    if user_id in registry:
        raise UserError(f"user {user_id!r} already exists in {registry_path}")
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
    registry.add(user)
    registry.save(registry_path)
    return user
