"""OQ steps: changes made as a logged-in user, each found in the controller's audit trail (Part 11 §11.10, Annex 11 §9).

A scenario makes a change and puts it back, then every change must have a
complete entry — who, what, old and new value — and no entry may show a
password::

    Given the controller user is logged in as OPERATOR
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import allure
from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.accounts import NewAccount
from mimedi_qual.steps.actions.alarm_limits import LIMIT_ALARMS, widened_limit
from mimedi_qual.steps.actions.audit import AuditedChanges, audit_findings
from mimedi_qual.steps.actions.verdicts import expect_met

#: How far the temperature setpoint is moved (and back) to leave two audit entries, °C.
SETPOINT_CHANGE_C = 0.5


@when("the temperature setpoint is changed and restored", target_fixture="audited_changes")
def change_and_restore(campaign: CampaignContext, logged_in_user: str) -> AuditedChanges:
    """Move the temperature setpoint down by 0.5 °C and back, as the logged-in user."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    original_c = controller.temperature_setpoint_c()
    controller.set_temperature_setpoint_c(original_c - SETPOINT_CHANGE_C)
    controller.set_temperature_setpoint_c(original_c)
    changes.changes += [("temperature", original_c, original_c - SETPOINT_CHANGE_C),
                        ("temperature", original_c - SETPOINT_CHANGE_C, original_c)]
    return changes


@when(parsers.re(r"the (?P<alarm>" + "|".join(LIMIT_ALARMS) + r") alarm limit is widened and restored"),
      target_fixture="audited_changes")
def alarm_limit_changed_and_restored(campaign: CampaignContext, logged_in_user: str, alarm: str) -> AuditedChanges:
    """Move an alarm limit outward by a tenth of its high–low span and back, as the logged-in user (read back each time)."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    present, wider = widened_limit(controller, alarm)
    for old, new in ((present, wider), (wider, present)):
        controller.set_alarm_limit(alarm, new)
        read_back = controller.alarm_limit(alarm)
        assert abs(read_back - new) < 1e-6, f"{alarm} limit set to {new}, the controller reads back {read_back}"
        changes.changes.append((f"ALARM_LIMIT_{alarm}", old, new))
    return changes


@when("the temperature loop is put in manual at its present output and back to automatic",
      target_fixture="audited_changes")
def loop_manual_and_back(campaign: CampaignContext, logged_in_user: str) -> AuditedChanges:
    """Put the temperature loop in manual at the heater's present output (bumpless), read it back, then AUTO again."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    before = controller.loop_mode("TEMP")
    assert not before.manual, f"the temperature loop is already in manual at {before.output_pct} %"
    controller.set_loop_manual("TEMP", controller.heater_output_pct())
    try:
        manual = controller.loop_mode("TEMP")
        assert manual.manual, "the controller accepted manual mode but reports the loop in AUTO"
        changes.changes.append(("LOOP_MODE_TEMP", "AUTO", f"MAN {manual.output_pct}"))
    finally:
        controller.set_loop_auto("TEMP")
    assert not controller.loop_mode("TEMP").manual, "the temperature loop did not return to AUTO"
    changes.changes.append(("LOOP_MODE_TEMP", f"MAN {manual.output_pct}", "AUTO"))
    return changes


def _judge_audit(campaign: CampaignContext, audited: AuditedChanges, criterion_id: str) -> None:
    """Count the changes with no complete entry (user, action, old, new), plus entries showing a secret — judged."""
    missing, leaking, shown = audit_findings(campaign, audited)
    allure.attach("\n".join(str(e) for e in shown), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(missing) + len(leaking)), "controller", statistic="count"))
    expect_met(measurement, (f" (no entry for {missing})" if missing else "") + (
        f" (a password in entries {leaking})" if leaking else ""))


@then(parsers.parse("each change is in the audit trail with who, what, old and new value ({criterion_id})"))
@judges(criterion_id=COUNT)
def changes_audited(campaign: CampaignContext, audited_changes: AuditedChanges, criterion_id: str) -> None:
    """Count the changes with no complete audit entry (user, action, old, new, controller time) — judged."""
    _judge_audit(campaign, audited_changes, criterion_id)


@then(parsers.parse("each account change is in the audit trail with who, what, old and new value "
                    "and no password ({criterion_id})"))
@judges(criterion_id=COUNT)
def account_changes_audited(campaign: CampaignContext, new_account: NewAccount, criterion_id: str) -> None:
    """Count the account changes with no complete audit entry, plus entries that show the password — judged."""
    _judge_audit(campaign, new_account.audit, criterion_id)
