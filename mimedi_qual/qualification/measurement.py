"""Measurements and verdicts.

A :class:`Measurement` is one judged result with everything a reviewer needs
to re-check it and every view needs to write it the same way
(:mod:`mimedi_qual.qualification.result_text`): the value and *which
statistic* of how many readings it is, the criterion as the profile states it
(kind, nominal ± tolerance or limit, unit, source), the instrument and its
resolution, and — for a time to reach something — the window in which it was
never reached::

    >>> crit = Criterion(description="T", kind="band", target=37.0, tolerance=0.5,
    ...                  unit="°C", source="ours")
    >>> m = judge_series("OQ-TEMP-ACC", crit, [36.8, 37.1, 37.0], instrument="thermometer")
    >>> m.verdict, m.low, m.high, m.statistic, m.n_readings, m.value
    ('pass', 36.5, 37.5, 'min', 3, 36.8)
    >>> late = Criterion(description="heat-up", kind="max", limit=180, unit="min", source="ours")
    >>> m = judge_time_to("PQ-HEATUP-TIME", late, None, window_s=4 * 3600, instrument="thermometer")
    >>> m.verdict, m.value, m.not_reached_within_s
    ('fail', None, 14400.0)

The instrument's resolution and the acceptance profile's id are filled in
when the campaign records the measurement (``CampaignContext.record``): the
bench profile states the resolution, the campaign knows the profile in use.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from mimedi_qual.errors import CriterionError
from mimedi_qual.profiles.acceptance import Criterion
from mimedi_qual.qualification.limits import clean_number, format_limits
from mimedi_qual.qualification.result_text import result_text

Verdict = Literal["pass", "fail"]

#: ``statistic`` of a result that is one reading of one instrument
SINGLE_READING = "single reading"


@dataclass(frozen=True)
class Measurement:
    """One judged result, with everything a reviewer needs to re-check it.

    ``value`` is the number judged, in ``unit`` (an identity string for an
    ``exact`` criterion; None when the thing timed never happened — then
    ``not_reached_within_s`` says for how long it was awaited). ``statistic``
    names what ``value`` is (``min``, ``max``, ``mean``, ``single reading``,
    ``time to band`` …) over ``n_readings`` readings. ``kind``, ``target``,
    ``tolerance``, ``low``, ``high``, ``unit`` and ``source`` are the criterion
    as its profile states it; ``acceptance_profile`` names that profile;
    ``resolution`` is the instrument's smallest step in ``unit`` (None: not
    stated, the default rounding rule applies).
    """

    criterion_id: str
    description: str
    value: float | str | None
    unit: str
    low: float | None
    high: float | None
    verdict: Verdict
    instrument: str
    source: str
    taken_at_utc: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())
    statistics: dict[str, float] = field(default_factory=dict)
    expected: str = ""
    statistic: str = ""
    n_readings: int | None = None
    kind: str = ""
    target: float | None = None
    tolerance: float | None = None
    resolution: float | None = None
    acceptance_profile: str = ""
    not_reached_within_s: float | None = None

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
        """The one-line result every view writes (:func:`~mimedi_qual.qualification.result_text.result_text`)."""
        return result_text(self.as_dict()).line


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    if value is None or math.isnan(value):
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


def _criterion_fields(criterion: Criterion) -> dict[str, Any]:
    """The criterion as its profile states it, without float noise in the computed limits."""
    return {
        "description": criterion.description, "unit": criterion.unit, "source": criterion.source,
        "kind": criterion.kind, "target": criterion.target, "tolerance": criterion.tolerance,
        "low": clean_number(criterion.low), "high": clean_number(criterion.high),
    }


def _measured(value: float) -> float:
    # Six decimals: beyond any reference instrument, and no binary noise in the record.
    return value if math.isnan(value) else round(float(value), 6)


def judge_value(criterion_id: str, criterion: Criterion, value: float, instrument: str,
                unit: str | None = None, *, statistic: str = SINGLE_READING,
                n_readings: int | None = None) -> Measurement:
    """Judge one numeric value (measured in ``unit``, converted to the criterion's) against a band/min/max criterion.

    ``statistic`` names what the value is (default: one reading; ``mean``,
    ``count``, ``p99`` … for values computed from several readings, with
    ``n_readings``).
    """
    if criterion.kind == "exact":
        raise CriterionError(f"{criterion_id} is an 'exact' criterion: use judge_exact")
    (value,) = _in_criterion_unit(criterion_id, criterion, [value], unit)
    fields = _criterion_fields(criterion)
    return Measurement(
        criterion_id=criterion_id,
        value=_measured(float(value)),
        verdict="pass" if _within(float(value), fields["low"], fields["high"]) else "fail",
        instrument=instrument,
        statistic=statistic,
        n_readings=1 if n_readings is None and statistic == SINGLE_READING else n_readings,
        **fields,
    )


def judge_time_to(criterion_id: str, criterion: Criterion, value: float | None, *, window_s: float,
                  instrument: str, unit: str | None = None, statistic: str = "time to band",
                  n_readings: int | None = None) -> Measurement:
    """Judge the time until something happened (in ``unit``, converted to the criterion's); ``value`` None: it never did.

    A thing never reached within the ``window_s`` bench seconds it was awaited
    fails, and every view says "never reached within …" — never a NaN.
    """
    if value is not None and not math.isnan(value):
        return judge_value(criterion_id, criterion, value, instrument, unit, statistic=statistic,
                           n_readings=n_readings)
    if criterion.kind == "exact":
        raise CriterionError(f"{criterion_id} is an 'exact' criterion: use judge_exact")
    return Measurement(
        criterion_id=criterion_id, value=None, verdict="fail", instrument=instrument, statistic=statistic,
        n_readings=n_readings, not_reached_within_s=clean_number(float(window_s)), **_criterion_fields(criterion),
    )


def judge_series(criterion_id: str, criterion: Criterion, values: list[float], instrument: str,
                 unit: str | None = None) -> Measurement:
    """Judge a time series (measured in ``unit``, converted to the criterion's): every sample within the limits.

    The reported value is the worst sample: for a band the one furthest from
    the target, for a ``max`` criterion the highest, for a ``min`` criterion
    the lowest (a NaN reading first of all). ``statistic`` says which it is
    (``min`` or ``max`` of ``n_readings``); min, max, mean and the count
    outside the limits go into ``statistics``.
    """
    if not values:
        raise CriterionError(f"{criterion_id}: no samples to judge")
    if criterion.kind == "exact":
        raise CriterionError(f"{criterion_id} is an 'exact' criterion")
    values = _in_criterion_unit(criterion_id, criterion, list(values), unit)
    fields = _criterion_fields(criterion)
    low, high = fields["low"], fields["high"]
    finite = [v for v in values if not math.isnan(v)]
    if len(finite) < len(values):
        worst, statistic = float("nan"), "invalid (NaN) reading"
    elif criterion.kind == "max":
        worst, statistic = max(finite), "max"
    elif criterion.kind == "min":
        worst, statistic = min(finite), "min"
    else:
        worst = max(finite, key=lambda v: abs(v - criterion.target))
        statistic = "min" if worst == min(finite) else "max"
    stats = {
        "n_samples": float(len(values)),
        "min": round(min(finite), 6) if finite else float("nan"),
        "max": round(max(finite), 6) if finite else float("nan"),
        "mean": round(sum(finite) / len(finite), 6) if finite else float("nan"),
        "samples_outside": float(sum(not _within(v, low, high) for v in values)),
    }
    return Measurement(
        criterion_id=criterion_id,
        value=_measured(worst),
        verdict="pass" if all(_within(v, low, high) for v in values) else "fail",
        instrument=instrument,
        statistics=stats,
        statistic=statistic,
        n_readings=len(values),
        **fields,
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
        statistic="as reported",
        n_readings=1,
        kind=criterion.kind,
    )
