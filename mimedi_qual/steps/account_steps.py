"""OQ steps: account management by an ADMIN — add, list, log in, delete — and the ADMIN's own account kept.

    Given the controller user is logged in as ADMIN
    When a new OPERATOR account is added
    Then the new account is listed at its level and no password is shown (OQ-ACCESS-ACCOUNTS)
    And the new account logs in at its level (OQ-ACCESS-ACCOUNTS)

A new account has a random name and password (the password never reaches a
repr or the report) and is deleted when the scenario ends.
"""

from __future__ import annotations

import allure
from pytest_bdd import parsers, then, when

from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.accounts import NewAccount, add_account
from mimedi_qual.steps.actions.operator import LEVELS, credentials
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup

#: The controller refuses to delete the last ADMIN as a settings conflict.
SETTINGS_CONFLICT = -221


def _judge_accounts(campaign: CampaignContext, criterion_id: str, discrepancies: list[str]) -> None:
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(discrepancies)), "controller", statistic="count"))
    expect_met(measurement, "".join(f"\n  {d}" for d in discrepancies))


@when(parsers.re(r"a new (?P<level>OPERATOR|SUPERVISOR|ADMIN) account is added"), target_fixture="new_account")
def new_account_added(campaign: CampaignContext, bench_cleanup: BenchCleanup, logged_in_user: str,
                      level: str) -> NewAccount:
    """As the logged-in ADMIN, add an account of that level with a fresh random name and password (gone after the scenario)."""
    return add_account(campaign, bench_cleanup, logged_in_user, level)


@then(parsers.parse("the new account is listed at its level and no password is shown ({criterion_id})"))
@judges(criterion_id=COUNT)
def new_account_listed(campaign: CampaignContext, new_account: NewAccount, criterion_id: str) -> None:
    """Judged: discrepancies between the ADMIN's account list and what was added, plus any password shown."""
    listed = campaign.bench.bioreactor().accounts()
    problems = []
    if listed.get(new_account.user) != new_account.level:
        problems.append(f"{new_account.user} listed as {listed.get(new_account.user)}, added as {new_account.level}")
    passwords = [new_account.password] + [credentials(campaign, level)[1] for level in LEVELS]
    if any(p in f"{user}:{level}" for p in passwords for user, level in listed.items()):
        problems.append("a password is shown in the account list")
    allure.attach("\n".join(f"{u}: {lv}" for u, lv in listed.items()), name="accounts",
                  attachment_type=allure.attachment_type.TEXT)
    _judge_accounts(campaign, criterion_id, problems)


@then(parsers.parse("the new account logs in at its level ({criterion_id})"))
@judges(criterion_id=COUNT)
def new_account_logs_in(campaign: CampaignContext, new_account: NewAccount, criterion_id: str) -> None:
    """Judged: 0 if the new account's login is accepted and the controller reports its level, else 1."""
    controller = campaign.bench.bioreactor()
    problems = []
    try:
        controller.logout()
        controller.login(new_account.user, new_account.password)
        level = controller.access_level()
        if level != new_account.level:
            problems.append(f"{new_account.user} logged in at {level}, not {new_account.level}")
    except CommandRefused as refused:
        problems.append(f"{new_account.user} cannot log in: {refused.code} {refused.reason}")
    _judge_accounts(campaign, criterion_id, problems)


@then(parsers.parse("the ADMIN cannot delete their own account ({criterion_id})"))
@judges(criterion_id=COUNT)
def admin_keeps_own_account(campaign: CampaignContext, logged_in_user: str, criterion_id: str) -> None:
    """Judged: 1 if the logged-in ADMIN's own deletion is accepted (it is restored at once) or refused as protected."""
    controller = campaign.bench.bioreactor()
    problems = []
    try:
        controller.delete_account(logged_in_user)
        problems.append(f"{logged_in_user} deleted their own account")
        controller.add_account(logged_in_user, credentials(campaign, "ADMIN")[1], "ADMIN")
    except AccessDenied as refused:
        problems.append(f"refused as protected ({refused.reason}), not as a conflict: is {logged_in_user} an ADMIN?")
    except CommandRefused as refused:
        if refused.code != SETTINGS_CONFLICT:
            problems.append(f"refused with {refused.code} {refused.reason}, not as a settings conflict (-221)")
    _judge_accounts(campaign, criterion_id, problems)


@when("the new account is deleted")
def new_account_deleted(campaign: CampaignContext, logged_in_user: str, new_account: NewAccount) -> None:
    """As the logged-in ADMIN, delete the account the scenario added."""
    controller = campaign.bench.bioreactor()
    controller.delete_account(new_account.user)
    new_account.audit.changes.append(("ACCOUNT_DELETE", f"{new_account.user}:{new_account.level}", ""))


@then(parsers.parse("the new account can no longer log in ({criterion_id})"))
@judges(criterion_id=COUNT)
def new_account_locked_out(campaign: CampaignContext, new_account: NewAccount, criterion_id: str) -> None:
    """Judged: 1 if the deleted account's login is still accepted, else 0."""
    controller = campaign.bench.bioreactor()
    problems = []
    try:
        controller.login(new_account.user, new_account.password)
        problems.append(f"{new_account.user} still logs in at {controller.access_level()} after deletion")
        controller.logout()
    except CommandRefused:
        pass
    _judge_accounts(campaign, criterion_id, problems)
