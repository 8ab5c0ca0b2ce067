"""The un-judged alarm, interlock and pump checks on a fake bench: each one passes on a controller that
behaves and fails, naming what is missing, on one that forgets that part of its reaction to a fault."""

from __future__ import annotations

import json

import pytest

from mimedi_qual.errors import ProtocolError
from mimedi_qual.steps import alarm_steps, pump_steps

OCCLUSION_DELAY = "OQ-ALARM-OCCLUSION-DELAY"


def clamp_running_line(campaign, bench_cleanup, pump: str = "BASE"):
    """When the <pump> pump is started for 20 mL at 5 mL/min / And the fault PUMP_OCCLUSION is injected on <pump>."""
    pump_steps.pump_started(campaign, bench_cleanup, pump, 20.0, 5.0)
    return alarm_steps.inject_fault_on(campaign, bench_cleanup, [], "PUMP_OCCLUSION", pump)


def test_a_behaving_controller_passes_every_check_of_a_clamped_line(campaign, bench_cleanup, bench):
    event = clamp_running_line(campaign, bench_cleanup)
    alarm_steps.alarm_annunciated_within(campaign, event, "PUMP_OCCLUSION", OCCLUSION_DELAY)
    alarm_steps.interlock_active(campaign, "PUMP_OCCLUSION")
    pump_steps.pump_stopped(campaign, "BASE")
    alarm_steps.alarm_relay_energised(campaign)
    alarm_steps.alarm_in_audit_trail(campaign, [event], "PUMP_OCCLUSION")
    assert bench.faults_.injected == ["PUMP_OCCLUSION,BASE"]


def test_an_alarm_missing_from_the_audit_trail_fails(campaign, bench_cleanup, bench):
    bench.controller.misbehaves.add("audit")
    event = clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match="no ALARM_RAISED entry for PUMP_OCCLUSION"):
        alarm_steps.alarm_in_audit_trail(campaign, [event], "PUMP_OCCLUSION")


def test_an_alarm_logged_before_the_fault_does_not_count(campaign, bench_cleanup, bench):
    bench.controller.fault("PUMP_OCCLUSION", "FEED")     # an earlier occlusion, logged before this fault
    bench.controller.clear_faults()
    bench.controller.misbehaves.add("audit")
    event = clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match="no ALARM_RAISED entry for PUMP_OCCLUSION"):
        alarm_steps.alarm_in_audit_trail(campaign, [event], "PUMP_OCCLUSION")


def test_another_alarm_in_the_audit_trail_does_not_count(campaign, bench_cleanup):
    event = clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match="no ALARM_RAISED entry for DOOR_OPEN"):
        alarm_steps.alarm_in_audit_trail(campaign, [event], "DOOR_OPEN")


def test_the_audit_trail_looks_back_to_the_first_fault_or_the_named_one(campaign, bench_cleanup):
    """'since the fault': the scenario's first fault, or the latest time the named fault was caused."""
    first = clamp_running_line(campaign, bench_cleanup)
    door = alarm_steps.inject_fault(campaign, bench_cleanup, [], "DOOR_OPEN")
    alarm_steps.alarm_in_audit_trail(campaign, [first, door], "PUMP_OCCLUSION")      # raised after the first
    alarm_steps.alarm_in_audit_trail_since(campaign, [first, door], "PUMP_OCCLUSION", "PUMP_OCCLUSION")
    with pytest.raises(AssertionError, match="no ALARM_RAISED entry for PUMP_OCCLUSION"):
        alarm_steps.alarm_in_audit_trail_since(campaign, [first, door], "PUMP_OCCLUSION", "DOOR_OPEN")
    with pytest.raises(ProtocolError, match="caused no fault HEATER_FAIL"):
        alarm_steps.alarm_in_audit_trail_since(campaign, [first, door], "PUMP_OCCLUSION", "HEATER_FAIL")
    with pytest.raises(ProtocolError, match="caused none"):
        alarm_steps.alarm_in_audit_trail(campaign, [], "PUMP_OCCLUSION")


def test_a_pump_left_running_on_a_clamped_line_fails(campaign, bench_cleanup, bench):
    bench.controller.misbehaves.add("pump_stop")
    clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match=r"BASE pump still running \(0\.000 mL dispensed\)"):
        pump_steps.pump_stopped(campaign, "BASE")


def test_a_pump_that_ran_out_its_volume_counts_as_stopped(campaign, bench_cleanup, bench):
    bench.controller.misbehaves.add("pump_stop")
    clamp_running_line(campaign, bench_cleanup)
    bench.clock_.wait_s(20.0 / 5.0 * 60.0)
    pump_steps.pump_stopped(campaign, "BASE")


def test_a_missing_interlock_fails_naming_what_is_active(campaign, bench_cleanup, bench):
    bench.controller.misbehaves.add("interlock")
    clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match=r"interlock PUMP_OCCLUSION not active \(active: none\)"):
        alarm_steps.interlock_active(campaign, "PUMP_OCCLUSION")
    bench.controller.interlocks.append("DOOR_OPEN")
    with pytest.raises(AssertionError, match=r"\(active: \['DOOR_OPEN'\]\)"):
        alarm_steps.interlock_active(campaign, "PUMP_OCCLUSION")


def test_an_alarm_never_annunciated_is_judged_not_met(campaign, bench_cleanup, bench):
    bench.controller.misbehaves.add("alarm")
    event = clamp_running_line(campaign, bench_cleanup)
    with pytest.raises(AssertionError, match=OCCLUSION_DELAY):
        alarm_steps.alarm_annunciated_within(campaign, event, "PUMP_OCCLUSION", OCCLUSION_DELAY)
    lines = (campaign.campaign_dir / "measurements.jsonl").read_text().splitlines()
    assert [(m["criterion_id"], m["verdict"]) for m in map(json.loads, lines)] == [(OCCLUSION_DELAY, "fail")]
    with pytest.raises(AssertionError, match="alarm relay coil reads 0"):
        alarm_steps.alarm_relay_energised(campaign)


def test_the_scenario_cleanup_stops_the_pump_and_clears_the_faults(campaign, bench, bench_cleanup):
    bench.controller.misbehaves.add("pump_stop")
    clamp_running_line(campaign, bench_cleanup)
    bench_cleanup.run()
    assert not bench.controller.pump_state("BASE").running
    assert bench.faults_.cleared == 1 and not bench.controller.active_interlocks()
