"""OQ steps: alarms and interlocks, forced by causing their condition.

A fault is injected on the bench (simulated bench: the simulation channel;
real bench: the engineer is prompted), then the controller must annunciate
the alarm within the criterion's delay, raise the alarm relay, engage the
interlock where one is specified, log it in the audit trail, and let an
operator acknowledge it::

    When the fault HEATER_FAIL is injected
    Then the alarm TEMP_LOW is annunciated within OQ-ALARM-TEMP-DELAY
    And the alarm relay is energised
    And the interlock OVER_TEMPERATURE is active
    When the faults are cleared
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged

Low DO and low pH are caused the way an engineer does it on a rocking
bioreactor: nitrogen on the gas inlets (``When the fault NITROGEN_PURGE is
injected``) and acid into the bag (``When an acid bolus of 10 mmol is added
through the sample port``, then ``When 3000 mL of fresh medium are perfused
through the bag at 25 mL/min`` to give the next scenario its medium back).

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from mimedi_qual.errors import ProtocolError
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import TIME_S, judges
from mimedi_qual.steps.actions.faults import (
    EXCHANGE_MEDIUM,
    FaultEvent,
    add_acid_bolus,
    clear_faults,
    force_setpoint,
    inject,
)
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.actions.pumps import exchange_medium
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup

#: How often the controller's alarm list is polled while waiting, in bench seconds.
POLL_S = 5.0
#: Polling stops this many times past the criterion's limit (the delay is then reported as not met).
POLL_HORIZON_FACTOR = 3.0


@pytest.fixture
def scenario_faults() -> list[FaultEvent]:
    """Every fault the scenario caused, in order: "since the fault" looks back to the first, or to a named one."""
    return []


def remembered(scenario_faults: list[FaultEvent], event: FaultEvent) -> FaultEvent:
    scenario_faults.append(event)
    return event


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected"), target_fixture="fault_event")
def inject_fault(campaign: CampaignContext, bench_cleanup: BenchCleanup, scenario_faults: list[FaultEvent],
                 fault: str) -> FaultEvent:
    """Cause a fault that has no target (HEATER_FAIL, DOOR_OPEN, POWER_LOSS, NITROGEN_PURGE)."""
    return remembered(scenario_faults, inject(campaign, bench_cleanup, fault))


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected on (?P<target>[\w-]+)"), target_fixture="fault_event")
def inject_fault_on(campaign: CampaignContext, bench_cleanup: BenchCleanup, scenario_faults: list[FaultEvent],
                    fault: str, target: str) -> FaultEvent:
    """Cause a fault on one target (SENSOR_FAIL on TEMP, PUMP_OCCLUSION on BASE, GAS_LOSS on CO2)."""
    return remembered(scenario_faults, inject(campaign, bench_cleanup, fault, target))


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected on (?P<target>[\w-]+) at (?P<value>[-\d.]+)"),
      target_fixture="fault_event")
def inject_fault_with_value(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                            scenario_faults: list[FaultEvent], fault: str, target: str, value: str) -> FaultEvent:
    """Cause a fault with a magnitude (SENSOR_DRIFT on PH at 0.2 — units per hour)."""
    return remembered(scenario_faults, inject(campaign, bench_cleanup, fault, target, value))


@when(parsers.re(r"an acid bolus of (?P<acid_mmol>\d+(?:\.\d+)?) mmol is added through the sample port"),
      target_fixture="fault_event")
def acid_bolus_added(campaign: CampaignContext, bench_cleanup: BenchCleanup, scenario_faults: list[FaultEvent],
                     acid_mmol: str) -> FaultEvent:
    """Add that much acid to the bag at once (ACID_BOLUS): the pH falls below its low limit.

    The amount is a test condition, written in the scenario like a forced
    setpoint: large enough to hold the pH below the PH_LOW limit well past the
    alarm's on-delay while the loop adds base, small enough to keep it inside
    the pH probe's range. A one-shot addition — clearing the faults undoes
    nothing, the culture recovers through its own pH loop. Should the scenario
    stop before its medium exchange, the cleanup exchanges the medium instead,
    so that one deviation does not spill into the next scenarios' pH.
    """
    return remembered(scenario_faults, add_acid_bolus(campaign, bench_cleanup, acid_mmol))


@when(parsers.re(r"(?P<volume_ml>\d+(?:\.\d+)?) mL of fresh medium are perfused through the bag at "
                 r"(?P<flow_ml_min>\d+(?:\.\d+)?) mL/min"), converters={"volume_ml": float, "flow_ml_min": float})
def medium_exchanged(campaign: CampaignContext, bench_cleanup: BenchCleanup, volume_ml: float,
                     flow_ml_min: float) -> None:
    """Exchange the bag's medium through the perfusion pump (fresh in, spent out) and wait until it is done.

    A chemical challenge leaves the medium changed: the pH loop answers an acid
    bolus with base for as long as the pH stays low — mostly the CO2 the acid
    set free, which base cannot remove — so the bag ends with surplus
    bicarbonate that the CO2 valve cannot bring back to the low pH setpoints.
    Perfusing a few bag volumes of fresh medium restores the medium, as an
    engineer would after the challenge. The volume and flow are test conditions.
    """
    exchange_medium(campaign, volume_ml, flow_ml_min)
    bench_cleanup.done(EXCHANGE_MEDIUM)


@when("the faults are cleared")
def faults_cleared(campaign: CampaignContext) -> None:
    """Remove every injected fault."""
    clear_faults(campaign)


@then(parsers.re(r"the alarm (?P<alarm>[A-Z][A-Z0-9_]*) is annunciated within (?P<criterion_id>[\w-]+)"))
@judges(criterion_id=TIME_S)
def alarm_annunciated_within(campaign: CampaignContext, fault_event: FaultEvent, alarm: str,
                             criterion_id: str) -> None:
    """Seconds from the fault to the alarm appearing in the controller's active alarms, judged (max delay)."""
    criterion = campaign.criterion(criterion_id)
    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    horizon_s = (criterion.high or criterion.low or 600.0) * POLL_HORIZON_FACTOR
    delay_s = float("nan")
    while clock.now_s() - fault_event.injected_at_s <= horizon_s:
        if alarm in controller.active_alarms():
            delay_s = clock.now_s() - fault_event.injected_at_s
            break
        clock.wait_s(POLL_S)
    measurement = campaign.record(judge_value(criterion_id, criterion, delay_s, "controller",
                                              statistic="delay from the fault to the alarm"))
    expect_met(measurement, f" (alarms: {controller.active_alarms()})")


