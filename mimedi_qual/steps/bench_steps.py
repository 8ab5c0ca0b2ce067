"""Steps that prepare the bench: readiness, the bag, setpoints, letting time pass."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from mimedi_qual.plugin.context import CampaignContext

SECONDS_PER_HOUR = 3600.0


@given("the bench is ready")
def bench_is_ready(campaign: CampaignContext) -> None:
    """Every instrument of the bench answers its identity query."""
    for name in campaign.bench.profile.instruments:
        campaign.bench.identify(name)


@given("a fresh culture bag is loaded")
def fresh_bag_loaded(campaign: CampaignContext) -> None:
    """A new bag of medium at room temperature sits on the heater plate."""
    campaign.bench.operator().load_fresh_bag()


@given(parsers.parse("the controller holds the target of {criterion_id}"))
def controller_holds_target(campaign: CampaignContext, criterion_id: str) -> None:
    """Set the culture temperature setpoint to the criterion's target value."""
    criterion = campaign.criterion(criterion_id)
    if criterion.target is None:
        raise ValueError(f"{criterion_id} has no target value to hold")
    controller = campaign.bench.bioreactor(campaign.bench.name_of_kind("bioreactor"))
    controller.set_temperature_setpoint_c(criterion.target)


@given(parsers.re(r"the culture has settled for (?P<duration_h>[\d.]+) hours?"),
       converters={"duration_h": float})
@when(parsers.re(r"(?P<duration_h>[\d.]+) hours? pass"), converters={"duration_h": float})
def time_passes(campaign: CampaignContext, duration_h: float) -> None:
    """Let bench time pass (sleeps on a real bench, advances a simulated one)."""
    campaign.bench.clock().wait_s(duration_h * SECONDS_PER_HOUR)
