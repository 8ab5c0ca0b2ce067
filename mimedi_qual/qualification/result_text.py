"""How a judged result is written for a reader — the one formatter every view uses.

The CLI's run output, the Allure step attachments, ``measurements.jsonl`` and
the measurement record (``result_text``), deviations' expected/actual, the
summary PDF and ``report.html`` all write a result with :func:`result_text`,
so no two views can say it differently. It reads a measurement as plain data
— ``Measurement.as_dict()`` or a ``measurement`` record's payload, old records
too — and returns the pieces a table needs and the whole line::

    >>> payload = {"criterion_id": "OQ-TEMP-ACC", "value": 36.93615, "unit": "°C", "low": 36.5, "high": 37.5,
    ...            "verdict": "pass", "instrument": "thermometer", "kind": "band", "target": 37.0,
    ...            "tolerance": 0.5, "statistic": "min", "n_readings": 1440, "resolution": 0.0001,
    ...            "acceptance_profile": "profiles/acceptance/criteria.yaml v0.2", "source": "ours"}
    >>> text = result_text(payload)
    >>> text.statistic, text.measured, text.acceptance
    ('min of 1,440 readings', '36.9362 °C', '37.0 ± 0.5 °C (36.5 … 37.5 °C)')
    >>> text.source
    'profiles/acceptance/criteria.yaml v0.2: ours'
    >>> print(text.line)
    OQ-TEMP-ACC: min of 1,440 readings = 36.9362 °C against 37.0 ± 0.5 °C (36.5 … 37.5 °C) → PASS (thermometer, resolution 0.0001 °C; criterion: profiles/acceptance/criteria.yaml v0.2: ours)

A time to reach something that never happened says so, and fails::

    >>> late = {"criterion_id": "PQ-HEATUP-TIME", "value": None, "unit": "min", "high": 180.0, "kind": "max",
    ...         "verdict": "fail", "instrument": "thermometer", "statistic": "time to band",
    ...         "not_reached_within_s": 14400.0, "source": "ours"}
    >>> result_text(late).actual
    'time to band never reached within 4 h'

The fields (:class:`ResultText`):

``statistic``  what the value is: ``min of 1,440 readings``, ``mean of 30 readings``, ``single reading``,
               ``time to band`` …
``measured``   the value rounded to the instrument's resolution, with its unit
               (:func:`~mimedi_qual.qualification.limits.format_at_resolution`; without a stated
               resolution the default rule: 6 significant digits), or ``never reached within 4 h``
``actual``     statistic and value together (a deviation's "actual", a table cell)
``acceptance`` the criterion as its profile states it: ``37.0 ± 0.5 °C (36.5 … 37.5 °C)``, ``≤ 180 min``,
               ``≥ 0.5 %``, or the registered value of an ``exact`` criterion
``verdict``    ``PASS`` / ``FAIL``
``source``     where the criterion comes from: acceptance profile id and the criterion's ``source`` text
``resolution`` ``resolution 0.0001 °C`` or ``no resolution stated (6 significant digits)``
``statistics`` the series' min, max, mean and readings outside, at the same resolution ('' for one value)
``line``       all of it on one line (the CLI, the Allure verdict attachment, an assertion message)

:func:`clocks_text` writes how a series' two clocks relate (bench time against
UTC wall time), from the ``series_clocks`` a measurement record carries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mimedi_qual.qualification.limits import (
    SIGNIFICANT_DIGITS, decimals_of, format_at_resolution, format_limits, format_number,
)

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
#: statistics written "<statistic> of N readings"; any other is "<statistic>, from N readings"
AGGREGATES = frozenset({"min", "max", "mean", "median", "p95", "p99", "p99.9", "sd", "count", "sum"})
#: what is written for a criterion's resolution when the instrument profile states none
DEFAULT_RESOLUTION_TEXT = f"no resolution stated ({SIGNIFICANT_DIGITS} significant digits)"


@dataclass(frozen=True)
class ResultText:
    """A result as every view writes it (see the module docstring for each field)."""

    criterion_id: str
    statistic: str
    measured: str
    actual: str
    acceptance: str
    verdict: str
    instrument: str
    resolution: str
    source: str
    statistics: str
    line: str


def _sig3(number: float) -> str:
    """Three significant digits, never in exponent form: 181963.2 → ``182,000``; 4.84 → ``4.84``; 24.0 → ``24``."""
    rounded = float(format(number, ".3g"))
    return f"{rounded:,.0f}" if abs(rounded) >= 100 else format(rounded, "g")


def duration_text(seconds: float) -> str:
    """A duration in the largest unit that keeps it readable: ``202 d``, ``4 h``, ``1.5 h``, ``42 min``, ``9.5 s``."""
    if seconds >= 4 * SECONDS_PER_DAY:  # 96 h and more: days
        return f"{_sig3(seconds / SECONDS_PER_DAY)} d"
    if seconds >= SECONDS_PER_HOUR:
        return f"{_sig3(seconds / SECONDS_PER_HOUR)} h"
    if seconds >= SECONDS_PER_MINUTE:
        return f"{_sig3(seconds / SECONDS_PER_MINUTE)} min"
    return f"{_sig3(seconds)} s"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}".strip()


def statistic_text(p: Mapping[str, Any]) -> str:
    """``min of 1,440 readings``; ``single reading``; ``time to band``; for an old record ``worst of N readings``."""
    statistic = p.get("statistic") or ""
    n = p.get("n_readings")
    if not statistic:  # a record written before results named their statistic
        n_samples = (p.get("statistics") or {}).get("n_samples")
        return f"worst of {int(n_samples):,} readings" if n_samples else "value"
    if isinstance(n, (int, float)) and n > 1:
        if statistic in AGGREGATES:
            return f"{statistic} of {int(n):,} readings"
        return f"{statistic}, from {int(n):,} readings"  # time to reach the band of …, from 241 readings
    return statistic


def measured_text(p: Mapping[str, Any]) -> str:
    """The value at the instrument's resolution with its unit, or why there is none."""
    value = p.get("value")
    if value is None:
        window = p.get("not_reached_within_s")
        return f"never reached within {duration_text(float(window))}" if window is not None else "not measured"
    if value == "NaN" or (isinstance(value, float) and math.isnan(value)):
        return "NaN (no valid reading)"
    if isinstance(value, str):
        return value
    return _with_unit(format_at_resolution(value, p.get("resolution")), p.get("unit", ""))