@then("the alarm relay is energised")
def alarm_relay_energised(campaign: CampaignContext) -> None:
    """The controller's alarm relay coil reads 1 (an unacknowledged alarm is signalled to the plant)."""
    assert campaign.bench.alarm_relay().get(), "alarm relay coil reads 0 while an alarm is unacknowledged"


@then("the alarm relay is released")
def alarm_relay_released(campaign: CampaignContext) -> None:
    """The alarm relay coil reads 0 (nothing left unacknowledged)."""
    assert not campaign.bench.alarm_relay().get(), "alarm relay coil still reads 1"


@then(parsers.re(r"the interlock (?P<interlock>[A-Z][A-Z0-9_]*) is active"))
def interlock_active(campaign: CampaignContext, interlock: str) -> None:
    """The controller reports the interlock among its active interlocks."""
    active = campaign.bench.bioreactor().active_interlocks()
    assert interlock in active, f"interlock {interlock} not active (active: {active or 'none'})"


@then("no interlock is active")
def no_interlock_active(campaign: CampaignContext) -> None:
    """The controller reports no active interlock."""
    active = campaign.bench.bioreactor().active_interlocks()
    assert not active, f"interlocks still active: {active}"


@then(parsers.re(r"the alarm (?P<alarm>[A-Z][A-Z0-9_]*) is in the audit trail"))
def alarm_in_audit_trail(campaign: CampaignContext, scenario_faults: list[FaultEvent], alarm: str) -> None:
    """The controller's own ALARM_RAISED entry for the alarm, written since the scenario's first fault."""
    if not scenario_faults:
        raise ProtocolError(None, None, "'the alarm … is in the audit trail' looks back to the scenario's first "
                                        "fault, and this scenario caused none (When the fault … is injected)")
    _expect_alarm_raised(campaign, scenario_faults[0], alarm)


@then(parsers.re(r"the alarm (?P<alarm>[A-Z][A-Z0-9_]*) is in the audit trail since the fault "
                 r"(?P<fault>[A-Z][A-Z0-9_]*)"))
def alarm_in_audit_trail_since(campaign: CampaignContext, scenario_faults: list[FaultEvent], alarm: str,
                               fault: str) -> None:
    """The controller's own ALARM_RAISED entry for the alarm, written since the named fault was last caused."""
    caused = [event for event in scenario_faults if event.fault.split(",")[0] == fault]
    if not caused:
        raise ProtocolError(None, None, f"the scenario caused no fault {fault} before this step "
                                        f"(it caused: {', '.join(e.fault for e in scenario_faults) or 'none'})")
    _expect_alarm_raised(campaign, caused[-1], alarm)


def _expect_alarm_raised(campaign: CampaignContext, since: FaultEvent, alarm: str) -> None:
    entries = campaign.bench.bioreactor().audit_entries(since.audit_count_before + 1)
    assert any(e.action == "ALARM_RAISED" and e.new_value == alarm for e in entries), \
        f"no ALARM_RAISED entry for {alarm} among the {len(entries)} entries since the fault {since.fault}"


@given("the operator acknowledges the alarms")
@when("the operator acknowledges the alarms")
def operator_acknowledges(campaign: CampaignContext) -> None:
    """An OPERATOR logs in and acknowledges every alarm."""
    log_in_as(campaign, "OPERATOR")
    campaign.bench.bioreactor().acknowledge_alarms()


@then("no alarm is left unacknowledged")
def none_unacknowledged(campaign: CampaignContext) -> None:
    """The controller lists no latched, unacknowledged alarm."""
    left = campaign.bench.bioreactor().unacknowledged_alarms()
    assert not left, f"still unacknowledged: {left}"


@when(parsers.re(r"the (?P<quantity>temperature|pH|DO) setpoint is forced to (?P<value>[\d.]+)"
                 r"(?: (?P<unit>°C|% air saturation))? beyond its alarm limit"),
      converters={"value": float}, target_fixture="fault_event")
def setpoint_forced_beyond_limit(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                                 scenario_faults: list[FaultEvent], quantity: str, value: float,
                                 unit: str | None) -> FaultEvent:
    """Drive the culture past an alarm limit through its setpoint (for conditions no fault can cause).

    The heater cannot be made to fail *on*, so a high-temperature condition is
    caused by asking for it; the old setpoint is restored when the scenario ends.
    """
    return remembered(scenario_faults, force_setpoint(campaign, bench_cleanup, quantity, value))
