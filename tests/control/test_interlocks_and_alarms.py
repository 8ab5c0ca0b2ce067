"""Interlocks, failed sensors and alarms (issue 3, item 2).

Door open stops the pumps; over-temperature cuts the heater until the
temperature is back below the trip minus its hysteresis; a failed sensor
(NaN, out of range, frozen) drives its loop to the safe output and raises an
alarm; alarms respect on-delay and hysteresis, stay latched until
acknowledged, report the most urgent priority, and the urgent ones hold the
running modules.
"""

from __future__ import annotations

import math

import pytest

from mimedi_qual.control.codes import Alarm, Command, Interlock, Module, ModuleState
from mimedi_qual.control.controller import Controller

NOMINAL = {"temperature_c": 37.0, "ph": 7.2, "do_pct": 50.0}


class Bench:
    """A controller fed with nominal, slightly varying (never frozen) sensor values."""

    def __init__(self, config):
        self.ctl = Controller(config)
        self.k = 0

    def start_expansion(self, **override):
        assert self.ctl.command(Module.EXPANSION, Command.START).accepted
        self.step(**override)
        self.step(**override)
        assert self.ctl.module_state(Module.EXPANSION) is ModuleState.EXECUTE

    def step(self, dt_s=1.0, door_open=False, density=12.0, exact=None, co2_supply_bar=1.5,
             o2_supply_bar=1.5, pump_line_kpa=10.0, **override):
        """One second; the sensor named by ``exact`` reads its value unchanged (frozen)."""
        self.k += 1
        wobble = 1e-4 * (self.k % 5)
        values = {**NOMINAL, **override}
        values = {name: v if name == exact else v + wobble
                  for name, v in values.items()}
        return self.ctl.step(values["temperature_c"], values["ph"], values["do_pct"],
                             density, door_open, dt_s, co2_supply_bar, o2_supply_bar, pump_line_kpa)

    def run(self, seconds, **kw):
        out = None
        for _ in range(int(seconds)):
            out = self.step(**kw)
        return out


@pytest.fixture
def bench(config):
    return Bench(config)


def bit(alarm):
    return 1 << alarm


def test_door_open_stops_the_pumps_only(bench):
    bench.start_expansion()
    out = bench.step(ph=6.8)                       # low pH: base pump runs
    assert out.base_pump_ml_min > 0 and out.perfusion_ml_min == pytest.approx(750 / 1440)
    out = bench.step(ph=6.8, door_open=True, temperature_c=36.5)
    assert out.base_pump_ml_min == 0.0 and out.perfusion_ml_min == 0.0
    assert out.heater_pct > 0 and out.rocking_rpm > 0       # not a pump: keeps running
    assert out.interlock_mask & Interlock.DOOR_OPEN
    assert out.alarm_active_mask & bit(Alarm.DOOR_OPEN)
    assert bench.ctl.module_state(Module.EXPANSION) is ModuleState.EXECUTE   # priority 2: no hold
    out = bench.step(ph=6.8)
    assert out.base_pump_ml_min > 0 and out.perfusion_ml_min > 0
    assert out.alarm_unacked_mask & bit(Alarm.DOOR_OPEN)     # latched until acknowledged


def test_over_temperature_cuts_heater_with_hysteresis(config):
    config["temperature"]["setpoint_ramp_c_per_s"] = 0.0
    bench = Bench(config)
    bench.start_expansion()
    bench.ctl.set_temperature_setpoint(38.8)
    assert bench.step(temperature_c=38.7).heater_pct > 0
    out = bench.step(temperature_c=39.1)
    assert out.heater_pct == 0.0 and out.interlock_mask & Interlock.OVER_TEMPERATURE
    assert out.alarm_unacked_mask & bit(Alarm.OVER_TEMPERATURE)
    out = bench.step(temperature_c=38.6)            # below setpoint, inside the hysteresis
    assert out.heater_pct == 0.0 and out.interlock_mask & Interlock.OVER_TEMPERATURE
    out = bench.step(temperature_c=38.4)            # below trip − hysteresis: released
    assert out.heater_pct > 0 and not out.interlock_mask & Interlock.OVER_TEMPERATURE


