"""The compiled controller equals the pure-Python reference (issue 3, item 5).

Hypothesis draws the profile variations (gains, ramps, delays, timeouts,
schedules) and a seed; numpy expands the seed into a long, nasty input
sequence: drifting and jumping measurements, NaN, out-of-range and frozen
values, door toggles, over-temperature, and random (often invalid) commands
including acknowledgements. Both implementations run the same rows; every
output of every step must agree within 1e-9, and the internal state at the end.
The last test checks the run really covered ≥100,000 steps, every alarm and
every module state.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimedi_qual.control import codes
from mimedi_qual.control.controller import Controller
from mimedi_qual.control.reference import ReferenceController

STEPS_PER_EXAMPLE = 2_100
EXAMPLES = 50
TOLERANCE = 1e-9

_coverage = {"steps": 0, "alarms": 0, "states": set(), "rejections": set()}


def random_inputs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Input rows and command words exercising every branch of the controller."""
    inputs = np.empty((n, len(codes.INPUT_COLUMNS)))
    centre = rng.choice([37.0, 36.0, 38.2, 39.5])
    inputs[:, 0] = centre + np.cumsum(rng.normal(0.0, 0.08, n)) * rng.choice([0.2, 1.0])
    inputs[:, 1] = 7.2 + np.cumsum(rng.normal(0.0, 0.01, n)) + rng.normal(0.0, 0.01, n)
    inputs[:, 2] = np.clip(50.0 + np.cumsum(rng.normal(0.0, 1.5, n)), -5.0, 160.0)
    inputs[:, 3] = np.abs(np.cumsum(rng.normal(0.05, 0.3, n)))
    inputs[:, 4] = 0.0
    for start in rng.integers(0, n, size=rng.integers(0, 6)):     # door opened briefly
        inputs[start:start + int(rng.integers(3, 60)), 4] = 1.0
    # gas supplies: nominal, dropping out (cylinder empty) and coming back; sometimes no transducer
    for col in (5, 6):
        inputs[:, col] = 1.5 + rng.normal(0.0, 0.01, n)
        for start in rng.integers(0, n, size=rng.integers(0, 4)):
            inputs[start:start + int(rng.integers(5, 200)), col] = rng.uniform(0.0, 1.0)
        inputs[rng.random(n) < 0.002, col] = np.nan
    # pump-line pressure: free lines, occlusion build-ups past the trip, relief through the hysteresis
    inputs[:, 7] = np.abs(10.0 + rng.normal(0.0, 2.0, n))
    for start in rng.integers(0, n, size=rng.integers(0, 4)):
        length = min(int(rng.integers(5, 120)), n - int(start))   # a build-up may run off the end
        inputs[start:start + length, 7] = np.linspace(20.0, rng.uniform(120.0, 300.0), length)
    inputs[rng.random(n) < 0.002, 7] = np.nan
    for col, bad in ((0, 80.0), (1, 9.5), (2, 170.0), (3, np.nan)):
        faults = rng.random(n)
        inputs[faults < 0.004, col] = np.nan
        inputs[(faults >= 0.004) & (faults < 0.008), col] = bad
        # frozen runs: a sensor repeating its last value
        for start in rng.integers(1, n - 1, size=rng.integers(0, 4)):
            length = int(rng.integers(5, 400))
            inputs[start:start + length, col] = inputs[start - 1, col]
    words = np.zeros(n, dtype=np.int32)
    pick = rng.random(n) < 0.03
    modules = rng.integers(0, len(codes.Module) + 1, n)   # one past the end: invalid
    commands = rng.integers(1, 12, n)                      # 11: invalid
    words[pick] = (modules[pick] << 4) | commands[pick]
    # a scripted walk through the whole state machine for one module, at a
    # random place, so the rarer paths (PAUSED → RESUMING, ...) are taken too
    walk = (codes.Command.START, codes.Command.PAUSE, codes.Command.RESUME, codes.Command.HOLD,
            codes.Command.UNHOLD, codes.Command.COMPLETE, codes.Command.RESET,
            codes.Command.STOP, codes.Command.RESET, codes.Command.ABORT, codes.Command.RESET)
    row, module = int(rng.integers(3, n // 2)), int(rng.integers(0, len(codes.Module)))
    for command in walk:
        row += int(rng.integers(6, 15))
        words[row] = codes.encode_command(module, command)
    # early on, start the culture modules so the loops run most of the time
    words[1] = codes.encode_command(codes.Module.EXPANSION, codes.Command.START)
    words[2] = codes.encode_command(codes.Module.TRANSDUCTION, codes.Command.START)
    return inputs, words


profile_variations = st.fixed_dictionaries({
    "kd": st.sampled_from([0.0, 5.0]),
    "ramp": st.sampled_from([0.0, 0.01, 0.5]),
    "frozen_timeout_s": st.sampled_from([0.0, 3.0, 30.0]),
    "on_delay_s": st.floats(0.0, 5.0),
    "acting_state_duration_s": st.sampled_from([0.0, 1.0, 2.5]),
    "auto_hold_priority": st.integers(0, 2),
    "schedule_by": st.sampled_from(["cell_density", "elapsed_time"]),
    "dt_s": st.sampled_from([0.5, 1.0, 2.0]),
    "manual_loop": st.sampled_from([None, 0, 1, 2]),
    "seed": st.integers(0, 2**32 - 1),
})


def varied_config(base: dict, v: dict) -> dict:
    cfg = copy.deepcopy(base)
    cfg["temperature"]["kd_pct_s_per_c"] = v["kd"]
    cfg["temperature"]["setpoint_ramp_c_per_s"] = v["ramp"]
    for loop in ("temperature", "ph", "dissolved_oxygen"):
        cfg[loop]["sensor"]["frozen_timeout_s"] = v["frozen_timeout_s"]
    for alarm in cfg["alarms"].values():
        alarm["on_delay_s"] = v["on_delay_s"]
    cfg["state_machine"]["acting_state_duration_s"] = v["acting_state_duration_s"]
    cfg["state_machine"]["auto_hold_priority"] = v["auto_hold_priority"]
    cfg["perfusion"]["schedule_by"] = v["schedule_by"]
    if v["schedule_by"] == "elapsed_time":
        cfg["perfusion"]["thresholds"] = [0.1, 0.3, 0.5]
    return cfg


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(v=profile_variations)
def test_compiled_equals_reference(profile, v):
    cfg = varied_config(profile.controller_config(), v)
    inputs, words = random_inputs(np.random.default_rng(v["seed"]), STEPS_PER_EXAMPLE)
    compiled, reference = Controller(cfg), ReferenceController(cfg)
    if v["manual_loop"] is not None:
        for ctl in (compiled, reference):
            ctl.set_manual(v["manual_loop"], 42.0)

    n = len(inputs)
    out_c = np.empty((n, len(codes.OUTPUT_COLUMNS)))
    out_r = np.empty_like(out_c)
    res_c = np.empty(n, dtype=np.int32)
    res_r = np.empty(n, dtype=np.int32)
    half = n // 2
    # two halves, with a switch back to auto in between (bumpless transfer)
    compiled.step_batch(inputs[:half], out_c[:half], v["dt_s"], words[:half], res_c[:half])
    reference.step_batch(inputs[:half], out_r[:half], v["dt_s"], words[:half], res_r[:half])
    if v["manual_loop"] is not None:
        compiled.set_auto(v["manual_loop"])
        reference.set_auto(v["manual_loop"])
    compiled.step_batch(inputs[half:], out_c[half:], v["dt_s"], words[half:], res_c[half:])
    reference.step_batch(inputs[half:], out_r[half:], v["dt_s"], words[half:], res_r[half:])

    np.testing.assert_array_equal(res_c, res_r)
    np.testing.assert_allclose(out_c, out_r, rtol=0.0, atol=TOLERANCE)
    snap_c, snap_r = compiled.snapshot(), reference.snapshot()
    assert snap_c.keys() == snap_r.keys()
    for key in snap_c:
        np.testing.assert_allclose(np.asarray(snap_c[key], dtype=float),
                                   np.asarray(snap_r[key], dtype=float),
                                   rtol=0.0, atol=TOLERANCE, err_msg=key)

    _coverage["steps"] += n
    _coverage["alarms"] |= int(np.bitwise_or.reduce(out_c[:, 7].astype(np.int64)))
    for packed in np.unique(out_c[:, 11].astype(np.int64)):
        for module in codes.Module:
            _coverage["states"].add(codes.module_state_of(int(packed), module))
    _coverage["rejections"].update(int(r) for r in np.unique(res_c))


def test_equivalence_run_covered_enough():
    """≥100,000 compared steps, every alarm raised, every state and rejection seen."""
    assert _coverage["steps"] >= 100_000
    assert _coverage["alarms"] == (1 << len(codes.Alarm)) - 1
    assert _coverage["states"] == set(codes.ModuleState)
    assert _coverage["rejections"] == {r.value for r in codes.Rejection}


def test_single_calls_equal_reference(config):
    """The Python-call path (``step``, ``command``) agrees with the reference too."""
    compiled, reference = Controller(config), ReferenceController(config)
    inputs, words = random_inputs(np.random.default_rng(7), 3_000)
    for row, word in zip(inputs, words):
        if word:
            a = compiled.command(int(word) >> 4, int(word) & 0xF)
            b = reference.command(int(word) >> 4, int(word) & 0xF)
            assert a == b
        oc = compiled.step(*row[:4], bool(row[4]), 1.0)
        orf = reference.step(*row[:4], bool(row[4]), 1.0)
        np.testing.assert_allclose(oc.as_row(), [orf[k] for k in codes.OUTPUT_COLUMNS],
                                   rtol=0.0, atol=TOLERANCE)


def test_a_changed_reference_is_detected(config):
    """The comparison can fail: a reference with a different gain disagrees."""
    changed = copy.deepcopy(config)
    changed["temperature"]["kp_pct_per_c"] *= 1.001
    compiled, reference = Controller(config), ReferenceController(changed)
    rng = np.random.default_rng(3)
    inputs = np.column_stack([36.8 + rng.normal(0, 0.01, 500), 7.2 + rng.normal(0, 0.01, 500),
                              50 + rng.normal(0, 0.1, 500), np.full(500, 3.0), np.zeros(500),
                              np.full(500, 1.5), np.full(500, 1.5), np.full(500, 10.0)])
    words = np.zeros(500, dtype=np.int32)
    words[0] = codes.encode_command(codes.Module.EXPANSION, codes.Command.START)
    out_c = np.empty((500, len(codes.OUTPUT_COLUMNS)))
    out_r = np.empty_like(out_c)
    compiled.step_batch(inputs, out_c, 1.0, words)
    reference.step_batch(inputs, out_r, 1.0, words)
    assert np.max(np.abs(out_c - out_r)) > TOLERANCE
