"""OQ steps: power failure and recovery through the PDU outlet feeding the controller.

The outlet is switched off for a while (the culture keeps living and
cooling), then on; the controller must boot, recover to READY or RUNNING
within the criterion, keep every audit-trail entry it had (no data loss),
keep its setpoints, and log the power failure::

    When the controller loses power for 2 minutes
    Then the controller is back in operation within OQ-POWER-RECOVERY-TIME
    And no audit-trail entry was lost (OQ-POWER-DATA-LOSS)
    And the setpoints are as before the power failure (OQ-POWER-SETPOINTS)
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_bdd import parsers, then, when

from mimedi_qual.lab.errors import InstrumentError
from mimedi_qual.lab.protocols import AuditEntry
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value

SECONDS_PER_MINUTE = 60.0
#: Bench seconds between status polls while the controller boots.
POLL_S = 1.0
#: Polling stops this many times past the criterion's limit.
POLL_HORIZON_FACTOR = 3.0
IN_OPERATION = ("READY", "RUNNING")


@dataclass
class PowerFailure:
    """What the controller held before the outlet went off, and when power came back."""

    duration_s: float
    audit_before: list[AuditEntry]
    setpoints_before: dict[str, float]
    restored_at_s: float = 0.0

    def __repr__(self) -> str:
        return f"<power off {self.duration_s:.0f} s>"


def _setpoints(controller) -> dict[str, float]:
    """The setpoints a power failure must not change. CO2 is left out: while it follows the pH
    loop the controller reports the blend the loop makes, which moves with the loop."""
    return {"temperature_c": controller.temperature_setpoint_c(), "ph": controller.ph_setpoint(),
            "do_pct": controller.do_setpoint_pct(), "rocking_rpm": controller.rocking_setpoint_rpm()}


@when(parsers.re(r"the controller loses power for (?P<duration_min>[\d.]+) minutes?"),
      converters={"duration_min": float}, target_fixture="power_failure")
def lose_power(campaign: CampaignContext, duration_min: float) -> PowerFailure:
    """Switch the controller's PDU outlet off for the duration, then on again."""
    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    failure = PowerFailure(duration_min * SECONDS_PER_MINUTE, controller.audit_entries(), _setpoints(controller))
    # The strategy drops the controller's connections with the power and knows the bench is booting after.
    campaign.bench.strategy().power_cut(failure.duration_s)
    reconnect_instruments(campaign)
    failure.restored_at_s = clock.now_s()
    return failure


def reconnect_instruments(campaign: CampaignContext) -> None:
    """Reopen every instrument session on next use.

    Closing the controller's session after a power cut also closes the other
    instruments' sessions (they share one PyVISA resource manager, and the
    SCPI driver closes it on deactivation): deactivate them all so labgrid
    reconnects each one cleanly when a step next asks for it.
    """
    target = campaign.bench.target
    for driver in list(target.drivers):
        if type(driver).__name__ in ("SCPIDriver", "MTSICSBalanceDriver"):
            target.deactivate(driver)


@then(parsers.parse("the controller is back in operation within {criterion_id}"))
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
    measurement = campaign.record(judge_value(criterion_id, criterion, recovered_s, "controller"))
    campaign.bench.ensure_state("ready")  # the strategy knows the bench is back
    assert measurement.passed, measurement.summary()


@then(parsers.parse("no audit-trail entry was lost ({criterion_id})"))
def no_audit_entry_lost(campaign: CampaignContext, power_failure: PowerFailure, criterion_id: str) -> None:
    """Count the entries from before the failure that are missing or altered afterwards (judged, max)."""
    after = campaign.bench.bioreactor().audit_entries()
    kept = {(e.number, e.controller_time_s, e.user, e.action, e.old_value, e.new_value, e.reason) for e in after}
    lost = [e for e in power_failure.audit_before
            if (e.number, e.controller_time_s, e.user, e.action, e.old_value, e.new_value, e.reason) not in kept]
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(lost)), "controller"))
    assert measurement.passed, measurement.summary() + f" (lost: {lost[:3]})"


@then(parsers.parse("the setpoints are as before the power failure ({criterion_id})"))
def setpoints_kept(campaign: CampaignContext, power_failure: PowerFailure, criterion_id: str) -> None:
    """Count the setpoints that changed across the failure (judged, max)."""
    after = _setpoints(campaign.bench.bioreactor())
    changed = {k: (v, after[k]) for k, v in power_failure.setpoints_before.items() if abs(after[k] - v) > 1e-9}
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(changed)), "controller"))
    assert measurement.passed, measurement.summary() + f" (changed: {changed})"


@then("the power failure is in the audit trail")
def power_failure_audited(campaign: CampaignContext, power_failure: PowerFailure) -> None:
    """A new audit-trail entry records the power failure or the restart after it."""
    new = campaign.bench.bioreactor().audit_entries(len(power_failure.audit_before) + 1)
    assert any("POWER" in e.action.upper() or "BOOT" in e.action.upper() for e in new), \
        f"no power/boot entry among the {len(new)} new audit entries: {new[:5]}"