def acceptance_text(p: Mapping[str, Any]) -> str:
    """The criterion as its profile states it: nominal ± tolerance (with the limits), a limit, or the registered value."""
    unit = p.get("unit", "")
    limits = format_limits(p.get("low"), p.get("high"), unit, expected=p.get("expected") or "")
    target, tolerance = p.get("target"), p.get("tolerance")
    if p.get("kind") == "band" and isinstance(target, (int, float)) and isinstance(tolerance, (int, float)):
        decimals = max(decimals_of(target), decimals_of(tolerance))  # 37.0 ± 0.5, 230 ± 23, 7.00 ± 0.05
        nominal = f"{target:.{decimals}f} ± {tolerance:.{decimals}f}"
        return f"{_with_unit(nominal, unit)} ({limits})"
    return limits


def source_text(p: Mapping[str, Any]) -> str:
    """``<acceptance profile id>: <the criterion's source>`` (the source alone in an old record)."""
    profile, source = p.get("acceptance_profile") or "", p.get("source") or ""
    return f"{profile}: {source}" if profile and source else (profile or source or "source not recorded")


def resolution_text(p: Mapping[str, Any]) -> str:
    resolution = p.get("resolution")
    if isinstance(resolution, (int, float)) and resolution > 0:
        return _with_unit(f"resolution {format_number(resolution)}", p.get("unit", ""))
    return DEFAULT_RESOLUTION_TEXT


