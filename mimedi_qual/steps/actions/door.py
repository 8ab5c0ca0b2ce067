"""The incubator door, opened and closed by the bench rig's door switch (a Modbus coil, 1 = open).

The coil is read back after every write: labgrid's Modbus coil driver does
not notice a write that did not take. An opened door is closed again when
the scenario ends, whatever happens::

    open_door(campaign, bench_cleanup)
    close_door(campaign)
"""

from __future__ import annotations

from mimedi_qual.lab.strategy import set_coil_checked
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.cleanup import BenchCleanup

CLOSE_THE_DOOR = "close the door"


def close_door(campaign: CampaignContext) -> None:
    """Door switch coil to 0 (read back)."""
    set_coil_checked(campaign.bench.door(), False, "door switch")


def open_door(campaign: CampaignContext, cleanup: BenchCleanup) -> None:
    """Door switch coil to 1 (read back); the door is closed when the scenario ends."""
    cleanup.register(CLOSE_THE_DOOR, lambda: close_door(campaign))
    set_coil_checked(campaign.bench.door(), True, "door switch")


def open_door_for(campaign: CampaignContext, cleanup: BenchCleanup, duration_s: float) -> None:
    """Open the door, let ``duration_s`` of bench time pass, close it again."""
    open_door(campaign, cleanup)
    campaign.bench.clock().wait_s(duration_s)
    close_door(campaign)
