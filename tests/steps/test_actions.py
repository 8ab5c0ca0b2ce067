"""The actions below the steps, on a fake bench: logins by level, module states, a weighed delivery,
attempts reserved for higher levels, forced setpoints put back by the cleanup, audit findings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mimedi_qual.errors import CriterionError
from mimedi_qual.lab.errors import AccessDenied
from mimedi_qual.steps.actions.audit import AuditedChanges, audit_findings
from mimedi_qual.steps.actions.faults import force_setpoint
from mimedi_qual.steps.actions.load_cell import transfer_bag_to_balance
from mimedi_qual.steps.actions.modules import bring_to_state, ensure_executing, restart_if_running
from mimedi_qual.steps.actions.operator import ANONYMOUS, credentials, ensure_operator, log_in_as
from mimedi_qual.steps.actions.protected_actions import try_action
from mimedi_qual.steps.actions.pumps import BALANCE_SETTLE_S, deliver_once, route_to_balance, start_pump
from mimedi_qual.steps.actions.qc_release import submit_product_sample
from mimedi_qual.steps.actions.readiness import make_ready
from mimedi_qual.steps.actions.sampling import sample
from mimedi_qual.steps.actions.setpoints import return_co2_to_ph_loop, set_to_target, set_value
from mimedi_qual.steps.cleanup import BenchCleanup


def test_log_in_by_level_with_the_benchs_account(campaign, bench):
    assert credentials(campaign, "SUPERVISOR")[0] == "sup1"
    assert log_in_as(campaign, "SUPERVISOR") == "sup1"
    assert bench.controller.access_level() == "SUPERVISOR"
    assert log_in_as(campaign, "NONE") == ANONYMOUS and bench.controller.access_level() == "NONE"


def test_ensure_operator_logs_in_only_when_nobody_is(campaign, bench):
    ensure_operator(campaign)
    assert bench.controller.access_level() == "OPERATOR"
    log_in_as(campaign, "SUPERVISOR")
    ensure_operator(campaign)
    assert bench.controller.access_level() == "SUPERVISOR"


def test_a_setpoint_is_the_criterions_target_and_a_criterion_without_one_is_refused(campaign, bench):
    target = campaign.criterion("OQ-PH-ACC").target
    set_to_target(campaign, "pH", "OQ-PH-ACC")
    assert bench.controller.ph_setpoint() == target
    with pytest.raises(CriterionError, match="OQ-ALARM-OCCLUSION-DELAY has no target value"):
        set_to_target(campaign, "temperature", "OQ-ALARM-OCCLUSION-DELAY")


def test_co2_goes_back_to_the_ph_loop_through_the_driver_verb(campaign, bench):
    set_value(campaign, "CO2", 8.0)
    assert not bench.controller.co2_automatic
    return_co2_to_ph_loop(campaign)
    assert bench.controller.co2_automatic


def test_an_executing_module_is_brought_to_idle_and_started_again(campaign, bench):
    bench.controller.modules["EXPANSION"] = "EXECUTE"
    bring_to_state(campaign, "EXPANSION", "IDLE")
    assert bench.controller.module_state("EXPANSION") == "IDLE"
    ensure_executing(campaign, "EXPANSION")
    assert bench.controller.module_state("EXPANSION") == "EXECUTE"
    with pytest.raises(AssertionError, match="EXPANSION is EXECUTE, not HELD"):
        bring_to_state(campaign, "EXPANSION", "HELD")


def test_a_module_found_executing_is_restarted_by_the_cleanup(campaign, bench):
    cleanup = BenchCleanup()
    bench.controller.modules["EXPANSION"] = "EXECUTE"
    restart_if_running(campaign, cleanup, "EXPANSION")
    restart_if_running(campaign, cleanup, "HARVEST")          # idle: nothing to restart
    bring_to_state(campaign, "EXPANSION", "IDLE")
    cleanup.run()
    assert list(bench.controller.modules.values()) == ["IDLE", "IDLE", "EXECUTE", "IDLE"]


def test_a_weighed_delivery_gives_volume_and_flow_from_the_balance(campaign, bench):
    ensure_operator(campaign)
    route_to_balance(campaign, BenchCleanup(), "FEED")
    delivered_ml, flow_ml_min = deliver_once(campaign, "FEED", 10.0, 5.0)
    assert delivered_ml == pytest.approx(10.0)
    assert flow_ml_min == pytest.approx(5.0)
    assert bench.clock_.now_s() == pytest.approx(2 * BALANCE_SETTLE_S + 120.0)


def test_a_short_delivery_shows_in_volume_and_flow(campaign, bench):
    ensure_operator(campaign)
    bench.balance_.density_g_per_ml *= 0.9                    # 10 % less reaches the balance
    route_to_balance(campaign, BenchCleanup(), "FEED")
    delivered_ml, flow_ml_min = deliver_once(campaign, "FEED", 10.0, 5.0)
    assert delivered_ml == pytest.approx(9.0) and flow_ml_min == pytest.approx(4.5)


def test_clearing_the_audit_trail_is_refused_changes_nothing_and_names_its_entry(campaign, bench):
    log_in_as(campaign, "OPERATOR")
    attempt = try_action(campaign, "op1", "clearing the audit trail")
    assert isinstance(attempt.refusal, AccessDenied)
    assert attempt.changed == 0 and attempt.level == "OPERATOR"
    assert attempt.audit_action == "AUDIT_CLEAR_REFUSED"


def test_an_accepted_alarm_limit_change_is_counted_and_put_back(campaign, bench):
    log_in_as(campaign, "SUPERVISOR")                         # allowed: the attempt is not refused
    before = bench.controller.alarm_limit("TEMPERATURE_HIGH")
    attempt = try_action(campaign, "sup1", "a change of the TEMPERATURE_HIGH alarm limit")
    assert attempt.refusal is None and attempt.changed == 1
    assert bench.controller.alarm_limit("TEMPERATURE_HIGH") == before


def test_a_forced_setpoint_is_a_fault_event_and_the_cleanup_restores_it(campaign, bench):
    cleanup = BenchCleanup()
    bench.clock_.wait_s(100.0)
    event = force_setpoint(campaign, cleanup, "temperature", 39.5)
    assert (event.fault, event.injected_at_s) == ("temperature setpoint 39.5", 100.0)
    assert bench.controller.temperature_setpoint_c() == 39.5
    cleanup.run()
    assert bench.controller.temperature_setpoint_c() == 37.0


def test_audit_findings_count_missing_changes_and_hide_entries_showing_a_secret(campaign, bench):
    log_in_as(campaign, "OPERATOR")
    changes = AuditedChanges("op1", bench.controller.audit_count() + 1, secrets=("hunter2",))
    bench.controller.set_temperature_setpoint_c(36.5)
    bench.controller._log("NOTE", "", "password hunter2")
    changes.changes += [("temperature", 37.0, 36.5), ("temperature", 36.5, 37.0)]
    missing, leaking, shown = audit_findings(campaign, changes)
    assert missing == [("temperature", 36.5, 37.0)]
    assert leaking == [bench.controller.audit_count()]
    assert all("hunter2" not in str(entry) for entry in shown)


def test_make_ready_asks_the_strategy_identifies_every_instrument_and_waits_for_interlocks(campaign, bench):
    bench.controller.interlocks.append("PUMP_OCCLUSION")
    bench.clock_.at(5.0, bench.controller.interlocks.clear)   # released a few control periods in
    make_ready(campaign)
    assert bench.states == ["ready"] and bench.clock_.now_s() == 5.0


def test_make_ready_fails_naming_an_interlock_that_stays(campaign, bench):
    bench.controller.interlocks.append("DOOR_OPEN")
    with pytest.raises(AssertionError, match="interlock\\(s\\) DOOR_OPEN still active 30 s after"):
        make_ready(campaign)


def test_sampling_reads_at_each_interval_into_a_series(campaign, bench):
    bench.thermometer_.offset_c = 0.2
    series = sample(campaign, "thermometer", None, 60.0, 600.0)
    assert len(series.values) == 10 and series.values == pytest.approx([37.2] * 10)
    assert bench.clock_.now_s() == 600.0


def test_the_load_cell_agrees_with_the_balance_unless_it_is_miscalibrated(campaign, bench):
    assert transfer_bag_to_balance(campaign, 200.0, "HARVEST", 4).errors_g == pytest.approx([0.0] * 4, abs=1e-9)
    bench.controller.load_cell_gain = 1.01            # reads 1 % high: each 50 mL step loses 0.5 g too much
    errors_g = transfer_bag_to_balance(campaign, 200.0, "HARVEST", 4).errors_g
    assert errors_g == pytest.approx([0.01 * 50.0 * 0.9978] * 4)


def test_the_product_sample_is_labelled_by_recipe_batch_and_bench_time(campaign, bench):
    bench.clock_.wait_s(1209600.0)
    label, release = submit_product_sample(campaign, SimpleNamespace(recipe="car-t-14d", label="batch 1"))
    assert label == "CAR-T-14D-BATCH-1-T1209600" and bench.qc_lab_.submitted == [label]
    assert release.sample_id == label


def test_the_cleanup_puts_a_forced_setpoint_back_and_stops_a_pump_after_a_logout(campaign, bench):
    cleanup = BenchCleanup()
    force_setpoint(campaign, cleanup, "pH", 6.5)
    start_pump(campaign, cleanup, "FEED", 20.0, 5.0)
    bench.controller.logout()                                  # as a power cut would leave it
    cleanup.run()
    assert bench.controller.ph_setpoint() == 7.2
    assert not bench.controller.pump_state("FEED").running