def statistics_text(p: Mapping[str, Any]) -> str:
    """``min 36.9372, max 37.0561, mean 36.9987 °C; 0 of 1,440 readings outside`` ('' without a series)."""
    stats = p.get("statistics") or {}
    if not stats:
        return ""
    resolution = p.get("resolution")
    parts = [f"{key} {format_at_resolution(stats[key], resolution)}" for key in ("min", "max", "mean")
             if isinstance(stats.get(key), (int, float))]
    text = _with_unit(", ".join(parts), p.get("unit", ""))
    n, outside = stats.get("n_samples"), stats.get("samples_outside")
    if isinstance(n, (int, float)) and isinstance(outside, (int, float)):
        text += f"; {int(outside):,} of {int(n):,} readings outside the limits"
    return text


def result_text(p: Mapping[str, Any]) -> ResultText:
    """Every piece of a result as the views write it, from a measurement payload (see the module docstring)."""
    statistic, measured = statistic_text(p), measured_text(p)
    actual = f"{statistic} {measured}" if p.get("value") is None else f"{statistic} = {measured}"
    acceptance, verdict = acceptance_text(p), str(p.get("verdict", "")).upper()
    instrument, resolution, source = str(p.get("instrument", "")), resolution_text(p), source_text(p)
    shown_resolution = "" if resolution == DEFAULT_RESOLUTION_TEXT else f", {resolution}"
    line = (f"{p.get('criterion_id', '')}: {actual} against {acceptance} → {verdict} "
            f"({instrument}{shown_resolution}; criterion: {source})")
    return ResultText(criterion_id=str(p.get("criterion_id", "")), statistic=statistic, measured=measured,
                      actual=actual, acceptance=acceptance, verdict=verdict, instrument=instrument,
                      resolution=resolution, source=source, statistics=statistics_text(p), line=line)


def _utc_short(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    except (TypeError, ValueError):
        return str(iso)


def _factor(factor: float) -> str:
    """Three significant digits, thousands separated: 181963.2 → ``182,000``; 72000 → ``72,000``; 1.0 → ``1``."""
    return _sig3(factor)


def clocks_text(clocks: Mapping[str, Any] | None) -> str:
    """How a series' bench time relates to UTC wall time, from its ``series_clocks``.

    ``bench 2 h → 26 h (24 h, virtual) in 1.21 s of UTC wall time (… → …): bench clock ×71,400 the wall clock``
    """
    if not clocks:
        return ""
    bench_span = float(clocks.get("bench_end_s", 0.0)) - float(clocks.get("bench_start_s", 0.0))
    wall_span = clocks.get("wall_span_s")
    kind = clocks.get("bench_clock", "")
    text = (f"bench time {duration_text(float(clocks.get('bench_start_s', 0.0)))} → "
            f"{duration_text(float(clocks.get('bench_end_s', 0.0)))} ({duration_text(bench_span)}"
            f"{', ' + kind if kind else ''}) in {duration_text(float(wall_span or 0.0))} of UTC wall time "
            f"({_utc_short(clocks.get('utc_start', ''))} → {_utc_short(clocks.get('utc_end', ''))})")
    factor = clocks.get("acceleration")
    if isinstance(factor, (int, float)) and factor > 0:
        text += f": bench clock ×{_factor(factor)} the wall clock"
    return text


def clocks_summary_text(clocks: list[Mapping[str, Any]]) -> str:
    """How the clocks relate over a campaign, from the ``series_clocks`` of its measurements ('' without series).

    ``bench time virtual: 4 series span 38.2 h of bench time in 3.1 s of UTC wall time (bench clock ×44,000 the
    wall clock); every raw series row carries both``
    """
    clocks = [c for c in clocks if c]
    if not clocks:
        return ""
    bench_s = sum(float(c.get("bench_end_s", 0.0)) - float(c.get("bench_start_s", 0.0)) for c in clocks)
    wall_s = sum(float(c.get("wall_span_s") or 0.0) for c in clocks)
    kinds = sorted({str(c.get("bench_clock") or "") for c in clocks} - {""})
    text = (f"bench time {' / '.join(kinds) or 'as recorded'}: {len(clocks)} series span {duration_text(bench_s)} "
            f"of bench time in {duration_text(wall_s)} of UTC wall time")
    if wall_s > 0:
        factor = bench_s / wall_s
        text += f" (bench clock ×{_factor(factor)} the wall clock)"
    return text + "; every raw series row carries both clocks"
