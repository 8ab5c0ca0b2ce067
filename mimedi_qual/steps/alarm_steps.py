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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pytest_bdd import given, parsers, then, when

from mimedi_qual.lab.drivers.faults import fault_injector
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.steps.access_steps import log_in_as
from mimedi_qual.steps.waiting import wait_for_pump_idle

#: How often the controller's alarm list is polled while waiting, in bench seconds.
POLL_S = 5.0
#: Polling stops this many times past the criterion's limit (the delay is then reported as not met).
POLL_HORIZON_FACTOR = 3.0
#: How long a medium exchange may run past its programmed time before the step fails, in bench seconds.
PUMP_GRACE_S = 300.0
SECONDS_PER_MINUTE = 60.0
#: An acid challenge that ends before its own medium exchange (a deviation) still leaves the next
#: scenario a usable medium: the cleanup lets the acid's CO2 leave (the loop stops adding base),
#: then perfuses this many bag volumes at this flow — what the scenario itself does.
CLEANUP_SETTLE_S = 3600.0
CLEANUP_EXCHANGE_BAG_VOLUMES = 3.0
CLEANUP_EXCHANGE_FLOW_ML_MIN = 25.0
EXCHANGE_MEDIUM = "exchange the challenged medium"


class BenchCleanup:
    """Undo actions a scenario registered (clear faults, close the door), run when it ends.

    A scenario that fails halfway must not leave the bench faulted for the next
    one: the fault steps register their undo here and the fixture runs them
    whatever the outcome.
    """

    def __init__(self) -> None:
        self.actions: dict[str, Callable[[], None]] = {}

    def __repr__(self) -> str:
        return f"<cleanup: {', '.join(self.actions) or 'nothing'}>"

    def register(self, name: str, action: Callable[[], None]) -> None:
        self.actions.setdefault(name, action)

    def done(self, name: str) -> None:
        """The scenario carried out this undo itself: nothing left to do at the end."""
        self.actions.pop(name, None)

    def run(self) -> None:
        for action in reversed(list(self.actions.values())):
            try:
                action()
            except Exception:  # noqa: BLE001 - cleanup must try every action; the scenario's own error matters
                pass


@pytest.fixture
def bench_cleanup(campaign: CampaignContext):
    """Per scenario: undo what fault and door steps did, even when the scenario fails."""
    cleanup = BenchCleanup()
    yield cleanup
    cleanup.run()


@dataclass
class FaultEvent:
    """When a fault was caused (bench time) and the audit-trail length then."""

    fault: str
    injected_at_s: float
    audit_count_before: int

    def __repr__(self) -> str:
        return f"<fault {self.fault} at {self.injected_at_s:.0f} s>"


def _inject(campaign: CampaignContext, cleanup: BenchCleanup, fault: str, target: str = "",
            value: str = "") -> FaultEvent:
    controller = campaign.bench.bioreactor()
    audit_before = controller.audit_count()
    injector = fault_injector(campaign.bench)
    cleanup.register("clear faults", injector.clear)
    injector.inject(fault, target, value)
    return FaultEvent(",".join(p for p in (fault, target, value) if p), campaign.bench.clock().now_s(), audit_before)


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected"), target_fixture="fault_event")
def inject_fault(campaign: CampaignContext, bench_cleanup: BenchCleanup, fault: str) -> FaultEvent:
    """Cause a fault that has no target (HEATER_FAIL, DOOR_OPEN, POWER_LOSS, NITROGEN_PURGE)."""
    return _inject(campaign, bench_cleanup, fault)


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected on (?P<target>[\w-]+)"), target_fixture="fault_event")
def inject_fault_on(campaign: CampaignContext, bench_cleanup: BenchCleanup, fault: str, target: str) -> FaultEvent:
    """Cause a fault on one target (SENSOR_FAIL on TEMP, PUMP_OCCLUSION on BASE, GAS_LOSS on CO2)."""
    return _inject(campaign, bench_cleanup, fault, target)


@when(parsers.re(r"the fault (?P<fault>[A-Z][A-Z0-9_]*) is injected on (?P<target>[\w-]+) at (?P<value>[-\d.]+)"),
      target_fixture="fault_event")
def inject_fault_with_value(campaign: CampaignContext, bench_cleanup: BenchCleanup, fault: str, target: str,
                            value: str) -> FaultEvent:
    """Cause a fault with a magnitude (SENSOR_DRIFT on PH at 0.2 — units per hour)."""
    return _inject(campaign, bench_cleanup, fault, target, value)


