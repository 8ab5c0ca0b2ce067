"""The simulated controller's audit trail: append-only, on "flash", survives power cuts.

Annex 11 §9 asks who, what, when, old and new value and why. Every entry is
appended to a JSON-lines file as it is made (the controller's non-volatile
memory) and the in-memory copy is thrown away when the controller loses
power; booting reads the file back. Losing the file would be data loss —
exactly what a power-failure test must be able to detect.

>>> trail = AuditTrail(tmp_path / "audit.jsonl")
>>> trail.append(12.0, "op1", "SOUR:TEMP", "37.000", "36.500", "")
1
>>> trail.entry(1)
'1,12.0,op1,SOUR:TEMP,37.000,36.500,'
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
from pathlib import Path

from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError


class AuditTrail:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._entries: list[dict] = []
        self.load()

    def load(self) -> None:
        """Boot: read the trail back from non-volatile memory."""
        self._entries = []
        if self.path.exists():
            with self.path.open(encoding="utf-8") as fh:
                self._entries = [json.loads(line) for line in fh if line.strip()]

    def forget(self) -> None:
        """Power cut: RAM is gone; only the file remains."""
        self._entries = []

    def append(self, controller_time_s: float, user: str, action: str, old: str, new: str, reason: str) -> int:
        entry = {"n": len(self._entries) + 1, "time_s": round(controller_time_s, 1), "user": user,
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
        """Entry ``n`` (1-based) as ``AUDit:ENTRy?`` answers it."""
        e = self._entries[n - 1]
        return ",".join(str(x).replace(",", " ") for x in
                        (e["n"], e["time_s"], e["user"], e["action"], e["old"], e["new"], e["reason"]))


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
