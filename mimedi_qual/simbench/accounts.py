"""The simulated controller's user accounts: in non-volatile memory, passwords stored hashed.

The accounts are part of the controller's own configuration, like its audit
trail (:mod:`.audit`): a JSON file in the bench's state directory is the
controller's flash. At first boot (no file yet) the factory accounts of the
bench profile (``simulation.controller.accounts``) are written to it; from then
on the file is the truth — accounts added or deleted over ``ACCess:USER:*``
survive a power cut (RAM is dropped on power-off, the file is read back at
power-on) and a restart of the simulator on the same state directory.

A password is never stored, shown or audited: the file holds a salted
PBKDF2-SHA256 hash, ``ACCess:USER:LIST?`` shows ``user:level`` only.

>>> store = AccountStore(tmp_path / "controller-accounts.json", [("op1", "op1-sim", "OPERATOR")])
>>> store.add("qa7", "long-enough-1", "SUPERVISOR"); store.level_of("qa7", "long-enough-1")
'SUPERVISOR'
>>> store.forget(); store.load(); store.listing()
'op1:OPERATOR,qa7:SUPERVISOR'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

LEVELS = ("OPERATOR", "SUPERVISOR", "ADMIN")
#: User names the firmware accepts: what fits an audit-trail field and a SCPI argument.
USER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
#: The firmware's password rule for accounts added over SCPI (factory accounts are the profile's).
MIN_PASSWORD_LENGTH = 8
#: PBKDF2 rounds: a real firmware uses more; enough here to never store a password in the clear.
HASH_ROUNDS = 2_000


class AccountError(ValueError):
    """An account change the firmware refuses; ``conflict`` → -221 (state), else -224 (parameter)."""

    def __init__(self, message: str, conflict: bool = False):
        super().__init__(message)
        self.conflict = conflict


def _hash(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, HASH_ROUNDS).hex()


class AccountStore:
    """User → (level, salted password hash), mirrored to ``path`` on every change."""

    def __init__(self, path: Path, factory_accounts: Iterable[tuple[str, str, str]]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._accounts: dict[str, dict] = {}
        if not self.path.exists():
            for user, password, level in factory_accounts:
                self._accounts[user] = self._record(password, level)
            self._save()
        self.load()

    # -- non-volatile memory ---------------------------------------------
    def load(self) -> None:
        """Boot: read the accounts back from non-volatile memory."""
        self._accounts = json.loads(self.path.read_text(encoding="utf-8"))["accounts"]

    def forget(self) -> None:
        """Power cut: RAM is gone (nobody can log in until the controller boots)."""
        self._accounts = {}

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump({"accounts": self._accounts}, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    @staticmethod
    def _record(password: str, level: str) -> dict:
        salt = secrets.token_bytes(16)
        return {"level": level, "salt": salt.hex(), "hash": _hash(password, salt)}

    # -- queries ---------------------------------------------------------
    def level_of(self, user: str, password: str) -> str | None:
        """The account's level if ``password`` is right, else None."""
        record = self._accounts.get(user)
        if record is None:
            return None
        if not hmac.compare_digest(record["hash"], _hash(password, bytes.fromhex(record["salt"]))):
            return None
        return record["level"]

    def level(self, user: str) -> str | None:
        record = self._accounts.get(user)
        return record["level"] if record else None

    def listing(self) -> str:
        """``user:level,...`` sorted by user, as ``ACCess:USER:LIST?`` answers it."""
        return ",".join(f"{u}:{r['level']}" for u, r in sorted(self._accounts.items()))

    # -- changes ---------------------------------------------------------
    def add(self, user: str, password: str, level: str) -> None:
        level = level.strip().upper()
        if level not in LEVELS:
            raise AccountError(f"level must be OPERATOR, SUPERVISOR or ADMIN, got {level!r}")
        if not USER_NAME.fullmatch(user):
            raise AccountError(f"user name {user!r}: 1 to 32 letters, digits, '_', '-' or '.'")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
        if user in self._accounts:
            raise AccountError(f"user {user!r} already exists", conflict=True)
        self._accounts[user] = self._record(password, level)
        self._save()

    def delete(self, user: str, acting_user: str) -> str:
        """Delete ``user``; returns its level. Never yourself, never the last ADMIN."""
        record = self._accounts.get(user)
        if record is None:
            raise AccountError(f"no user {user!r}")
        if record["level"] == "ADMIN" and sum(r["level"] == "ADMIN" for r in self._accounts.values()) == 1:
            raise AccountError("the last ADMIN account cannot be deleted", conflict=True)
        if user == acting_user:
            raise AccountError("you cannot delete your own account", conflict=True)
        del self._accounts[user]
        self._save()
        return record["level"]
