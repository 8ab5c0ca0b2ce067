"""Steps about the incubator door: opened and closed by the bench rig's door switch.

The rig drives the door switch through a Modbus coil (1 = open), read back
after every write; an opened door is closed again when the scenario ends::

    When the door is opened for 10 minutes
    When the door is opened
    And the door is closed
"""

from __future__ import annotations

from pytest_bdd import parsers, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.door import close_door, open_door, open_door_for
from mimedi_qual.steps.actions.faults import FaultEvent
from mimedi_qual.steps.cleanup import BenchCleanup

SECONDS_PER_MINUTE = 60.0


@when("the door is opened", target_fixture="fault_event")
def door_opened(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                scenario_faults: list[FaultEvent]) -> FaultEvent:
    """Open the door (rig coil to 1); alarm steps measure their delay from this moment."""
    audit_before = campaign.bench.bioreactor().audit_count()
    open_door(campaign, bench_cleanup)
    event = FaultEvent("DOOR_OPEN", campaign.bench.clock().now_s(), audit_before)
    scenario_faults.append(event)  # the fixture of alarm_steps: "since the fault" counts from the first
    return event


@when("the door is closed")
def door_closed(campaign: CampaignContext) -> None:
    """Close the door (rig coil to 0)."""
    close_door(campaign)


@when(parsers.re(r"the door is opened for (?P<duration_min>[\d.]+) minutes?"), converters={"duration_min": float})
def door_opened_for(campaign: CampaignContext, bench_cleanup: BenchCleanup, duration_min: float) -> None:
    """Open the door, let the time pass, close it again."""
    open_door_for(campaign, bench_cleanup, duration_min * SECONDS_PER_MINUTE)
