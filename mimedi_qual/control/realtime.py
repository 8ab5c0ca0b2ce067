"""Real-time mode: the controller stepped at a fixed wall-clock period, with timing measured.

On the bench the controller runs at a fixed period (10 Hz here by default,
1 s in the culture profile): what matters for qualification is how regularly
the steps start (period jitter) and how long each one takes (step latency).
:func:`run_realtime` runs the controller for N periods against absolute
deadlines (no drift: period k starts at ``t0 + k·period``), reading inputs and
writing outputs through callables, and returns those statistics as a plain
dataclass — the measurements an OQ "control core timing" scenario checks
against the acceptance profile.

>>> from mimedi_qual.control.parameters import build_controller
>>> report = run_realtime(build_controller(), period_s=0.01, periods=20)
>>> report.periods
20
>>> report.step_latency_us.p50 <= report.step_latency_us.max
True
>>> sorted(report.as_measurements())[:2]
['missed_deadlines', 'period_jitter_max_us']

Sleeping gets close to a deadline; the last ``spin_s`` is busy-waited for
precision (0.5 ms per period: 0.5 % of a core at 10 Hz).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

#: (temperature_c, ph, do_pct, cell_density_e6_per_ml, door_open)
Inputs = tuple[float, float, float, float, bool]


@dataclass(frozen=True)
class TimingStatistics:
    """Distribution of one timing quantity, in microseconds."""

    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, values_us) -> TimingStatistics:
        v = np.asarray(values_us, dtype=float)
        if v.size == 0:
            return cls(0.0, 0.0, 0.0)
        return cls(float(np.percentile(v, 50)), float(np.percentile(v, 99)), float(v.max()))


@dataclass(frozen=True)
class RealtimeTimingReport:
    """Timing of a real-time run.

    * ``period_jitter_us`` — |interval between successive step starts − period|;
    * ``start_lateness_us`` — how late each step started after its deadline;
    * ``step_latency_us`` — input read → step → output write, per period;
    * ``missed_deadlines`` — periods whose step started a whole period late or
      more (those periods are skipped, never bunched up).
    """

    period_s: float
    periods: int
    period_jitter_us: TimingStatistics
    start_lateness_us: TimingStatistics
    step_latency_us: TimingStatistics
    missed_deadlines: int
    duration_s: float

    def as_measurements(self) -> dict[str, float]:
        """Flat ``name → value`` (µs, counts) for acceptance criteria."""
        out: dict[str, float] = {"missed_deadlines": float(self.missed_deadlines)}
        for name in ("period_jitter_us", "start_lateness_us", "step_latency_us"):
            stats = asdict(getattr(self, name))
            base = name[:-3]
            for key, value in stats.items():
                out[f"{base}_{key}_us"] = value
        return out


class NominalCulture:
    """Inputs of a healthy culture at its setpoints, with a tiny wobble so no
    sensor ever looks frozen. The default input source of :func:`run_realtime`."""

    def __init__(self, temperature_c: float = 37.0, ph: float = 7.2, do_pct: float = 50.0,
                 cell_density_e6_per_ml: float = 3.0):
        self.values = (temperature_c, ph, do_pct, cell_density_e6_per_ml)
        self.k = 0

    def __call__(self) -> Inputs:
        self.k += 1
        wobble = 0.001 * (self.k % 5)
        t, ph, do, density = self.values
        return (t + wobble, ph + wobble, do + wobble, density, False)


def run_realtime(controller, *, period_s: float = 0.1, periods: int = 100,
                 read_inputs: Callable[[], Inputs] | None = None,
                 write_outputs: Callable[[object], None] | None = None,
                 spin_s: float = 0.0005,
                 clock_ns: Callable[[], int] = time.perf_counter_ns,
                 sleep: Callable[[float], None] = time.sleep) -> RealtimeTimingReport:
    """Step ``controller`` once per ``period_s`` of wall time, ``periods`` times.

    ``controller`` is anything with ``step(temperature_c, ph, do_pct,
    cell_density_e6_per_ml, door_open, dt_s)`` (the compiled ``Controller`` or
    the reference). ``clock_ns``/``sleep`` are injectable for tests.
    """
    if period_s <= 0 or periods < 1:
        raise ValueError("period_s must be positive and periods at least 1")
    read_inputs = read_inputs or NominalCulture()
    period_ns = int(round(period_s * 1e9))
    spin_ns = int(spin_s * 1e9)
    starts = np.empty(periods, dtype=np.int64)
    lateness = np.empty(periods, dtype=np.int64)
    latency = np.empty(periods, dtype=np.int64)
    missed = 0
    t0 = clock_ns()
    deadline = t0
    for k in range(periods):
        now = clock_ns()
        if deadline - now > spin_ns:
            sleep((deadline - now - spin_ns) / 1e9)
        while clock_ns() < deadline:
            pass
        start = clock_ns()
        temperature_c, ph, do_pct, density, door_open = read_inputs()
        outputs = controller.step(temperature_c, ph, do_pct, density, door_open, period_s)
        if write_outputs is not None:
            write_outputs(outputs)
        end = clock_ns()
        starts[k], lateness[k], latency[k] = start, start - deadline, end - start
        deadline += period_ns
        if end >= deadline:
            # overran: skip the periods already gone instead of running them back to back
            skipped = (end - deadline) // period_ns + 1
            missed += int(skipped)
            deadline += skipped * period_ns
    intervals = np.diff(starts)
    return RealtimeTimingReport(
        period_s=period_s,
        periods=periods,
        period_jitter_us=TimingStatistics.of(np.abs(intervals - period_ns) / 1e3),
        start_lateness_us=TimingStatistics.of(lateness / 1e3),
        step_latency_us=TimingStatistics.of(latency / 1e3),
        missed_deadlines=missed,
        duration_s=(clock_ns() - t0) / 1e9,
    )
