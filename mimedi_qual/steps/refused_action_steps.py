"""OQ steps: actions reserved for a higher access level (or for nobody) are refused, change nothing, and are audited.

A refusal is proven three ways — refused as protected, nothing changed, the
attempt recorded under the user's name with the level they had::

    Given the controller user is logged in as OPERATOR
    When the user attempts a change of the TEMPERATURE_HIGH alarm limit
    Then the attempt is refused as protected and changes nothing (OQ-ACCESS-LEVELS)
    And the refused attempt is in the audit trail with who and the level they had (OQ-AUDIT-DENIED)

The actions a scenario may attempt: a change of any alarm limit, putting the
temperature loop in manual (SUPERVISOR); adding, deleting and listing
accounts (ADMIN); clearing the audit trail (nobody).
"""

from __future__ import annotations

import allure
from pytest_bdd import parsers, then, when

from mimedi_qual.lab.errors import AccessDenied
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.protected_actions import ACTIONS, Attempt, try_action
from mimedi_qual.steps.actions.verdicts import expect_met


@when(parsers.re(r"the user attempts (?P<action>" + "|".join(ACTIONS) + ")"), target_fixture="attempt")
def user_attempts(campaign: CampaignContext, logged_in_user: str, action: str) -> Attempt:
    """Try an action reserved for a higher level (or for nobody) as the logged-in user; note what it changed."""
    return try_action(campaign, logged_in_user, action)


@then(parsers.parse("the attempt is refused as protected and changes nothing ({criterion_id})"))
@judges(criterion_id=COUNT)
def attempt_refused(campaign: CampaignContext, attempt: Attempt, criterion_id: str) -> None:
    """Judged: 1 if the attempt was not refused as protected (-203), plus what it changed (values, entries lost)."""
    protected = isinstance(attempt.refusal, AccessDenied)
    value = (0 if protected else 1) + attempt.changed
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), float(value),
                                              "controller", statistic="count"))
    how = "accepted" if attempt.refusal is None else f"refused with {attempt.refusal.code}, not as protected"
    expect_met(measurement, ("" if protected else f" ({attempt!r} {how})") + (
        f" ({attempt.changed} changed)" if attempt.changed else ""))


@then(parsers.parse("the refused attempt is in the audit trail with who and the level they had ({criterion_id})"))
@judges(criterion_id=COUNT)
def attempt_audited(campaign: CampaignContext, attempt: Attempt, criterion_id: str) -> None:
    """Judged: 0 if an entry <ACTION>_DENIED (AUDIT_CLEAR_REFUSED) names the user and the level they had, else 1."""
    entries = campaign.bench.bioreactor().audit_entries(attempt.first_entry)
    found = [e for e in entries if e.action == attempt.audit_action and e.user == attempt.user
             and e.old_value == attempt.level]
    allure.attach("\n".join(str(e) for e in entries), name="audit entries after the attempt",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              0.0 if found else 1.0, "controller", statistic="count"))
    expect_met(measurement, (
        f" (no {attempt.audit_action} entry by {attempt.user} at level {attempt.level})"))
