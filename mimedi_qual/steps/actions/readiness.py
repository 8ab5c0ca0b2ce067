"""Bringing the bench to READY before a scenario: powered, every instrument answering, no interlock left.

The bench's strategy (off → powered → ready → running) does the power-up
where the bench profile describes power and console; an interlock left by
the previous scenario (an unclamped line needs a control period or two) gets
a short while to release::

    make_ready(campaign)     # AssertionError naming the interlocks still active
"""

from __future__ import annotations

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.waiting import wait_until

#: Bench time an interlock left by the previous scenario gets to release (an unclamped line
#: needs a control period or two; a door left open does not release and fails readiness).
READY_INTERLOCK_WAIT_S = 30.0
READY_POLL_S = 1.0


def has_strategy(campaign: CampaignContext) -> bool:
    """The bench profile describes power and console, so the strategy can bring the bench to a state."""
    profile = campaign.bench.profile
    return profile.power is not None and profile.console is not None


def make_ready(campaign: CampaignContext) -> None:
    """The controller powered and READY, every instrument answering its identity query, no interlock active."""
    if has_strategy(campaign):
        campaign.bench.ensure_state("ready")
    for name in campaign.bench.profile.instruments:
        campaign.bench.identify(name)
    if not wait_until(campaign.bench.clock(), lambda: not campaign.bench.bioreactor().active_interlocks(),
                      READY_INTERLOCK_WAIT_S, READY_POLL_S):
        active = campaign.bench.bioreactor().active_interlocks()
        raise AssertionError(f"bench not ready: interlock(s) {', '.join(active)} still active "
                             f"{READY_INTERLOCK_WAIT_S:.0f} s after the scenario began")
