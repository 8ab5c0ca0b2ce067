"""OQ steps: logging in to the controller by access level, and process changes refused without a login.

Users are named by access level, never by account: the step finds the
account for the level — on a simulated bench from the bench profile, on a
real bench from ``MIMEDI_<LEVEL>_USER`` / ``MIMEDI_<LEVEL>_PASSWORD`` — so no
password reaches a feature file or the report::

    Given nobody is logged in to the controller
    Then process changes are refused as protected (OQ-ACCESS-DENIED)
    Given the controller user is logged in as OPERATOR

What each level may do: OPERATOR changes the process, SUPERVISOR also alarm
limits and loop modes, ADMIN also accounts; nobody clears the audit trail.

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from mimedi_qual.lab.errors import AccessDenied
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.operator import ANONYMOUS, log_in_as
from mimedi_qual.steps.actions.verdicts import expect_met


@given(parsers.re(r"the controller user is logged in as (?P<level>OPERATOR|SUPERVISOR|ADMIN)"),
       target_fixture="logged_in_user")
def logged_in_as(campaign: CampaignContext, level: str) -> str:
    """Log in to the controller with an account of that access level (credentials from the bench)."""
    user = log_in_as(campaign, level)
    actual = campaign.bench.bioreactor().access_level()
    assert actual == level, f"logged in as {user} but the controller reports access level {actual}"
    return user


@given("nobody is logged in to the controller", target_fixture="logged_in_user")
def nobody_logged_in(campaign: CampaignContext) -> str:
    """Log out; the controller must then report access level NONE (attempts are recorded as ANONYMOUS)."""
    controller = campaign.bench.bioreactor()
    controller.logout()
    assert controller.access_level() == "NONE", f"access level after logout: {controller.access_level()}"
    return ANONYMOUS


@then(parsers.parse("process changes are refused as protected ({criterion_id})"))
@judges(criterion_id=COUNT)
def changes_refused(campaign: CampaignContext, criterion_id: str) -> None:
    """Setpoint writes, a module command and acknowledgement without rights: count those accepted (judged)."""
    controller = campaign.bench.bioreactor()
    attempts = {
        "temperature setpoint": lambda: controller.set_temperature_setpoint_c(controller.temperature_setpoint_c()),
        "pH setpoint": lambda: controller.set_ph_setpoint(controller.ph_setpoint()),
        "module command": lambda: controller.module_command("SELECTION", "RESET"),
        "alarm acknowledgement": controller.acknowledge_alarms,
    }
    accepted = []
    for what, attempt in attempts.items():
        try:
            attempt()
            accepted.append(what)
        except AccessDenied:
            pass
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(accepted)), "controller", statistic="count"))
    expect_met(measurement, f" (accepted: {', '.join(accepted)})")
