"""How fast the control core is: the figures behind ``mimedi-qual perf control``.

Per-step figures are *thread CPU time* (``time.thread_time_ns``), not wall
time: on a shared 2-core machine wall time mostly measures the neighbours.
The batch figure's wall time is reported beside it (``samples``), and
``closed_loop_14d_s`` is wall time, as its name promises.

All figures come from one run, on the same realistic inputs (a culture at
37 °C with sensor noise, expansion in EXECUTE, so every loop, alarm and state
machine is exercised):

* ``batch_step_ns`` — one full controller step inside ``Controller.step_batch``
  (C loop, GIL released), total time / steps, over ``steps`` steps fed in
  cache-sized chunks of 4,096 rows (as a simulation would);
* ``call_step_ns`` — one ``Controller.step(...)`` call from Python;
* ``reference_step_ns`` — one step of the pure-Python reference;
* ``simple_pid_step_ns`` — one call of the ``simple-pid`` package (one loop only);
* ``p999_step_ns`` / ``max_step_ns`` — tail of per-step durations timed inside
  the C loop over ``steps`` steps (each includes one clock read);
* ``closed_loop_14d_s`` — wall seconds for 14 days at a 1 s period,
  controller and compiled thermal twin in lockstep.

>>> perf = measure_control_performance(steps=20_000)        # doctest: +SKIP
>>> perf.batch_step_ns < perf.call_step_ns < perf.reference_step_ns  # doctest: +SKIP
True
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from mimedi_qual.control import codes
from mimedi_qual.control.lockstep import run_thermal_closed_loop
from mimedi_qual.control.parameters import ControllerProfile, build_controller, build_reference
from mimedi_qual.control.steptiming import clock_overhead_ns, timed_steps

#: Targets of issue 3 (benchmark section).
TARGETS = {
    "batch_step_ns": ("<=", 100.0),
    "call_step_ns": ("<=", 1000.0),
    "reference_over_batch": (">=", 30.0),
    "closed_loop_14d_s": ("<=", 2.0),
}

CHUNK_ROWS = 4096

#: CPU time of the calling thread (a nogil C loop runs in this thread too).
cpu_ns = time.thread_time_ns
FOURTEEN_DAYS_S = 14 * 86400.0


@dataclass(frozen=True)
class ControlPerformance:
    batch_step_ns: float
    call_step_ns: float
    reference_step_ns: float
    simple_pid_step_ns: float
    p999_step_ns: float
    max_step_ns: float
    closed_loop_14d_s: float
    ratios: dict
    targets: dict
    samples: dict

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def targets_met(self) -> bool:
        return all(t["met"] for t in self.targets.values())


def culture_inputs(n: int, seed: int = 20261121) -> np.ndarray:
    """n input rows of a healthy culture near its setpoints, with sensor noise."""
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(np.column_stack([
        37.0 + rng.normal(0.0, 0.02, n),
        7.2 + rng.normal(0.0, 0.03, n),
        50.0 + rng.normal(0.0, 3.0, n),
        np.linspace(1.0, 16.0, n),            # cell density sweeps the perfusion schedule
        np.zeros(n),                          # door closed
        1.5 + rng.normal(0.0, 0.005, n),      # CO2 and O2 supply pressures, bar
        1.5 + rng.normal(0.0, 0.005, n),
        10.0 + rng.normal(0.0, 1.0, n),       # free pump lines, kPa
    ]))


def _started(ctl):
    ctl.command(codes.Module.EXPANSION, codes.Command.START)
    return ctl


def measure_control_performance(steps: int = 1_000_000,
                                profile: ControllerProfile | None = None) -> ControlPerformance:
    """Measure everything listed in the module docstring; takes a few seconds."""
    inputs = culture_inputs(CHUNK_ROWS)
    dt_s = 1.0

    # batch: chunks reused so inputs and outputs stay in cache
    ctl = _started(build_controller(profile))
    outputs = np.zeros((CHUNK_ROWS, len(codes.OUTPUT_COLUMNS)))
    ctl.step_batch(inputs, outputs, dt_s)                        # warm-up
    full, rest = divmod(steps, CHUNK_ROWS)
    wall0, t0 = time.perf_counter_ns(), cpu_ns()
    for _ in range(full):
        ctl.step_batch(inputs, outputs, dt_s)
    if rest:
        ctl.step_batch(inputs[:rest], outputs[:rest], dt_s)
    batch_ns = (cpu_ns() - t0) / steps
    batch_wall_ns = (time.perf_counter_ns() - wall0) / steps

    # tail latency, per step, inside the C loop
    durations = timed_steps(_started(build_controller(profile)), inputs, steps, dt_s)
    p999_ns = float(np.percentile(durations, 99.9))
    max_ns = float(durations.max())

    # calls from Python (fewer steps: the figure is per call)
    call_steps = min(steps, 200_000)
    rows = [tuple(r) for r in inputs[:, :4]]
    ctl = _started(build_controller(profile))
    step = ctl.step
    t0 = cpu_ns()
    for i in range(call_steps):
        r = rows[i % CHUNK_ROWS]
        step(r[0], r[1], r[2], r[3], False, dt_s)
    call_ns = (cpu_ns() - t0) / call_steps

    reference_steps = min(steps, 20_000)
    ref = _started(build_reference(profile))
    t0 = cpu_ns()
    for i in range(reference_steps):
        r = rows[i % CHUNK_ROWS]
        ref.step(r[0], r[1], r[2], r[3], False, dt_s)
    reference_ns = (cpu_ns() - t0) / reference_steps

    simple_pid_ns = _simple_pid_ns(call_steps, rows)

    ctl = _started(build_controller(profile))
    t0 = time.perf_counter()
    run = run_thermal_closed_loop(ctl, FOURTEEN_DAYS_S, dt_s=dt_s, initial_temperature_c=22.0)
    closed_loop_s = time.perf_counter() - t0

    ratios = {
        "reference_over_batch": reference_ns / batch_ns,
        "call_over_batch": call_ns / batch_ns,
        "simple_pid_over_batch": simple_pid_ns / batch_ns,
        "simple_pid_over_call": simple_pid_ns / call_ns,
    }
    values = {"batch_step_ns": batch_ns, "call_step_ns": call_ns,
              "closed_loop_14d_s": closed_loop_s, **ratios}
    targets = {}
    for name, (op, limit) in TARGETS.items():
        met = values[name] <= limit if op == "<=" else values[name] >= limit
        targets[name] = {"value": values[name], "target": f"{op} {limit:g}", "met": bool(met)}
    samples = {
        "batch_steps": steps, "batch_step_wall_ns": batch_wall_ns, "timed_steps": steps, "call_steps": call_steps,
        "reference_steps": reference_steps, "simple_pid_steps": call_steps,
        "closed_loop_steps": run.steps,
        "closed_loop_final_temperature_c": run.final_temperature_c,
        "clock_overhead_ns": clock_overhead_ns(),
        "p50_step_ns": float(np.percentile(durations, 50)),
        "p99_step_ns": float(np.percentile(durations, 99)),
    }
    return ControlPerformance(batch_ns, call_ns, reference_ns, simple_pid_ns, p999_ns, max_ns,
                              closed_loop_s, ratios, targets, samples)


def _simple_pid_ns(n: int, rows) -> float:
    """One ``simple_pid.PID`` call (temperature loop only), the library users know."""
    from simple_pid import PID

    pid = PID(23.0, 0.0083, 0.0, setpoint=37.0, sample_time=None, output_limits=(0.0, 100.0))
    t0 = cpu_ns()
    for i in range(n):
        pid(rows[i % CHUNK_ROWS][0], dt=1.0)
    return (cpu_ns() - t0) / n
