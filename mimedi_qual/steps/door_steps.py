"""Steps about the incubator door: opened and closed by the bench rig's door switch.

The rig drives the door switch through a Modbus coil (1 = open); the coil is
read back after every write (labgrid does not notice a failed write, TRAPS 10)::

    When the door is opened for 10 minutes
    When the door is opened
    And the door is closed
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_bdd import parsers, when

from mimedi_qual.lab.strategy import set_coil_checked
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.alarm_steps import BenchCleanup, FaultEvent

SECONDS_PER_MINUTE = 60.0


@dataclass
class DoorOpening:
    """When the door was opened (bench time) and the audit-trail length then."""

    opened_at_s: float
    audit_count_before: int

    def __repr__(self) -> str:
        return f"<door opened at {self.opened_at_s:.0f} s>"


@when("the door is opened", target_fixture="fault_event")
def door_opened(campaign: CampaignContext, bench_cleanup: BenchCleanup) -> FaultEvent:
    """Open the door (rig coil to 1); alarm steps measure their delay from this moment."""
    audit_before = campaign.bench.bioreactor().audit_count()
    bench_cleanup.register("close the door", lambda: set_coil_checked(campaign.bench.door(), False, "door switch"))
    set_coil_checked(campaign.bench.door(), True, "door switch")
    return FaultEvent("door opened", campaign.bench.clock().now_s(), audit_before)


@when("the door is closed")
def door_closed(campaign: CampaignContext) -> None:
    """Close the door (rig coil to 0)."""
    set_coil_checked(campaign.bench.door(), False, "door switch")


@when(parsers.re(r"the door is opened for (?P<duration_min>[\d.]+) minutes?"), converters={"duration_min": float})
def door_opened_for(campaign: CampaignContext, bench_cleanup: BenchCleanup, duration_min: float) -> None:
    """Open the door, let the time pass, close it again."""
    bench_cleanup.register("close the door", lambda: set_coil_checked(campaign.bench.door(), False, "door switch"))
    set_coil_checked(campaign.bench.door(), True, "door switch")
    campaign.bench.clock().wait_s(duration_min * SECONDS_PER_MINUTE)
    set_coil_checked(campaign.bench.door(), False, "door switch")
