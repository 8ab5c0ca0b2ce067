"""OQ steps: power failure and recovery through the PDU outlet feeding the controller.

The outlet is switched off for a while (the culture keeps living and
cooling), then on; the controller must boot, recover to READY or RUNNING
within the criterion, keep every audit-trail entry it had (no data loss),
keep its setpoints, and log the power failure::

    When the controller loses power for 2 minutes
    Then the controller is back in operation within OQ-POWER-RECOVERY-TIME
    And no audit-trail entry was lost (OQ-POWER-DATA-LOSS)
    And the setpoints are as before the power failure (OQ-POWER-SETPOINTS)

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from mimedi_qual.errors import InstrumentError
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, TIME_S, judges
from mimedi_qual.steps.actions.power import PowerFailure, lose_power, setpoints_held
from mimedi_qual.steps.actions.verdicts import expect_met

SECONDS_PER_MINUTE = 60.0
#: Bench seconds between status polls while the controller boots.
POLL_S = 1.0
#: Polling stops this many times past the criterion's limit.
POLL_HORIZON_FACTOR = 3.0
IN_OPERATION = ("READY", "RUNNING")


@when(parsers.re(r"the controller loses power for (?P<duration_min>[\d.]+) minutes?"),
      converters={"duration_min": float}, target_fixture="power_failure")
def power_lost(campaign: CampaignContext, duration_min: float) -> PowerFailure:
    """Switch the controller's PDU outlet off for the duration, then on again."""
    return lose_power(campaign, duration_min * SECONDS_PER_MINUTE)


@then(parsers.parse("the controller is back in operation within {criterion_id}"))
@judges(criterion_id=TIME_S)
def back_in_operation(campaign: CampaignContext, power_failure: PowerFailure, criterion_id: str) -> None:
    """Seconds from power back to status READY or RUNNING (judged, max)."""
    criterion = campaign.criterion(criterion_id)
    clock = campaign.bench.clock()
    horizon_s = (criterion.high or 600.0) * POLL_HORIZON_FACTOR
    recovered_s = float("nan")
    while clock.now_s() - power_failure.restored_at_s <= horizon_s:
        try:
            if campaign.bench.bioreactor().operation_status() in IN_OPERATION:
                recovered_s = clock.now_s() - power_failure.restored_at_s
                break
        except InstrumentError:
            pass  # still booting: not answering yet
        clock.wait_s(POLL_S)
    measurement = campaign.record(judge_value(criterion_id, criterion, recovered_s, "controller",
                                              statistic="time until the controller answered"))
    campaign.bench.ensure_state("ready")  # the strategy knows the bench is back
    expect_met(measurement)


@then(parsers.parse("no audit-trail entry was lost ({criterion_id})"))
@judges(criterion_id=COUNT)
def no_audit_entry_lost(campaign: CampaignContext, power_failure: PowerFailure, criterion_id: str) -> None:
    """Count the entries from before the failure that are missing or altered afterwards (judged, max)."""
    after = campaign.bench.bioreactor().audit_entries()
    kept = {(e.number, e.time_utc, e.user, e.action, e.old_value, e.new_value, e.reason) for e in after}
    lost = [e for e in power_failure.audit_before
            if (e.number, e.time_utc, e.user, e.action, e.old_value, e.new_value, e.reason) not in kept]
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(lost)), "controller", statistic="count"))
    expect_met(measurement, f" (lost: {lost[:3]})")


@then(parsers.parse("the setpoints are as before the power failure ({criterion_id})"))
@judges(criterion_id=COUNT)
def setpoints_kept(campaign: CampaignContext, power_failure: PowerFailure, criterion_id: str) -> None:
    """Count the setpoints that changed across the failure (judged, max)."""
    after = setpoints_held(campaign.bench.bioreactor())
    changed = {k: (v, after[k]) for k, v in power_failure.setpoints_before.items() if abs(after[k] - v) > 1e-9}
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(changed)), "controller", statistic="count"))
    expect_met(measurement, f" (changed: {changed})")


@then("the power failure is in the audit trail")
def power_failure_audited(campaign: CampaignContext, power_failure: PowerFailure) -> None:
    """A new audit-trail entry records the power failure or the restart after it."""
    new = campaign.bench.bioreactor().audit_entries(len(power_failure.audit_before) + 1)
    assert any("POWER" in e.action.upper() or "BOOT" in e.action.upper() for e in new), \
        f"no power/boot entry among the {len(new)} new audit entries: {new[:5]}"
