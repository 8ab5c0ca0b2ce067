"""The controller profile: loads, is sane for the plant, and refuses bad input."""

from __future__ import annotations

import copy

import pytest
import yaml
from pydantic import ValidationError

from mimedi_qual.control.codes import Alarm
from mimedi_qual.control.parameters import (DEFAULT_PROFILE_PATH, ControllerProfile,
                                            build_controller, build_reference,
                                            load_controller_profile)
from mimedi_qual.twin.thermal import ThermalParameters

PLANT = ThermalParameters(mass_g=1000.0, ua_w_per_k=1.5, heater_max_w=60.0, ambient_c=22.0)


def test_default_profile_builds_both_implementations(profile):
    assert build_controller(profile).period_s == profile.period_s == 1.0
    assert build_reference(profile).period_s == 1.0
    assert build_controller(DEFAULT_PROFILE_PATH).period_s == 1.0


def test_defaults_are_sane_for_the_plant(profile):
    t = profile.temperature
    assert t.setpoint_c == 37.0
    holding_pct = 100.0 * PLANT.ua_w_per_k * (t.setpoint_c - PLANT.ambient_c) / PLANT.heater_max_w
    assert t.heater_min_pct < holding_pct < 0.6 * t.heater_max_pct, "room to heat and to cut"
    # PI close to the lambda tuning of the first-order plant (Ti ≈ τ)
    gain_c_per_pct = PLANT.heater_max_w / 100.0 / PLANT.ua_w_per_k
    ti_s = t.kp_pct_per_c / t.ki_pct_per_c_s
    assert 0.8 * PLANT.time_constant_s < ti_s < 1.2 * PLANT.time_constant_s
    closed_loop_tau_s = PLANT.time_constant_s / (gain_c_per_pct * t.kp_pct_per_c)
    assert 100.0 < closed_loop_tau_s < 900.0
    alarms = profile.alarms
    assert alarms["temperature_low"].limit < t.setpoint_c < alarms["temperature_high"].limit
    assert alarms["temperature_high"].limit < t.over_temperature_trip_c
    assert t.sensor.valid_min < PLANT.ambient_c and t.sensor.valid_max > t.over_temperature_trip_c
    assert profile.perfusion.thresholds == [2.0, 10.0, 15.0]
    assert profile.perfusion.rates_ml_day == [0.0, 500.0, 750.0, 1000.0]


def raw_profile() -> dict:
    return yaml.safe_load(DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["temperature"].update(kp_gain=1.0), "kp_gain"),
    (lambda d: d["alarms"].pop("door_open"), "missing"),
    (lambda d: d["alarms"].update(coffee_low={"on_delay_s": 0, "priority": 1}), "unknown"),
    (lambda d: d["alarms"]["ph_high"].pop("limit"), "needs a limit"),
    (lambda d: d["perfusion"].update(rates_ml_day=[0, 1]), "one entry more"),
    (lambda d: d["perfusion"].update(thresholds=[5, 2, 10]), "increase"),
    (lambda d: d["temperature"].update(heater_min_pct=100.0, heater_max_pct=0.0), "heater_min_pct"),
    (lambda d: d["temperature"].update(setpoint_c=40.0), "over_temperature_trip_c"),
    (lambda d: d["ph"]["sensor"].update(valid_min=9.0), "valid_min"),
    (lambda d: d.update(period_s=0), "period_s"),
    (lambda d: d["perfusion"].update(schedule_by="moon_phase"), "schedule_by"),
])
def test_bad_profiles_are_refused(mutate, message):
    data = raw_profile()
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        ControllerProfile.model_validate(data)


def test_profile_values_reach_the_controller(tmp_path):
    data = raw_profile()
    data["temperature"]["safe_heater_pct"] = 7.0
    path = tmp_path / "controller.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    ctl = build_controller(path)
    from mimedi_qual.control.codes import Command, Module
    assert ctl.command(Module.EXPANSION, Command.START).accepted
    assert ctl.step(float("nan"), 7.2, 50.0, 3.0, False, 1.0).heater_pct == 7.0


def test_every_alarm_is_in_the_profile(profile):
    assert set(profile.alarms) == {a.name.lower() for a in Alarm}
    assert load_controller_profile().model_dump() == copy.deepcopy(profile.model_dump())
