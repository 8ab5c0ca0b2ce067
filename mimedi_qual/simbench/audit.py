"""The simulated controller's audit trail: append-only, on "flash", survives power cuts.

Annex 11 §9 asks who, what, when, old and new value and why. Every entry is
appended to a JSON-lines file as it is made (the controller's non-volatile
memory) and the in-memory copy is thrown away when the controller loses
power; booting reads the file back. Losing the file would be data loss —
exactly what a power-failure test must be able to detect.

**When** is a UTC date and time, ISO 8601 to the millisecond
(``2026-12-02T14:55:01.123Z``), from the controller's real-time clock. On the
simulated bench that clock runs on *bench time* mapped to UTC — the twin is on
virtual time, so an entry made after ``SIM:ADV 3600`` is dated an hour after
one made before it, however fast the simulator ran: ``utc = epoch +
bench_time_s``. The epoch (the UTC of bench time 0) is the simulator's wall
clock when the trail is opened, or just after the newest entry already on
flash if that is later (a restarted simulator on the same state directory
never dates an entry before an earlier one). Entries also keep the bench time
in seconds (``bench_time_s`` in the file, not in ``AUDit:ENTRy?``).

>>> trail = AuditTrail(tmp_path / "audit.jsonl")
>>> trail.epoch_utc = datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)
>>> trail.append(12.0, "op1", "SOUR:TEMP", "37.000", "36.500", "")
1
>>> trail.entry(1)
'1,2026-12-02T07:00:12.000Z,op1,SOUR:TEMP,37.000,36.500,'
>>> trail.forget(); trail.load(); trail.count
1

Over SCPI (:func:`register_audit_commands`) the trail is read with
``AUDit:COUNt?`` and ``AUDit:ENTRy? <n>``; ``AUDit:CLEar`` exists only to be
refused — no command edits or removes an entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError


def iso_utc(moment: datetime) -> str:
    """``2026-12-02T14:55:01.123Z``: ISO 8601, UTC, milliseconds."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso_utc(text: str) -> datetime:
    """The inverse of :func:`iso_utc` (any ISO 8601 with an offset or ``Z``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class AuditTrail:
    """The trail on flash (``path``, JSON lines) and in RAM; ``epoch_utc`` is the UTC of bench time 0."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._entries: list[dict] = []
        self.load()
        self.epoch_utc = datetime.now(timezone.utc)
        newest = self.newest_utc()
        if newest is not None and newest >= self.epoch_utc:
            self.epoch_utc = newest + timedelta(milliseconds=1)

    def newest_utc(self) -> datetime | None:
        """When the newest entry on flash was made (None: no dated entry)."""
        for e in reversed(self._entries):
            if e.get("utc"):
                return parse_iso_utc(e["utc"])
        return None

    def utc_at(self, bench_time_s: float) -> datetime:
        """The controller's clock at ``bench_time_s``."""
        return self.epoch_utc + timedelta(seconds=bench_time_s)

    def load(self) -> None:
        """Boot: read the trail back from non-volatile memory."""
        self._entries = []
        if self.path.exists():
            with self.path.open(encoding="utf-8") as fh:
                self._entries = [json.loads(line) for line in fh if line.strip()]

    def forget(self) -> None:
        """Power cut: RAM is gone; only the file remains."""
        self._entries = []

    def append(self, bench_time_s: float, user: str, action: str, old: str, new: str, reason: str) -> int:
        """Append an entry made at ``bench_time_s``; returns its number."""
        entry = {"n": len(self._entries) + 1, "utc": iso_utc(self.utc_at(bench_time_s)),
                 "bench_time_s": round(bench_time_s, 3), "user": user,
                 "action": action, "old": old, "new": new, "reason": reason}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._entries.append(entry)
        return entry["n"]

    @property
    def count(self) -> int:
        return len(self._entries)

    def entry(self, n: int) -> str:
        """Entry ``n`` (1-based) as ``AUDit:ENTRy?`` answers it: ``<n>,<UTC>,<user>,<action>,<old>,<new>,<reason>``."""
        e = self._entries[n - 1]
        return ",".join(str(x).replace(",", " ") for x in
                        (e["n"], e.get("utc", ""), e["user"], e["action"], e["old"], e["new"], e["reason"]))


def register_audit_commands(device: ScpiDevice, trail: AuditTrail, refuse_clear: Callable[[], None]) -> None:
    """``AUDit:COUNt?``, ``AUDit:ENTRy? <n>`` and ``AUDit:CLEar`` on ``device``.

    ``refuse_clear`` records the attempt and raises the refusal: who tried, and at which
    level, is the device's session, not the trail's.
    """
    def entry(args: list[str]) -> str:
        try:
            n = int(args[0])
        except ValueError:
            raise ScpiError(ILLEGAL_PARAMETER, "entry number") from None
        if not 1 <= n <= trail.count:
            raise ScpiError(ILLEGAL_PARAMETER, f"entry {n} of {trail.count}")
        return trail.entry(n)

    device.register("AUDit:COUNt?", lambda a: str(trail.count))
    device.register("AUDit:ENTRy?", entry)
    device.register("AUDit:CLEar", lambda a: refuse_clear())
