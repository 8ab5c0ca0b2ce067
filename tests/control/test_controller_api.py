"""The compiled controller's Python API: allocation-free batch, results, views."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from mimedi_qual.control import codes
from mimedi_qual.control.codes import Alarm, Command, Module, ModuleState, Rejection


def test_batch_step_allocates_nothing_per_step(controller):
    controller.command(Module.EXPANSION, Command.START)
    n = 20_000
    rng = np.random.default_rng(1)
    inputs = np.column_stack([37 + rng.normal(0, 0.5, n), 7.2 + rng.normal(0, 0.2, n),
                              50 + rng.normal(0, 20, n), rng.uniform(0, 20, n),
                              (rng.random(n) < 0.01).astype(float), rng.uniform(0.0, 2.0, n),
                              rng.uniform(0.0, 2.0, n), rng.uniform(0.0, 200.0, n)])
    outputs = np.empty((n, len(codes.OUTPUT_COLUMNS)))
    words = np.zeros(n, dtype=np.int32)
    words[::997] = codes.encode_command(Module.HARVEST, Command.START)
    results = np.zeros(n, dtype=np.int32)
    controller.step_batch(inputs[:10], outputs[:10], 1.0, words[:10], results[:10])  # warm-up
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        controller.step_batch(inputs, outputs, 1.0, words, results)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename")
                if stat.size_diff > 0)
    assert grown < 4096, f"{grown} bytes allocated for {n} steps"


def test_command_results_carry_reasons(controller):
    ok = controller.command(Module.EXPANSION, Command.START)
    assert ok == codes.CommandResult(True, Rejection.ACCEPTED, "accepted")
    no = controller.command(Module.EXPANSION, Command.START)
    assert not no.accepted and no.rejection is Rejection.NOT_ALLOWED_IN_STATE
    assert no.reason == "START not allowed for EXPANSION in state STARTING"


def test_acknowledge_by_mask(controller):
    controller.command(Module.EXPANSION, Command.START)
    out = controller.step(float("nan"), float("nan"), 50.0, 3.0, True, 1.0)
    door, temp = 1 << codes.Alarm.DOOR_OPEN, 1 << codes.Alarm.TEMPERATURE_SENSOR_FAILED
    assert out.alarm_unacked_mask & door and out.alarm_unacked_mask & temp
    controller.acknowledge(door)
    assert controller.alarm_unacked_mask & temp and not controller.alarm_unacked_mask & door
    assert controller.command(Module.SELECTION, Command.ACKNOWLEDGE).accepted
    assert controller.alarm_unacked_mask == 0


def test_views_and_snapshots(controller):
    out = controller.step(37.0, 7.2, 50.0)
    assert controller.last_outputs.as_row() == out.as_row()
    assert len(out.as_row()) == len(codes.OUTPUT_COLUMNS)
    assert "heater_pct=" in repr(out)
    assert codes.module_state_of(out.module_states, Module.EXPANSION) is ModuleState.IDLE
    assert controller.time_s == controller.period_s
    snap = controller.snapshot()
    assert snap["module_state"] == [0, 0, 0, 0] and len(snap["alarm_pending_s"]) == len(codes.Alarm)
    with pytest.raises(ValueError):
        controller.module_state(7)
    with pytest.raises(ValueError):
        controller.set_manual(5, 1.0)


def test_reset_returns_to_power_on(controller):
    controller.command(Module.EXPANSION, Command.START)
    controller.step(float("nan"), 7.2, 50.0)
    controller.reset()
    assert controller.module_state(Module.EXPANSION) is ModuleState.IDLE
    assert controller.alarm_unacked_mask == 0 and controller.interlock_mask == 0
    assert controller.time_s == 0.0


@pytest.mark.parametrize("build", ["compiled", "reference"])
def test_alarm_limits_can_be_read_and_moved_for_limit_alarms_only(build):
    from mimedi_qual.control.parameters import build_controller, build_reference

    ctl = build_controller() if build == "compiled" else build_reference()
    assert ctl.alarm_limit(Alarm.TEMPERATURE_HIGH) == 37.5
    ctl.set_alarm_limit(Alarm.TEMPERATURE_HIGH, 37.8)
    assert ctl.alarm_limit(Alarm.TEMPERATURE_HIGH) == 37.8
    with pytest.raises(ValueError, match="has no limit"):
        ctl.alarm_limit(Alarm.DOOR_OPEN)
    with pytest.raises(ValueError, match="has no limit"):
        ctl.set_alarm_limit(Alarm.DOOR_OPEN, 1.0)
    with pytest.raises(ValueError, match="must be a number"):
        ctl.set_alarm_limit(Alarm.PH_LOW, float("nan"))