def test_urgent_alarm_holds_running_modules(bench):
    bench.start_expansion()
    bench.step(temperature_c=39.5)                  # over-temperature: priority 1
    assert bench.ctl.module_state(Module.EXPANSION) is ModuleState.HOLDING
    out = bench.step(temperature_c=37.0)
    assert bench.ctl.module_state(Module.EXPANSION) is ModuleState.HELD
    assert out.perfusion_ml_min == 0.0               # held: no perfusion ...
    assert out.heater_pct >= 0.0 and out.rocking_rpm > 0   # ... but the culture is kept alive
    assert out.highest_priority == 1


def test_auto_hold_can_be_switched_off(config):
    config["state_machine"]["auto_hold_priority"] = 0
    bench = Bench(config)
    bench.start_expansion()
    bench.step(temperature_c=39.5)
    assert bench.ctl.module_state(Module.EXPANSION) is ModuleState.EXECUTE


FAILURES = {
    "nan": lambda nominal: [math.nan],
    "out_of_range": lambda nominal: [nominal * 10.0],
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("sensor", ["temperature_c", "ph", "do_pct"])
def test_failed_sensor_drives_its_loop_to_safe_output(bench, config, sensor, failure):
    bench.start_expansion()
    healthy = bench.step(temperature_c=36.5, ph=7.0, do_pct=30.0)
    assert healthy.heater_pct > 0 and healthy.base_pump_ml_min > 0
    assert healthy.rocking_rpm > config["dissolved_oxygen"]["rocking_min_rpm"]
    override = {"temperature_c": 36.5, "ph": 7.0, "do_pct": 30.0}
    override[sensor] = FAILURES[failure](NOMINAL[sensor])[0]
    out = bench.step(**override)
    assert_safe(out, sensor, config)
    # back to a valid value: the loop resumes regulating
    out = bench.step(temperature_c=36.5, ph=7.0, do_pct=30.0)
    assert not out.interlock_mask
    assert out.heater_pct > 0 and out.base_pump_ml_min > 0


def assert_safe(out, sensor, config):
    if sensor == "temperature_c":
        assert out.heater_pct == config["temperature"]["safe_heater_pct"]
        assert out.interlock_mask & Interlock.TEMPERATURE_SENSOR_FAILED
        assert out.alarm_unacked_mask & bit(Alarm.TEMPERATURE_SENSOR_FAILED)
        assert out.highest_priority == 1
        assert out.base_pump_ml_min > 0                      # other loops unaffected
    elif sensor == "ph":
        assert out.co2_valve_pct == 0.0 and out.base_pump_ml_min == 0.0
        assert out.interlock_mask & Interlock.PH_SENSOR_FAILED
        assert out.alarm_unacked_mask & bit(Alarm.PH_SENSOR_FAILED)
        assert out.heater_pct > 0
    else:
        assert out.rocking_rpm == config["dissolved_oxygen"]["safe_rocking_rpm"]
        assert out.o2_enrichment_pct == config["dissolved_oxygen"]["safe_o2_enrichment_pct"]
        assert out.interlock_mask & Interlock.DO_SENSOR_FAILED
        assert out.alarm_unacked_mask & bit(Alarm.DO_SENSOR_FAILED)


@pytest.mark.parametrize("sensor", ["temperature_c", "ph", "do_pct"])
def test_frozen_sensor_fails_after_its_timeout(bench, config, sensor):
    section = {"temperature_c": "temperature", "ph": "ph", "do_pct": "dissolved_oxygen"}[sensor]
    timeout_s = config[section]["sensor"]["frozen_timeout_s"]
    bench.start_expansion()
    frozen = {"temperature_c": 36.5, "ph": 7.0, "do_pct": 30.0}
    out = bench.run(timeout_s - 1, exact=sensor, **frozen)
    assert not out.interlock_mask, "not frozen yet"
    out = bench.run(2, exact=sensor, **frozen)
    assert_safe(out, sensor, config)
    out = bench.step(**{**frozen, sensor: frozen[sensor] + 0.01})   # it moves again
    assert not out.interlock_mask


def test_limit_alarm_on_delay_hysteresis_latch_and_ack(bench, config):
    high = config["alarms"]["temperature_high"]
    bench.start_expansion()
    bench.run(5)                                     # inside the band: armed
    out = bench.run(high["on_delay_s"] - 1, temperature_c=high["limit"] + 0.05)
    assert not out.alarm_active_mask & bit(Alarm.TEMPERATURE_HIGH), "still in on-delay"
    out = bench.step(temperature_c=37.0)             # a dip resets the on-delay
    out = bench.run(high["on_delay_s"] - 1, temperature_c=high["limit"] + 0.05)
    assert not out.alarm_active_mask & bit(Alarm.TEMPERATURE_HIGH)
    out = bench.run(2, temperature_c=high["limit"] + 0.05)
    assert out.alarm_active_mask & bit(Alarm.TEMPERATURE_HIGH)
    assert out.alarm_unacked_mask & bit(Alarm.TEMPERATURE_HIGH)
    assert out.highest_priority == high["priority"]
    # inside the hysteresis it stays active
    out = bench.step(temperature_c=high["limit"] - high["hysteresis"] / 2)
    assert out.alarm_active_mask & bit(Alarm.TEMPERATURE_HIGH)
    # back clearly inside: no longer active, but latched until acknowledged
    out = bench.step(temperature_c=37.0)
    assert not out.alarm_active_mask & bit(Alarm.TEMPERATURE_HIGH)
    assert out.alarm_unacked_mask & bit(Alarm.TEMPERATURE_HIGH)
    assert out.highest_priority == high["priority"]
    bench.ctl.acknowledge()
    out = bench.step()
    assert out.alarm_unacked_mask == 0 and out.highest_priority == 0


def test_acknowledged_active_alarm_stays_until_it_clears(bench):
    bench.start_expansion()
    bench.run(5)
    out = bench.step(door_open=True)
    bench.ctl.acknowledge(bit(Alarm.DOOR_OPEN))
    out = bench.step(door_open=True)
    assert out.alarm_active_mask & bit(Alarm.DOOR_OPEN)
    assert not out.alarm_unacked_mask & bit(Alarm.DOOR_OPEN)
    assert out.highest_priority == 2
    out = bench.step()
    assert out.highest_priority == 0


def test_limit_alarms_are_not_armed_during_heat_up(bench):
    bench.start_expansion(temperature_c=25.0)
    out = bench.run(600, temperature_c=25.0)         # far below the low limit, heating up
    assert out.alarm_unacked_mask == 0
    bench.run(5)                                     # reached the band: now armed
    out = bench.run(120, temperature_c=36.0)
    assert out.alarm_active_mask & bit(Alarm.TEMPERATURE_LOW)


def test_highest_priority_is_the_most_urgent(bench):
    bench.start_expansion()
    out = bench.step(door_open=True)                 # priority 2
    assert out.highest_priority == 2
    out = bench.step(door_open=True, temperature_c=math.nan)   # priority 1
    assert out.highest_priority == 1


def test_no_loop_runs_while_no_culture_module_is_active(bench):
    out = bench.step(temperature_c=25.0, ph=6.5, do_pct=10.0, door_open=True)
    assert (out.heater_pct, out.co2_valve_pct, out.base_pump_ml_min, out.rocking_rpm,
            out.o2_enrichment_pct, out.perfusion_ml_min) == (0.0,) * 6
    assert out.alarm_unacked_mask == 0               # door open while idle is normal


@pytest.mark.parametrize("supply, alarm", [("co2_supply_bar", Alarm.CO2_SUPPLY_LOW),
                                           ("o2_supply_bar", Alarm.O2_SUPPLY_LOW)])
def test_a_lost_gas_supply_is_alarmed_after_its_on_delay_while_regulating(bench, supply, alarm):
    # profile: limit 0.8 bar, hysteresis 0.1, on-delay 10 s
    out = bench.run(30, **{supply: 0.0})
    assert not out.alarm_active_mask & bit(alarm)          # nothing regulated: no gas needed
    bench.start_expansion()
    out = bench.run(9, **{supply: 0.0})
    assert not out.alarm_active_mask & bit(alarm)          # still inside the on-delay
    out = bench.run(2, **{supply: 0.0})
    assert out.alarm_active_mask & bit(alarm) and out.alarm_unacked_mask & bit(alarm)
    assert out.interlock_mask == 0                         # an alarm, not an interlock
    out = bench.run(5, **{supply: 0.85})                   # back above the limit, not above the hysteresis
    assert out.alarm_active_mask & bit(alarm)
    out = bench.run(1, **{supply: 1.5})
    assert not out.alarm_active_mask & bit(alarm) and out.alarm_unacked_mask & bit(alarm)
    bench.ctl.acknowledge()
    assert not bench.step().alarm_unacked_mask & bit(alarm)


def test_no_transducer_no_gas_alarm(bench):
    bench.start_expansion()
    out = bench.run(60, co2_supply_bar=math.nan, o2_supply_bar=math.nan)
    assert not out.alarm_active_mask & (bit(Alarm.CO2_SUPPLY_LOW) | bit(Alarm.O2_SUPPLY_LOW))


def test_an_occluded_line_trips_the_pump_interlock_until_the_pressure_is_released(bench):
    bench.start_expansion()
    out = bench.step(ph=6.8, pump_line_kpa=149.0)          # below the 150 kPa trip: pumps run
    assert out.base_pump_ml_min > 0 and not out.interlock_mask & Interlock.PUMP_OCCLUSION
    out = bench.step(ph=6.8, pump_line_kpa=151.0, temperature_c=36.5)
    assert out.interlock_mask & Interlock.PUMP_OCCLUSION
    assert out.alarm_active_mask & bit(Alarm.PUMP_OCCLUSION)
    assert out.base_pump_ml_min == 0.0 and out.perfusion_ml_min == 0.0
    assert out.heater_pct > 0                              # not a pump: keeps running
    assert bench.ctl.command(Module.EXPANSION, Command.HOLD).accepted
    bench.run(2, pump_line_kpa=151.0)
    refused = bench.ctl.command(Module.EXPANSION, Command.UNHOLD)
    assert not refused.accepted and "pump occlusion" in refused.reason
    out = bench.step(pump_line_kpa=110.0)                  # inside the 50 kPa hysteresis: still tripped
    assert out.interlock_mask & Interlock.PUMP_OCCLUSION
    out = bench.step(pump_line_kpa=90.0)
    assert not out.interlock_mask & Interlock.PUMP_OCCLUSION
    assert not out.alarm_active_mask & bit(Alarm.PUMP_OCCLUSION)
    assert out.alarm_unacked_mask & bit(Alarm.PUMP_OCCLUSION)  # latched until acknowledged
    assert bench.ctl.command(Module.EXPANSION, Command.UNHOLD).accepted


def test_occlusion_is_watched_even_with_no_module_running(bench):
    out = bench.step(pump_line_kpa=200.0)                  # a manual dispense into a clamped line
    assert out.interlock_mask & Interlock.PUMP_OCCLUSION
    assert out.alarm_active_mask & bit(Alarm.PUMP_OCCLUSION)
    out = bench.step(pump_line_kpa=math.nan)               # no sensor: no trip
    assert out.interlock_mask == 0
