"""Steps that prepare the bench: readiness, the bag, setpoints, letting time pass.

The bench is brought to a state by the bench's strategy (off → powered →
ready → running) when the bench profile describes power and console; a
setpoint is always the *target of an acceptance criterion*, so the number a
scenario holds and the number it is judged against are one and the same::

    Given the bench is ready
    And the pH setpoint is the target of OQ-PH-ACC
    And the culture has settled for 2 hours
"""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.quantities import BY_NAME, ByParameter, TEMPERATURE, judges
from mimedi_qual.steps.actions.readiness import make_ready
from mimedi_qual.steps.actions.setpoints import return_co2_to_ph_loop, set_to_target, set_value

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_MINUTE = 60.0


@given("the bench is ready")
def bench_is_ready(campaign: CampaignContext) -> None:
    """The controller is powered and READY, every instrument answers its identity query, no interlock is active."""
    make_ready(campaign)


@given("a fresh culture bag is loaded")
def fresh_bag_loaded(campaign: CampaignContext) -> None:
    """A new bag of medium at room temperature sits on the heater plate."""
    campaign.bench.operator().load_fresh_bag()


@given(parsers.parse("the controller holds the target of {criterion_id}"))
@judges(criterion_id=TEMPERATURE)
def controller_holds_target(campaign: CampaignContext, criterion_id: str) -> None:
    """Set the culture temperature setpoint to the criterion's target value."""
    set_to_target(campaign, "temperature", criterion_id)


@given(parsers.re(r"the (?P<quantity>temperature|pH|DO|rocking speed|CO2) setpoint is the target of "
                  r"(?P<criterion_id>[\w-]+)"))
@when(parsers.re(r"the (?P<quantity>temperature|pH|DO|rocking speed|CO2) setpoint is changed to the target of "
                 r"(?P<criterion_id>[\w-]+)"))
@judges(criterion_id=ByParameter("quantity", BY_NAME))
def set_setpoint_to_target(campaign: CampaignContext, quantity: str, criterion_id: str) -> None:
    """Set a controller setpoint (temperature, pH, DO, rocking speed, CO2) to the criterion's target."""
    set_to_target(campaign, quantity, criterion_id)


@given(parsers.re(r"the (?P<quantity>temperature|pH|DO|rocking speed|CO2) setpoint is set to (?P<value>[\d.]+)"
                  r"(?: (?P<unit>°C|% air saturation|rpm|%))?"),
       converters={"value": float})
@when(parsers.re(r"the (?P<quantity>temperature|pH|DO|rocking speed|CO2) setpoint is changed to (?P<value>[\d.]+)"
                 r"(?: (?P<unit>°C|% air saturation|rpm|%))?"),
      converters={"value": float})
def set_setpoint(campaign: CampaignContext, quantity: str, value: float, unit: str | None) -> None:
    """Set a controller setpoint to a stated value (a test condition, not an acceptance limit)."""
    set_value(campaign, quantity, value)


@given("the CO2 supply follows the pH loop")
@when("the CO2 supply is returned to the pH loop")
def co2_follows_ph_loop(campaign: CampaignContext) -> None:
    """Give the CO2 valve back to the pH controller (no fixed CO2 blend)."""
    return_co2_to_ph_loop(campaign)


@given(parsers.re(r"the culture has settled for (?P<duration_h>[\d.]+) hours?"),
       converters={"duration_h": float})
@when(parsers.re(r"(?P<duration_h>[\d.]+) hours? pass(?:es)?"), converters={"duration_h": float})
def time_passes(campaign: CampaignContext, duration_h: float) -> None:
    """Let bench time pass (sleeps on a real bench, advances a simulated one)."""
    campaign.bench.clock().wait_s(duration_h * SECONDS_PER_HOUR)


@when(parsers.re(r"(?P<duration_min>[\d.]+) minutes? pass(?:es)?"), converters={"duration_min": float})
def minutes_pass(campaign: CampaignContext, duration_min: float) -> None:
    """Let a few minutes of bench time pass."""
    campaign.bench.clock().wait_s(duration_min * SECONDS_PER_MINUTE)
