"""Closed loop against the thermal twin: the temperature loop meets its tuning targets.

The plant is ``twin.thermal.ThermalModel`` itself (stepped from Python, one
call per second) with seeded sensor noise; targets come from
``profiles/control/tuning-targets.yaml``. A deliberately detuned controller
must *fail* the same targets, so the check can tell good tuning from bad.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mimedi_qual.control import codes
from mimedi_qual.control.controller import Controller
from mimedi_qual.control.lockstep import run_thermal_closed_loop, thermal_plant_trace
from mimedi_qual.control.tuning import load_tuning_targets, step_response_metrics
from mimedi_qual.twin.thermal import ThermalModel, ThermalParameters

PLANT = ThermalParameters(mass_g=1000.0, ua_w_per_k=1.5, heater_max_w=60.0, ambient_c=22.0)


@pytest.fixture(scope="module")
def targets():
    return load_tuning_targets()


def settle_plant_at(temperature_c: float) -> ThermalModel:
    return ThermalModel(PLANT, temperature_c=temperature_c)


def run_step(config: dict, target, noise_c: float, seed: int = 11):
    """Start expansion with the bag at the initial temperature and record the response.

    For the setpoint step the loop first settles at the initial temperature
    (as setpoint) for three hours; time zero is the setpoint change.
    """
    rng = np.random.default_rng(seed)
    ctl = Controller(config)
    bag = settle_plant_at(target.initial_temperature_c if target.initial_temperature_c < 30
                          else PLANT.ambient_c)
    assert ctl.command(codes.Module.EXPANSION, codes.Command.START).accepted

    def one_second():
        measured = bag.temperature_c + rng.uniform(-noise_c, noise_c)
        out = ctl.step(measured, 7.2 + rng.uniform(-0.002, 0.002),
                       50.0 + rng.uniform(-0.1, 0.1), 3.0, False, 1.0)
        bag.step(1.0, bag.heater_power_w(out.heater_pct))
        return out

    if target.initial_temperature_c >= 30:          # pre-settle at the initial setpoint
        ctl.set_temperature_setpoint(target.initial_temperature_c)
        for _ in range(3 * 3600):
            one_second()
        assert abs(bag.temperature_c - target.initial_temperature_c) < 0.05
    ctl.set_temperature_setpoint(target.setpoint_c)
    n = int(target.observation_s)
    temperature = np.empty(n)
    for i in range(n):
        out = one_second()
        temperature[i] = bag.temperature_c
    return np.arange(1.0, n + 1.0), temperature, out


@pytest.mark.parametrize("scenario", ["heat_up", "setpoint_step"])
def test_step_response_meets_tuning_targets(config, targets, scenario):
    target = targets.temperature[scenario]
    t, temperature, last = run_step(config, target, targets.sensor_noise_c)
    assert last.alarm_unacked_mask == 0, "a well-tuned step must not raise alarms"
    metrics = step_response_metrics(t, temperature, setpoint=target.setpoint_c,
                                     settling_band=target.settling_band_c,
                                     steady_state_window_s=target.steady_state_window_s)
    assert target.violations(metrics) == [], metrics


def test_detuned_controller_fails_the_targets(config, targets):
    """Ten times the integral gain, no setpoint ramp: overshoot breaks the target."""
    detuned = copy.deepcopy(config)
    detuned["temperature"]["ki_pct_per_c_s"] *= 10
    detuned["temperature"]["setpoint_ramp_c_per_s"] = 0.0
    target = targets.temperature["setpoint_step"]
    t, temperature, _ = run_step(detuned, target, targets.sensor_noise_c)
    metrics = step_response_metrics(t, temperature, setpoint=target.setpoint_c,
                                     settling_band=target.settling_band_c,
                                     steady_state_window_s=target.steady_state_window_s)
    assert any("overshoot" in v for v in target.violations(metrics)), metrics


def test_compiled_plant_equals_the_twin():
    """The lockstep plant is the twin's thermal model, to rounding."""
    rng = np.random.default_rng(5)
    heater = rng.uniform(-20.0, 130.0, 20_000)       # includes out-of-range commands
    compiled = thermal_plant_trace(25.0, heater, 1.0)
    bag = settle_plant_at(25.0)
    twin = np.empty_like(compiled)
    for i, pct in enumerate(heater):
        bag.step(1.0, bag.heater_power_w(pct))
        twin[i] = bag.temperature_c
    np.testing.assert_allclose(compiled, twin, rtol=0.0, atol=1e-9)


def test_fourteen_days_in_lockstep_hold_temperature(controller):
    assert controller.command(codes.Module.EXPANSION, codes.Command.START).accepted
    run = run_thermal_closed_loop(controller, 14 * 86400.0, record_every=600)
    assert run.steps == 14 * 86400
    after_heat_up = run.time_s > 2 * 3600
    assert np.all(np.abs(run.temperature_c[after_heat_up] - 37.0) < 0.05)
    assert run.alarm_unacked_mask.max() == 0
    assert controller.module_state(codes.Module.EXPANSION) is codes.ModuleState.EXECUTE
