"""The OQ challenges on the simulated bench: NITROGEN_PURGE forces DO_LOW, ACID_BOLUS forces PH_LOW.

In-process (the world behind the simulation channel), the way the OQ
scenarios use them: the bench handed over running, the loops settled, then
the challenge — and the controller's own alarm logic must see it.
"""

from __future__ import annotations

import pytest

from bench_clients import SIM_PROFILE, Sim, query
from mimedi_qual.control.codes import Alarm
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.process import SimulatedBench
from mimedi_qual.simbench.world import FaultError
from mimedi_qual.twin.culture import CultureFault

POLL_S = 5.0


def active_alarms(world) -> set[str]:
    return {a.name for a in Alarm if world.controller.alarm_active_mask & (1 << int(a))}


def seconds_until(world, alarm: str, horizon_s: float) -> float | None:
    start_s = world.time_s
    while world.time_s - start_s < horizon_s:
        world.advance(POLL_S)
        if alarm in active_alarms(world):
            return world.time_s - start_s
    return None


@pytest.fixture
def world(tmp_path):
    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    world.advance(2 * 3600.0)          # loops settled at their setpoints
    assert not active_alarms(world)
    return world


def test_a_nitrogen_purge_raises_do_low_and_is_in_the_bags_batch_record(world):
    world.inject_fault("NITROGEN_PURGE")
    assert CultureFault.NITROGEN_PURGE in world.culture.active_faults
    delay_s = seconds_until(world, "DO_LOW", 3600.0)
    assert delay_s is not None and 120.0 < delay_s < 1800.0   # DO falls, then the 120 s on-delay
    assert world.culture.rocking_rpm == pytest.approx(40.0)    # the cascade at its maximum did not help
    world.clear_fault("NITROGEN_PURGE")
    assert CultureFault.NITROGEN_PURGE not in world.culture.active_faults
    world.advance(3 * 3600.0)
    assert world.probe("DO") == pytest.approx(50.0, abs=5.0)
    _, events = world.batch_record()
    assert [(f, a) for _, f, a in events if f is CultureFault.NITROGEN_PURGE] == \
        [(CultureFault.NITROGEN_PURGE, True), (CultureFault.NITROGEN_PURGE, False)]


def test_an_acid_bolus_drops_the_ph_at_once_and_raises_ph_low(world):
    volume_l = world.culture.volume_ml / 1000.0
    bicarbonate_mm = world.culture.bicarbonate_mm
    world.inject_fault("ACID_BOLUS", "", "10")
    assert world.culture.bicarbonate_mm == pytest.approx(bicarbonate_mm - 10.0 / volume_l)
    assert world.probe("PH") < 6.5                             # the probes see it without waiting a period
    delay_s = seconds_until(world, "PH_LOW", 3600.0)
    assert delay_s == pytest.approx(300.0, abs=POLL_S)         # the on-delay, nothing more
    assert "PH_SENSOR_FAILED" not in active_alarms(world)      # still inside the probe's range
    assert world.faults.as_scpi().split(",")[1:4] == ["ACID_BOLUS", "", "10"]


def test_clearing_an_acid_bolus_changes_nothing_in_the_bag(world):
    world.inject_fault("ACID_BOLUS", "", "5.5")
    state = world.culture.state
    world.clear_fault()
    assert world.culture.state == state
    assert not world.faults.active()


@pytest.mark.parametrize("value", ["", "0", "-3", "lots", "nan", "inf"])
def test_an_acid_bolus_needs_a_positive_amount(world, value):
    state = world.culture.state
    with pytest.raises(FaultError, match=r"ACID_BOLUS needs the acid added in mmol, a number > 0"):
        world.inject_fault("ACID_BOLUS", "", value)
    assert world.culture.state == state and not world.faults.records


def test_the_challenges_take_no_target(world):
    for fault in ("NITROGEN_PURGE", "ACID_BOLUS"):
        with pytest.raises(FaultError, match=f"{fault} takes no target"):
            world.inject_fault(fault, "O2", "10")


def test_bad_challenges_are_refused_on_the_channel_and_good_ones_recorded(fresh_bench):
    simctl = fresh_bench.addresses["simctl"]
    for command in ("SIM:FAULT:INJ ACID_BOLUS", "SIM:FAULT:INJ ACID_BOLUS,,0", "SIM:FAULT:INJ ACID_BOLUS,,x",
                    "SIM:FAULT:INJ ACID_BOLUS,BAG,10", "SIM:FAULT:INJ NITROGEN_PURGE,O2"):
        assert query(simctl, f"{command};SYST:ERR?") == '-224,"Illegal parameter value"', command
    sim = Sim(simctl)
    assert sim.query("SIM:FAULT:LIST?") == "NONE"
    sim.write("SIM:FAULT:INJ ACID_BOLUS,,2.5")
    sim.write("SIM:FAULT:INJ NITROGEN_PURGE")
    assert sim.query("SIM:FAULT:ACT?") == "ACID_BOLUS,NITROGEN_PURGE"
    assert [r.split(",")[1:4] for r in sim.query("SIM:FAULT:LIST?").split(";")] == \
        [["ACID_BOLUS", "", "2.5"], ["NITROGEN_PURGE", "", ""]]
