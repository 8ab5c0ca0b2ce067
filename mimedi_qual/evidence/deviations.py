"""Deviations: every departure from the approved protocol, recorded and carried to the report.

A failed acceptance criterion is not just a red test: it is a deviation with an
id, what was expected, what happened, its impact, and the scenario and URS
requirements it touches (Annex 15 §2.7–2.8). These raise one:

* ``criterion_not_met`` — a measurement outside its acceptance limits;
* ``instrument_fault``  — an instrument that failed, answered nonsense, or is past calibration;
* ``interruption``      — the campaign process stopped and was resumed;
* ``protocol_changed``  — the protocol run differs from the approved one (hash mismatch);
* ``execution_error``   — a step could not be executed as written (undefined step,
  unusable profile value, harness error): the protocol was not carried out;
* ``prerequisite_not_released`` — a stage started without its earlier stage released
  (OQ without IQ, PQ without OQ: :mod:`mimedi_qual.campaign.prerequisites`).

Ids are assigned in order, ``DEV-001``, ``DEV-002``, … from the deviations
already in the store, so a resumed campaign continues the numbering::

    from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation

    dev = record_deviation(
        store, DeviationCategory.CRITERION_NOT_MET,
        description="Vessel temperature outside ±0.5 °C during the 37 °C hold",
        expected="36.5–37.5 °C", actual="37.9 °C at 14:02:11Z",
        impact="OQ-TEMP-ACC not met; PQ cannot start until closed",
        scenario="Temperature holds at 37 °C", urs=["URS-TEMP-001"],
    )
    dev.id  # 'DEV-001'

Root cause, action and closure come later, in a ``deviation_closure`` record
(:func:`close_deviation`): the original deviation is never edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, Record


class DeviationCategory(StrEnum):
    CRITERION_NOT_MET = "criterion_not_met"
    INSTRUMENT_FAULT = "instrument_fault"
    INTERRUPTION = "interruption"
    PROTOCOL_CHANGED = "protocol_changed"
    EXECUTION_ERROR = "execution_error"
    PREREQUISITE_NOT_RELEASED = "prerequisite_not_released"


@dataclass(frozen=True, slots=True)
class Deviation:
    """A recorded deviation (as read back from the store)."""

    id: str
    category: DeviationCategory
    description: str
    expected: str
    actual: str
    impact: str
    scenario: str
    urs: tuple[str, ...]
    criterion_id: str = ""
    utc: str = ""
    seq: int = 0
    # filled from a later deviation_closure record, if any
    root_cause: str = ""
    action: str = ""
    closed_by: str = ""
    closed_utc: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_utc)

    def to_payload(self) -> dict:
        return {
            "id": self.id,
            "category": self.category.value,
            "description": self.description,
            "expected": self.expected,
            "actual": self.actual,
            "impact": self.impact,
            "scenario": self.scenario,
            "urs": list(self.urs),
            "criterion_id": self.criterion_id,
        }


def _format_id(number: int) -> str:
    return f"DEV-{number:03d}"


def record_deviation(
    store: EvidenceStore,
    category: DeviationCategory | str,
    *,
    description: str,
    expected: str,
    actual: str,
    impact: str,
    scenario: str = "",
    urs: Iterable[str] = (),
    criterion_id: str = "",
) -> Deviation:
    """Append a ``deviation`` record with the next free id and return it."""
    category = DeviationCategory(category)
    if not description.strip():
        raise EvidenceStoreError("a deviation needs a description")
    number = len(store.records(kind="deviation")) + 1
    deviation = Deviation(
        id=_format_id(number),
        category=category,
        description=description,
        expected=expected,
        actual=actual,
        impact=impact,
        scenario=scenario,
        urs=tuple(urs),
        criterion_id=criterion_id,
    )
    record = store.append("deviation", deviation.to_payload())
    return _from_record(record)


def close_deviation(
    store: EvidenceStore, deviation_id: str, *, root_cause: str, action: str, closed_by: str
) -> Record:
    """Record root cause, corrective action and closure of a deviation."""
    known = {d.id for d in deviations(store)}
    if deviation_id not in known:
        raise EvidenceStoreError(f"no deviation {deviation_id} in this campaign")
    return store.append(
        "deviation_closure",
        {"deviation_id": deviation_id, "root_cause": root_cause, "action": action, "closed_by": closed_by},
    )


def _from_record(record: Record) -> Deviation:
    p = record.payload
    known_keys = {"id", "category", "description", "expected", "actual", "impact", "scenario", "urs", "criterion_id"}
    return Deviation(
        id=p["id"],
        category=DeviationCategory(p["category"]),
        description=p.get("description", ""),
        expected=p.get("expected", ""),
        actual=p.get("actual", ""),
        impact=p.get("impact", ""),
        scenario=p.get("scenario", ""),
        urs=tuple(p.get("urs", ())),
        criterion_id=p.get("criterion_id", ""),
        utc=record.utc,
        seq=record.seq,
        extra={k: v for k, v in p.items() if k not in known_keys},
    )


def deviations(store: EvidenceStore) -> list[Deviation]:
    """All deviations of the campaign in order, with their closure if recorded."""
    return deviations_from_records(store.records())


def deviations_from_records(records: Iterable[Record]) -> list[Deviation]:
    """Same as :func:`deviations`, from an already-read list of records."""
    found: dict[str, Deviation] = {}
    for record in records:
        if record.kind == "deviation":
            dev = _from_record(record)
            found[dev.id] = dev
        elif record.kind == "deviation_closure":
            p = record.payload
            dev = found.get(p.get("deviation_id", ""))
            if dev is not None:
                found[dev.id] = Deviation(
                    **{
                        **{f: getattr(dev, f) for f in Deviation.__dataclass_fields__},
                        "root_cause": p.get("root_cause", ""),
                        "action": p.get("action", ""),
                        "closed_by": p.get("closed_by", ""),
                        "closed_utc": record.utc,
                    }
                )
    return list(found.values())
