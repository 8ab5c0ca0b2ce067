"""The record of faults injected through the simulation channel.

Every injection and clearance is kept with the virtual time it happened, so
a scenario's evidence can show exactly what was done to the bench and when
(``SIMulation:FAULt:LIST?``). Which faults exist, what they target and what
they do is the world's fault table (:data:`.world.FAULTS`); this module only
remembers.

>>> log = FaultLog()
>>> log.inject(3600.0, "HEATER_FAIL", "", "")
FaultRecord(time_s=3600.0, fault='HEATER_FAIL', target='', value='', cleared_s=None)
>>> [record.fault for record in log.clear(3700.0, "HEATER_FAIL")]
['HEATER_FAIL']
>>> log.as_scpi()
'3600.000,HEATER_FAIL,,,3700.000'
"""

from __future__ import annotations

from dataclasses import dataclass

#: Faults of an instrument's link (target: the instrument's name on the bench).
INSTRUMENT_FAULTS = ("INSTRUMENT_TIMEOUT", "INSTRUMENT_GARBAGE", "INSTRUMENT_DISCONNECT")


@dataclass
class FaultRecord:
    time_s: float
    fault: str
    target: str
    value: str
    cleared_s: float | None = None

    @property
    def active(self) -> bool:
        return self.cleared_s is None


class FaultLog:
    """Injected faults in order, active or cleared."""

    def __init__(self) -> None:
        self.records: list[FaultRecord] = []

    def inject(self, time_s: float, fault: str, target: str, value: str) -> FaultRecord:
        record = FaultRecord(time_s, fault, target, value)
        self.records.append(record)
        return record

    def clear(self, time_s: float, fault: str | None = None) -> list[FaultRecord]:
        """Clear every active fault (or every active one of that name); return them."""
        cleared = []
        for record in self.records:
            if record.active and (fault is None or record.fault == fault):
                record.cleared_s = time_s
                cleared.append(record)
        return cleared

    def active(self) -> list[FaultRecord]:
        return [r for r in self.records if r.active]

    def instrument_fault(self, instrument: str) -> str | None:
        """The link fault currently active on ``instrument`` (latest wins), if any."""
        for record in reversed(self.records):
            if record.active and record.fault in INSTRUMENT_FAULTS and record.target == instrument:
                return record.fault
        return None

    def as_scpi(self) -> str:
        """``time,fault,target,value,cleared`` per record, ``;``-separated; ``NONE`` if empty."""
        if not self.records:
            return "NONE"
        return ";".join(
            f"{r.time_s:.3f},{r.fault},{r.target},{r.value},"
            + ("" if r.cleared_s is None else f"{r.cleared_s:.3f}")
            for r in self.records)
