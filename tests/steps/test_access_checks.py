"""The judged access and audit-trail checks on a fake bench: each passes on a controller that enforces its
access levels and keeps its audit trail, and is judged not met on one that does not."""

from __future__ import annotations

import json

import pytest

from mimedi_qual.steps import audit_trail_steps, login_steps, refused_action_steps

LIMIT_CHANGE = "a change of the TEMPERATURE_HIGH alarm limit"


def verdicts(campaign) -> list[tuple[str, str]]:
    lines = (campaign.campaign_dir / "measurements.jsonl").read_text().splitlines()
    return [(m["criterion_id"], m["verdict"]) for m in map(json.loads, lines)]


def test_without_a_login_every_process_change_is_refused(campaign):
    login_steps.nobody_logged_in(campaign)
    login_steps.changes_refused(campaign, "OQ-ACCESS-DENIED")
    assert verdicts(campaign) == [("OQ-ACCESS-DENIED", "pass")]


def test_a_controller_accepting_changes_without_a_login_is_judged_not_met(campaign, bench):
    bench.controller.misbehaves.add("access")
    login_steps.nobody_logged_in(campaign)
    with pytest.raises(AssertionError, match="accepted: temperature setpoint, pH setpoint, module command"):
        login_steps.changes_refused(campaign, "OQ-ACCESS-DENIED")
    assert verdicts(campaign) == [("OQ-ACCESS-DENIED", "fail")]


def test_an_operators_alarm_limit_change_is_refused_unchanged_and_audited(campaign, bench):
    user = login_steps.logged_in_as(campaign, "OPERATOR")
    attempt = refused_action_steps.user_attempts(campaign, user, LIMIT_CHANGE)
    refused_action_steps.attempt_refused(campaign, attempt, "OQ-ACCESS-LEVELS")
    refused_action_steps.attempt_audited(campaign, attempt, "OQ-AUDIT-DENIED")
    assert verdicts(campaign) == [("OQ-ACCESS-LEVELS", "pass"), ("OQ-AUDIT-DENIED", "pass")]


def test_an_accepted_alarm_limit_change_is_judged_not_met_and_put_back(campaign, bench):
    bench.controller.misbehaves.add("access")
    before = bench.controller.alarm_limit("TEMPERATURE_HIGH")
    user = login_steps.logged_in_as(campaign, "OPERATOR")
    attempt = refused_action_steps.user_attempts(campaign, user, LIMIT_CHANGE)
    with pytest.raises(AssertionError, match=r"ALARM_LIMIT_TEMPERATURE_HIGH by op1 \(OPERATOR\)> accepted.*1 changed"):
        refused_action_steps.attempt_refused(campaign, attempt, "OQ-ACCESS-LEVELS")
    assert bench.controller.alarm_limit("TEMPERATURE_HIGH") == before


def test_a_refusal_missing_from_the_audit_trail_is_judged_not_met(campaign, bench):
    bench.controller.misbehaves.add("audit_denied")
    user = login_steps.logged_in_as(campaign, "OPERATOR")
    attempt = refused_action_steps.user_attempts(campaign, user, LIMIT_CHANGE)
    with pytest.raises(AssertionError, match="no ALARM_LIMIT_TEMPERATURE_HIGH_DENIED entry by op1 at level OPERATOR"):
        refused_action_steps.attempt_audited(campaign, attempt, "OQ-AUDIT-DENIED")


def test_a_setpoint_changed_and_restored_is_audited_twice(campaign):
    user = login_steps.logged_in_as(campaign, "OPERATOR")
    changes = audit_trail_steps.change_and_restore(campaign, user)
    audit_trail_steps.changes_audited(campaign, changes, "OQ-AUDIT-COMPLETE")
    assert len(changes.changes) == 2 and verdicts(campaign) == [("OQ-AUDIT-COMPLETE", "pass")]


def test_changes_missing_from_the_audit_trail_are_judged_not_met(campaign, bench):
    bench.controller.misbehaves.add("audit_changes")
    user = login_steps.logged_in_as(campaign, "SUPERVISOR")
    changes = audit_trail_steps.loop_manual_and_back(campaign, user)
    with pytest.raises(AssertionError, match="no entry for"):
        audit_trail_steps.changes_audited(campaign, changes, "OQ-AUDIT-COMPLETE")
    assert not bench.controller.loop_mode("TEMP").manual       # the loop is back in AUTO all the same


def test_logging_in_at_a_level_the_controller_does_not_report_fails(campaign, bench):
    bench.controller.accounts_by_user["sup1"] = (bench.controller.accounts_by_user["sup1"][0], "OPERATOR")
    with pytest.raises(AssertionError, match="logged in as sup1 but the controller reports access level OPERATOR"):
        login_steps.logged_in_as(campaign, "SUPERVISOR")
