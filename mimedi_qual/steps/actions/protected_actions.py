"""Actions reserved for a higher access level (or for nobody), attempted to prove they are refused.

A refusal is proven three ways — refused as protected, nothing changed, the
attempt recorded under the user's name with the level they had. Each
:class:`Action` knows the level it needs, how it is tried, how to look at
what it could change and how to put that back::

    result = try_action(campaign, "op1", "a change of the TEMPERATURE_HIGH alarm limit")
    isinstance(result.refusal, AccessDenied), result.changed, result.audit_action

Checking that a refused account change changed nothing needs an ADMIN's eyes
(only ADMIN may list accounts): the probe logs in as ADMIN to look and then
back in as the scenario's user; those logins are in the audit trail too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.lab.protocols import AuditEntry
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.accounts import fresh_password, fresh_user_name
from mimedi_qual.steps.actions.alarm_limits import LIMIT_ALARMS, widened_limit
from mimedi_qual.steps.actions.operator import LEVELS, as_admin, credentials


@dataclass
class Action:
    """Something a scenario may attempt: the level it needs, how it is tried, what it could change."""

    name: str                                   # the controller's audit action
    needs: str                                  # SUPERVISOR, ADMIN or NOBODY
    attempt: Callable[[CampaignContext], None]
    probe: Callable[[CampaignContext], object] = lambda campaign: None
    changed: Callable[[object, object], int] = lambda before, after: int(before != after)
    undo: Callable[[CampaignContext, object], None] = lambda campaign, before: None


def _alarm_limit_action(alarm: str) -> Action:
    def attempt(campaign):
        controller = campaign.bench.bioreactor()
        controller.set_alarm_limit(alarm, widened_limit(controller, alarm)[1])

    return Action(f"ALARM_LIMIT_{alarm}", "SUPERVISOR", attempt,
                  probe=lambda campaign: campaign.bench.bioreactor().alarm_limit(alarm),
                  undo=lambda campaign, before: campaign.bench.bioreactor().set_alarm_limit(alarm, before))


def _loop_manual(campaign):
    controller = campaign.bench.bioreactor()
    controller.set_loop_manual("TEMP", controller.heater_output_pct())


def _admin_view(campaign) -> dict[str, str]:
    with as_admin(campaign) as controller:
        return controller.accounts()


def _add_account(campaign):
    campaign.bench.bioreactor().add_account(fresh_user_name(), fresh_password(), "OPERATOR")


def _undo_accounts(campaign, before: dict[str, str]) -> None:
    """An accepted account change (a deviation already) is put back, so later scenarios keep their users."""
    with as_admin(campaign) as controller:
        now = controller.accounts()
        for user in set(now) - set(before):
            controller.delete_account(user)
        for level in LEVELS:
            user, password = credentials(campaign, level)
            if user in before and user not in now:
                controller.add_account(user, password, level)


def _delete_admin_account(campaign):
    """Aimed at the bench's ADMIN: should the level check fail, the last-ADMIN rule still keeps it (-221)."""
    campaign.bench.bioreactor().delete_account(credentials(campaign, "ADMIN")[0])


def _audit_trail(campaign) -> list[AuditEntry]:
    return campaign.bench.bioreactor().audit_entries()


def _entries_lost_or_altered(before: list[AuditEntry], after: list[AuditEntry]) -> int:
    """Entries present before the attempt that are missing or different afterwards."""
    kept = {e.number: e for e in after}
    return sum(1 for e in before if kept.get(e.number) != e)


#: The actions a scenario may attempt, by the words it uses for them.
ACTIONS: dict[str, Action] = {
    **{f"a change of the {alarm} alarm limit": _alarm_limit_action(alarm) for alarm in LIMIT_ALARMS},
    "putting the temperature loop in manual": Action(
        "LOOP_MODE_TEMP", "SUPERVISOR", _loop_manual,
        probe=lambda campaign: campaign.bench.bioreactor().loop_mode("TEMP"),
        undo=lambda campaign, before: campaign.bench.bioreactor().set_loop_auto("TEMP")),
    "adding an account": Action("ACCOUNT_ADD", "ADMIN", _add_account, probe=_admin_view, undo=_undo_accounts),
    "deleting an account": Action("ACCOUNT_DELETE", "ADMIN", _delete_admin_account, probe=_admin_view,
                                  undo=_undo_accounts),
    "listing the accounts": Action("ACCOUNT_LIST", "ADMIN",
                                   lambda campaign: campaign.bench.bioreactor().accounts()),
    "clearing the audit trail": Action("AUDIT_CLEAR", "NOBODY",
                                       lambda campaign: campaign.bench.bioreactor().clear_audit_trail(),
                                       probe=_audit_trail, changed=_entries_lost_or_altered),
}


@dataclass
class Attempt:
    """One attempt and what it left: refused or not, with what, what changed, from which audit entry on."""

    action: Action
    user: str
    level: str
    first_entry: int
    refusal: CommandRefused | None = None
    changed: int = 0

    @property
    def audit_action(self) -> str:
        """The entry the controller must leave: ``<ACTION>_DENIED``, ``AUDIT_CLEAR_REFUSED`` for the clear."""
        return f"{self.action.name}_REFUSED" if self.action.needs == "NOBODY" else f"{self.action.name}_DENIED"

    def __repr__(self) -> str:
        return f"<{self.action.name} by {self.user} ({self.level})>"


def try_action(campaign: CampaignContext, user: str, action: str) -> Attempt:
    """Try ``action`` (a key of :data:`ACTIONS`) as ``user``; note the refusal and what changed, undo any change."""
    what = ACTIONS[action]
    controller = campaign.bench.bioreactor()
    before = what.probe(campaign)
    result = Attempt(what, user, controller.access_level(), controller.audit_count() + 1)
    try:
        what.attempt(campaign)
    except CommandRefused as refused:
        result.refusal = refused
    after = what.probe(campaign)
    result.changed = what.changed(before, after)
    if result.refusal is None or result.changed:
        what.undo(campaign, before)
    return result
