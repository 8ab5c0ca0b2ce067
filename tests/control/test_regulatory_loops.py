"""The regulatory loops one by one: temperature PID, pH split range, DO cascade, perfusion.

Also the PID's anti-windup (against the thermal twin, with a PI that winds
up as the counter-example), bumpless manual/auto transfer, derivative on
measurement, the setpoint ramp, and the original ``TemperaturePID`` API.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mimedi_qual.control import TemperaturePID, codes
from mimedi_qual.control.codes import Command, Loop, Module
from mimedi_qual.control.controller import Controller
from mimedi_qual.twin.thermal import ThermalModel, ThermalParameters

PLANT = ThermalParameters(mass_g=1000.0, ua_w_per_k=1.5, heater_max_w=60.0, ambient_c=22.0)


def running(config, **changes) -> Controller:
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        config[section][key] = value
    ctl = Controller(config)
    assert ctl.command(Module.EXPANSION, Command.START).accepted
    return ctl


_tick = [0]


def step(ctl, temperature_c=37.0, ph=7.2, do_pct=50.0, density=3.0, door_open=False):
    """One second with healthy, never-frozen sensors (values wobble by ≤ 2e-6)."""
    _tick[0] += 1
    w = 1e-6 * (_tick[0] % 3)
    return ctl.step(temperature_c + w, ph + w, do_pct + w, density, door_open, 1.0)


# ------------------------------------------------------------------ pH split range

def test_high_ph_opens_co2_low_ph_runs_base(config):
    ctl = running(config)
    out = step(ctl, ph=7.6)
    assert out.co2_valve_pct > 0 and out.base_pump_ml_min == 0
    ctl = running(config)
    out = step(ctl, ph=6.9)
    assert out.base_pump_ml_min > 0 and out.co2_valve_pct == 0


def test_ph_inside_dead_band_moves_neither(config):
    ctl = running(config)
    deadband = config["ph"]["deadband_ph"]
    for ph in np.linspace(7.2 - 0.9 * deadband, 7.2 + 0.9 * deadband, 50):
        out = step(ctl, ph=float(ph))
        assert out.co2_valve_pct == 0 and out.base_pump_ml_min == 0


def test_split_range_outputs_never_both_on(config):
    ctl = running(config)
    rng = np.random.default_rng(2)
    for ph in 7.2 + np.cumsum(rng.normal(0, 0.05, 2000)):
        out = step(ctl, ph=float(np.clip(ph, 6.0, 8.4)))
        assert out.co2_valve_pct == 0 or out.base_pump_ml_min == 0
        assert 0 <= out.co2_valve_pct <= config["ph"]["co2_valve_max_pct"]
        assert 0 <= out.base_pump_ml_min <= config["ph"]["base_pump_max_ml_min"]


# ------------------------------------------------------------------ DO cascade

def test_do_cascade_rocks_faster_before_enriching_oxygen(config):
    dox = config["dissolved_oxygen"]
    ctl = running(config)
    rocking, o2 = [], []
    for _ in range(3000):                         # DO stuck low: the integrator climbs
        out = step(ctl, do_pct=20.0 + 0.001 * (len(rocking) % 3))
        rocking.append(out.rocking_rpm)
        o2.append(out.o2_enrichment_pct)
    rocking, o2 = np.array(rocking), np.array(o2)
    assert rocking[0] > dox["rocking_min_rpm"]
    assert np.all(np.diff(rocking) >= -1e-9)
    assert np.all(rocking[o2 > 0] == dox["rocking_max_rpm"]), "O2 only once rocking is at max"
    assert o2[-1] == pytest.approx(dox["o2_enrichment_max_pct"])
    # DO high: enrichment goes first, then rocking falls back to its minimum
    for _ in range(3000):
        out = step(ctl, do_pct=90.0 + 0.001 * (_ % 3))
    assert out.o2_enrichment_pct == 0 and out.rocking_rpm == dox["rocking_min_rpm"]


# ------------------------------------------------------------------ perfusion

@pytest.mark.parametrize("density,rate_ml_day", [(1.0, 0.0), (2.0, 500.0), (5.0, 500.0),
                                                 (12.0, 750.0), (15.0, 1000.0), (30.0, 1000.0)])
def test_perfusion_follows_garcia_aponte_schedule(config, density, rate_ml_day):
    ctl = running(config)
    step(ctl)
    out = step(ctl, density=density)
    assert out.perfusion_ml_min == pytest.approx(rate_ml_day / 1440.0)


def test_unknown_cell_density_holds_the_rate(config):
    ctl = running(config)
    step(ctl)
    step(ctl, density=12.0)
    out = step(ctl, density=math.nan)
    assert out.perfusion_ml_min == pytest.approx(750.0 / 1440.0)


def test_perfusion_by_elapsed_time(config):
    config["perfusion"].update(schedule_by="elapsed_time", thresholds=[1.0, 2.0],
                               rates_ml_day=[0.0, 100.0, 200.0])
    ctl = running(config)
    rates = [step(ctl).perfusion_ml_min * 1440.0 for _ in range(3 * 3600)]
    # one acting-state second, then EXECUTE: hour boundaries counted from EXECUTE
    assert rates[1800] == 0.0
    assert rates[3602] == pytest.approx(100.0) and rates[7202] == pytest.approx(200.0)


def test_perfusion_only_in_execute(config):
    ctl = running(config)
    step(ctl)
    assert step(ctl, density=12.0).perfusion_ml_min > 0
    assert ctl.command(Module.EXPANSION, Command.PAUSE).accepted
    assert step(ctl, density=12.0).perfusion_ml_min == 0


# ------------------------------------------------------------------ temperature loop

def test_setpoint_ramps_from_the_culture_temperature(config):
    ramp = config["temperature"]["setpoint_ramp_c_per_s"]
    ctl = running(config)
    setpoints = [step(ctl, temperature_c=30.0 + 1e-4 * (k % 3)).temperature_setpoint_c
                 for k in range(100)]
    assert setpoints[0] == pytest.approx(30.0 + ramp, abs=1e-3)
    assert np.allclose(np.diff(setpoints), ramp)


def test_derivative_acts_on_measurement_not_setpoint(config):
    ctl = running(config, temperature__kd_pct_s_per_c=100.0, temperature__setpoint_ramp_c_per_s=0.0,
                  temperature__ki_pct_per_c_s=0.0)
    kp = config["temperature"]["kp_pct_per_c"]
    before = step(ctl, temperature_c=36.0).heater_pct
    step(ctl, temperature_c=36.0)
    ctl.set_temperature_setpoint(37.5)
    after = step(ctl, temperature_c=36.0).heater_pct
    assert after - before == pytest.approx(kp * 0.5, abs=1e-3)   # no derivative kick
    moved = step(ctl, temperature_c=36.1).heater_pct           # measurement moves: D acts
    assert moved == pytest.approx(kp * 1.4 - 100.0 * 0.1 / 1.0, abs=1e-3)


def test_manual_to_auto_is_bumpless(config):
    ctl = running(config, temperature__setpoint_ramp_c_per_s=0.0)
    for k in range(50):
        step(ctl, temperature_c=36.8 + 1e-4 * (k % 3))
    ctl.set_manual(Loop.TEMPERATURE, 55.0)
    assert step(ctl, temperature_c=36.8).heater_pct == 55.0
    assert step(ctl, temperature_c=36.8001).heater_pct == 55.0
    ctl.set_auto(Loop.TEMPERATURE)
    resumed = step(ctl, temperature_c=36.8002).heater_pct
    assert resumed == pytest.approx(55.0, abs=0.05)


def test_manual_output_is_clamped_and_safety_still_wins(config):
    ctl = running(config)
    ctl.set_manual(Loop.TEMPERATURE, 150.0)
    assert step(ctl).heater_pct == 100.0
    assert step(ctl, temperature_c=math.nan).heater_pct == config["temperature"]["safe_heater_pct"]


def _heat_through_heater_failure(pid_step) -> tuple[float, float]:
    """Heater fails for 2 h at 37 °C (bag cools), then works again. Returns
    (largest integrator-equivalent output seen, overshoot above 37 °C)."""
    bag = ThermalModel(PLANT, temperature_c=37.0)
    bag.heater_failed = True
    peak_after = -math.inf
    for second in range(6 * 3600):
        if second == 2 * 3600:
            bag.heater_failed = False
        heater_pct = pid_step(37.0, bag.temperature_c, 1.0)
        bag.step(1.0, bag.heater_power_w(heater_pct))
        if second > 2 * 3600:
            peak_after = max(peak_after, bag.temperature_c)
    return peak_after - 37.0


def test_anti_windup_prevents_overshoot_after_saturation(profile):
    t = profile.temperature
    pid = TemperaturePID(t.kp_pct_per_c, t.ki_pct_per_c_s, 0.0, 0.0, 100.0)
    integrals = []

    def compiled(sp, meas, dt):
        u = pid.step(sp, meas, dt)
        integrals.append(pid.integral)
        return u

    overshoot = _heat_through_heater_failure(compiled)
    assert max(integrals) <= 100.0
    assert overshoot < 0.3

    # the same PI without anti-windup overshoots badly: the scenario can tell
    state = {"i": 0.0}

    def winding_up(sp, meas, dt):
        e = sp - meas
        state["i"] += t.ki_pct_per_c_s * e * dt
        return min(max(t.kp_pct_per_c * e + state["i"], 0.0), 100.0)

    assert _heat_through_heater_failure(winding_up) > 1.0


# ------------------------------------------------------------------ original API

def test_temperature_pid_api_still_works():
    pid = TemperaturePID(kp=20.0, ki=0.02, kd=0.0, out_min=0.0, out_max=100.0)
    assert pid.step(37.0, 36.0, 1.0) == pytest.approx(20.0 + 0.02)
    setpoints = np.full(100, 37.0)
    measurements = np.linspace(30.0, 37.0, 100)
    outputs = np.empty(100)
    assert pid.step_batch(setpoints, measurements, outputs, 1.0) == 100
    assert outputs[0] == 100.0 and 0.0 <= outputs[-1] <= 100.0
    pid.reset()
    assert pid.integral == 0.0
    assert pid.step(37.0, math.nan, 1.0) == 0.0
    with pytest.raises(ValueError):
        TemperaturePID(1.0, 0.0, 0.0, out_min=5.0, out_max=5.0)


def test_step_batch_equals_single_steps(config):
    a, b = Controller(config), Controller(config)
    for ctl in (a, b):
        ctl.command(Module.EXPANSION, Command.START)
    rng = np.random.default_rng(4)
    inputs = np.column_stack([37 + rng.normal(0, 0.3, 500), 7.2 + rng.normal(0, 0.1, 500),
                              50 + rng.normal(0, 10, 500), np.full(500, 5.0), np.zeros(500),
                              rng.uniform(0.5, 1.6, 500), rng.uniform(0.5, 1.6, 500),
                              rng.uniform(0.0, 250.0, 500)])
    outputs = np.empty((500, len(codes.OUTPUT_COLUMNS)))
    a.step_batch(inputs, outputs, 1.0)
    singles = np.array([b.step(*row[:4], bool(row[4]), 1.0, *row[5:]).as_row() for row in inputs])
    np.testing.assert_array_equal(outputs, singles)


def test_step_batch_checks_shapes(controller):
    with pytest.raises(ValueError):
        controller.step_batch(np.zeros((3, 4)), np.zeros((3, 12)), 1.0)
    with pytest.raises(ValueError):
        controller.step_batch(np.zeros((3, 5)), np.zeros((2, 12)), 1.0)
    with pytest.raises(ValueError):
        controller.step_batch(np.zeros((3, 5)), np.zeros((3, 12)), 1.0,
                              np.zeros(2, dtype=np.int32))