@when(parsers.re(r"an acid bolus of (?P<acid_mmol>\d+(?:\.\d+)?) mmol is added through the sample port"),
      target_fixture="fault_event")
def acid_bolus_added(campaign: CampaignContext, bench_cleanup: BenchCleanup, acid_mmol: str) -> FaultEvent:
    """Add that much acid to the bag at once (ACID_BOLUS): the pH falls below its low limit.

    The amount is a test condition, written in the scenario like a forced
    setpoint: large enough to hold the pH below the PH_LOW limit well past the
    alarm's on-delay while the loop adds base, small enough to keep it inside
    the pH probe's range. A one-shot addition — clearing the faults undoes
    nothing, the culture recovers through its own pH loop. Should the scenario
    stop before its medium exchange, the cleanup exchanges the medium instead,
    so that one deviation does not spill into the next scenarios' pH.
    """
    event = _inject(campaign, bench_cleanup, "ACID_BOLUS", "", acid_mmol)

    def exchange() -> None:
        campaign.bench.clock().wait_s(CLEANUP_SETTLE_S)
        # the bag's weight in g as its volume in mL (tare included: a little more, never less)
        volume_ml = CLEANUP_EXCHANGE_BAG_VOLUMES * campaign.bench.bioreactor().read_weight_g()
        _exchange_medium(campaign, volume_ml, CLEANUP_EXCHANGE_FLOW_ML_MIN)

    bench_cleanup.register(EXCHANGE_MEDIUM, exchange)
    return event


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
    _exchange_medium(campaign, volume_ml, flow_ml_min)
    bench_cleanup.done(EXCHANGE_MEDIUM)


def _exchange_medium(campaign: CampaignContext, volume_ml: float, flow_ml_min: float) -> None:
    """Perfuse ``volume_ml`` of fresh medium through the bag and wait until the pump is idle again."""
    from mimedi_qual.steps.bench_steps import ensure_operator

    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    ensure_operator(campaign)
    controller.dispense("PERFUSION", volume_ml, flow_ml_min)
    clock.wait_s(volume_ml / flow_ml_min * SECONDS_PER_MINUTE)
    if not wait_for_pump_idle(controller, clock, "PERFUSION", PUMP_GRACE_S, POLL_S):
        raise AssertionError(f"perfusion of {volume_ml:g} mL at {flow_ml_min:g} mL/min still running "
                             f"{PUMP_GRACE_S:.0f} s after its time")


@when("the faults are cleared")
def clear_faults(campaign: CampaignContext) -> None:
    """Remove every injected fault."""
    fault_injector(campaign.bench).clear()


@then(parsers.re(r"the alarm (?P<alarm>[A-Z][A-Z0-9_]*) is annunciated within (?P<criterion_id>[\w-]+)"))
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
    measurement = campaign.record(judge_value(criterion_id, criterion, delay_s, "controller"))
    assert measurement.passed, measurement.summary() + f" (alarms: {controller.active_alarms()})"


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
def alarm_in_audit_trail(campaign: CampaignContext, fault_event: FaultEvent, alarm: str) -> None:
    """The controller's own ALARM_RAISED entry for the alarm, written since the fault."""
    entries = campaign.bench.bioreactor().audit_entries(fault_event.audit_count_before + 1)
    assert any(e.action == "ALARM_RAISED" and e.new_value == alarm for e in entries), \
        f"no ALARM_RAISED entry for {alarm} among {len(entries)} new entries"


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
def setpoint_forced_beyond_limit(campaign: CampaignContext, bench_cleanup: BenchCleanup, quantity: str,
                                 value: float, unit: str | None) -> FaultEvent:
    """Drive the culture past an alarm limit through its setpoint (for conditions no fault can cause).

    The heater cannot be made to fail *on*, so a high-temperature condition is
    caused by asking for it; the old setpoint is restored when the scenario ends.
    """
    from mimedi_qual.steps.bench_steps import SETPOINTS, ensure_operator

    controller = campaign.bench.bioreactor()
    ensure_operator(campaign)
    getter = {"temperature": controller.temperature_setpoint_c, "pH": controller.ph_setpoint,
              "DO": controller.do_setpoint_pct}[quantity]
    setter = getattr(controller, SETPOINTS[quantity])
    old_value = getter()
    bench_cleanup.register(f"restore the {quantity} setpoint",
                           lambda: getattr(campaign.bench.bioreactor(), SETPOINTS[quantity])(old_value))
    audit_before = controller.audit_count()
    setter(value)
    return FaultEvent(f"{quantity} setpoint {value:g}", campaign.bench.clock().now_s(), audit_before)
