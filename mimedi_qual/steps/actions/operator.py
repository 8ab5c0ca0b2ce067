"""Who is logged in to the controller: accounts by access level, never by name.

The account for a level comes from the bench — on a simulated bench from the
bench profile, on a real bench from ``MIMEDI_<LEVEL>_USER`` /
``MIMEDI_<LEVEL>_PASSWORD`` — so no password reaches a feature file or the
report::

    user = log_in_as(campaign, "SUPERVISOR")     # 'sup1' on the simulated bench
    ensure_operator(campaign)                    # process writes need at least OPERATOR
    with as_admin(campaign) as controller:       # look with ADMIN rights, then back
        controller.accounts()
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from mimedi_qual.errors import BenchError
from mimedi_qual.lab.protocols import BioreactorProtocol
from mimedi_qual.plugin.context import CampaignContext

LEVELS = ("OPERATOR", "SUPERVISOR", "ADMIN")
#: How the controller records a change or an attempt made without a login.
ANONYMOUS = "ANONYMOUS"


def credentials(campaign: CampaignContext, level: str) -> tuple[str, str]:
    """(user, password) of an account with access ``level`` on this bench."""
    simulation = campaign.bench.profile.simulation
    if simulation is not None:
        for account in simulation.controller.accounts:
            if account.level == level:
                return account.user, account.password
    user, password = os.environ.get(f"MIMEDI_{level}_USER"), os.environ.get(f"MIMEDI_{level}_PASSWORD")
    if not user or not password:
        raise BenchError(f"no {level} account: set MIMEDI_{level}_USER and MIMEDI_{level}_PASSWORD")
    return user, password


def log_in_as(campaign: CampaignContext, level: str) -> str:
    """Log in with an account of ``level`` (``NONE``: log out); returns the user name the controller records."""
    controller = campaign.bench.bioreactor()
    controller.logout()
    if level == "NONE":
        return ANONYMOUS
    user, password = credentials(campaign, level)
    controller.login(user, password)
    return user


def ensure_operator(campaign: CampaignContext) -> None:
    """Process writes need an OPERATOR login: log one in unless someone with rights already is."""
    if campaign.bench.bioreactor().access_level() == "NONE":
        log_in_as(campaign, "OPERATOR")


@contextlib.contextmanager
def as_admin(campaign: CampaignContext) -> Iterator[BioreactorProtocol]:
    """Look with an ADMIN's rights, then log back in at the level the scenario had."""
    controller = campaign.bench.bioreactor()
    level = controller.access_level()
    log_in_as(campaign, "ADMIN")
    try:
        yield controller
    finally:
        log_in_as(campaign, level)
