"""Lockout after failed logins: the controller's count of wrong passwords per account, on flash.

``failed_logins`` wrong passwords in a row for one user lock it; a locked user
is refused even with the right password until the lock is released — by an
ADMIN (:meth:`LoginLockout.unlock`) or, when ``release_after_s`` is set, by
itself that long after it was locked. A successful login resets the count.
The numbers are the bench profile's (``simulation.controller.lockout``,
:class:`~mimedi_qual.profiles.bench.LoginLockout`). Times are the controller's
clock (:meth:`.audit.AuditTrail.utc_at`: bench time mapped to UTC), so a lock
set before a power cut or a simulator restart is still measured from when it
was set. The state is a JSON file beside the accounts (the controller's flash):
pulling the plug does not unlock anybody.

Recording is the caller's (:mod:`.access`, :mod:`.console`): this module only
counts and decides.

>>> lock = LoginLockout(tmp_path / "lockout.json", failed_logins=3, release_after_s=900.0)
>>> [lock.failure("op1", t0) for _ in range(3)][-1], lock.is_locked("op1")
(3, True)
>>> lock.release_if_due("op1", t0 + timedelta(seconds=900))
True
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from mimedi_qual.simbench.audit import iso_utc, parse_iso_utc


class LoginLockout:
    """User → failed logins in a row and when the user was locked (None: not locked)."""

    def __init__(self, path: Path, failed_logins: int, release_after_s: float | None):
        self.path = Path(path)
        self.failed_logins = failed_logins
        self.release_after_s = release_after_s
        self._state: dict[str, dict] = {}
        if self.path.exists():
            self._state = json.loads(self.path.read_text(encoding="utf-8"))["users"]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump({"users": self._state}, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def release_text(self) -> str:
        """How a lock is released, for refusals and the audit trail."""
        if self.release_after_s is None:
            return "an ADMIN unlocks it (ACC:USER:UNL)"
        return f"released {self.release_after_s:g} s after locking, or by an ADMIN (ACC:USER:UNL)"

    def is_locked(self, user: str) -> bool:
        return bool(self._state.get(user, {}).get("locked_at"))

    def failures(self, user: str) -> int:
        return int(self._state.get(user, {}).get("failed", 0))

    def failure(self, user: str, now: datetime) -> int:
        """One more wrong password for ``user`` at ``now``; returns the count (the lock is set at the N-th)."""
        state = self._state.setdefault(user, {"failed": 0, "locked_at": None})
        state["failed"] += 1
        if state["failed"] >= self.failed_logins and not state["locked_at"]:
            state["locked_at"] = iso_utc(now)
        self._save()
        return state["failed"]

    def success(self, user: str) -> None:
        """A right password on an unlocked user: the count starts again."""
        if user in self._state:
            del self._state[user]
            self._save()

    def release_if_due(self, user: str, now: datetime) -> bool:
        """Release ``user``'s lock if ``release_after_s`` has passed since it was set; True if released now."""
        locked_at = self._state.get(user, {}).get("locked_at")
        if not locked_at or self.release_after_s is None:
            return False
        if (now - parse_iso_utc(locked_at)).total_seconds() < self.release_after_s:
            return False
        del self._state[user]
        self._save()
        return True

    def unlock(self, user: str) -> bool:
        """An ADMIN's unlock: the lock and the count are gone; True if ``user`` was locked."""
        was_locked = self.is_locked(user)
        if user in self._state:
            del self._state[user]
            self._save()
        return was_locked
