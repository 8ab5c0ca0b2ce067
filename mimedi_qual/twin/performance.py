"""Speed figures of the twin: a benchmark, not a test.

    python -m mimedi_qual.twin.performance

prints the time of a 14-day expansion at a 1 s step in C with constant
actuators (1 209 600 steps), the same culture under the 60 s setpoint
regulator (Python every period, C in between), the pure-Python reference's
per-step cost and the ratio, and one whole process run.
"""

from __future__ import annotations

import time

from mimedi_qual.twin.culture import Actuators, Culture
from mimedi_qual.twin.process import run_process
from mimedi_qual.twin.recipe import Recipe

HOLD = Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0, o2_enrichment_pct=20.0)


def _best_of(n: int, fn) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure() -> dict[str, float]:
    steps = 14 * 86400
    compiled_s = _best_of(3, lambda: Culture.from_profile().advance(float(steps), HOLD))
    reference_hour_s = _best_of(1, lambda: Culture.from_profile(pure_python=True).advance(3600.0, HOLD))
    process_s = _best_of(1, lambda: run_process(seed=1))
    short = Recipe(expansion_duration_d=14.0)
    regulated_s = _best_of(1, lambda: run_process(short, seed=1))
    return {
        "compiled_14_days_1s_step_s": compiled_s,
        "compiled_ns_per_step": compiled_s / steps * 1e9,
        "reference_us_per_step": reference_hour_s / 3600 * 1e6,
        "speed_ratio": (reference_hour_s / 3600) / (compiled_s / steps),
        "process_13_days_s": process_s,
        "process_14_days_s": regulated_s,
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:32s} {value:12.3f}")
