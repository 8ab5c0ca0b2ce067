"""Measurements and verdicts.

>>> crit = Criterion(description="T", kind="band", target=37.0, tolerance=0.5,
...                  unit="°C", source="ours")
>>> m = judge_series("OQ-TEMP-ACC", crit, [36.9, 37.1, 37.0], instrument="thermometer")
>>> m.verdict, m.low, m.high
('pass', 36.5, 37.5)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Literal

from mimedi_qual.errors import CriterionError
from mimedi_qual.profiles.acceptance import Criterion
from mimedi_qual.qualification.limits import format_limits, format_number

Verdict = Literal["pass", "fail"]


@dataclass(frozen=True)
class Measurement:
    """One judged result, with everything a reviewer needs to re-check it."""

    criterion_id: str
    description: str
    value: float | str
    unit: str
    low: float | None
    high: float | None
    verdict: Verdict
    instrument: str
    source: str
    taken_at_utc: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())
    statistics: dict[str, float] = field(default_factory=dict)
    expected: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def limits_text(self) -> str:
        """The acceptance limits as every view writes them (``36.5 … 37.5 °C``, or the expected value)."""
        return format_limits(self.low, self.high, self.unit, expected=self.expected)

    def summary(self) -> str:
        value = f"{format_number(self.value)} {self.unit}".strip()
        return f"{self.criterion_id}: {value} against {self.limits_text} → {self.verdict.upper()} ({self.instrument})"


def _within(value: float, low: float | None, high: float | None) -> bool:
    if math.isnan(value):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _in_criterion_unit(criterion_id: str, criterion: Criterion, values: list[float], unit: str | None) -> list[float]:
    """``values`` (measured in ``unit``) in the criterion's unit; a unit of another quantity is refused.

    ``unit=None`` (a caller that does not say what it measured) judges the
    numbers as they are. A step of the vocabulary declares what it measures
    (:func:`mimedi_qual.qualification.quantities.judges`), so while it runs the
    unit is known without being passed.
    """
    from mimedi_qual.qualification.quantities import UnitError, judged_unit, to_criterion_unit

    unit = unit or judged_unit(criterion_id)
    if unit is None:
        return values

    try:
        return to_criterion_unit(values, unit, criterion.unit, criterion_id=criterion_id)
    except UnitError as exc:
        raise CriterionError(f"{criterion_id}: {exc}") from None


def judge_value(criterion_id: str, criterion: Criterion, value: float, instrument: str,
                unit: str | None = None) -> Measurement:
    """Judge one numeric value (measured in ``unit``, converted to the criterion's) against a band/min/max criterion."""
    if criterion.kind == "exact":
        raise CriterionError(f"{criterion_id} is an 'exact' criterion: use judge_exact")
    (value,) = _in_criterion_unit(criterion_id, criterion, [value], unit)
    return Measurement(
        criterion_id=criterion_id,
        description=criterion.description,
        value=round(float(value), 6),
        unit=criterion.unit,
        low=criterion.low,
        high=criterion.high,
        verdict="pass" if _within(value, criterion.low, criterion.high) else "fail",
        instrument=instrument,
        source=criterion.source,
    )


def judge_series(criterion_id: str, criterion: Criterion, values: list[float], instrument: str,
                 unit: str | None = None) -> Measurement:
    """Judge a time series (measured in ``unit``, converted to the criterion's): every sample within the limits.

    The reported value is the sample furthest from the target (the worst
    case); min, max, mean and count go into ``statistics``.
    """
    if not values:
        raise CriterionError(f"{criterion_id}: no samples to judge")
    if criterion.kind == "exact":
        raise CriterionError(f"{criterion_id} is an 'exact' criterion")
    values = _in_criterion_unit(criterion_id, criterion, list(values), unit)
    low, high = criterion.low, criterion.high
    centre = criterion.target if criterion.target is not None else (low if low is not None else high)
    worst = max(values, key=lambda v: (math.isnan(v), abs(v - centre)))
    ok = all(_within(v, low, high) for v in values)
    finite = [v for v in values if not math.isnan(v)]
    stats = {
        "n_samples": float(len(values)),
        "min": round(min(finite), 6) if finite else float("nan"),
        "max": round(max(finite), 6) if finite else float("nan"),
        "mean": round(sum(finite) / len(finite), 6) if finite else float("nan"),
        "samples_outside": float(sum(not _within(v, low, high) for v in values)),
    }
    return Measurement(
        criterion_id=criterion_id,
        description=criterion.description,
        value=round(float(worst), 6),
        unit=criterion.unit,
        low=low,
        high=high,
        verdict="pass" if ok else "fail",
        instrument=instrument,
        source=criterion.source,
        statistics=stats,
    )


def judge_exact(criterion_id: str, criterion: Criterion, actual: str, expected: str, instrument: str) -> Measurement:
    """Judge an identity or a status against its registered value."""
    return Measurement(
        criterion_id=criterion_id,
        description=criterion.description,
        value=actual,
        unit="",
        low=None,
        high=None,
        verdict="pass" if actual == expected else "fail",
        instrument=instrument,
        source=criterion.source,
        expected=expected,
    )
