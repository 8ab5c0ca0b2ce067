"""Accounts a scenario creates on the controller (ADMIN only), and removing them again.

A new account gets a random name with a fixed prefix (no clash on a reused
bench) and a random password that lives only in the :class:`NewAccount`,
never in a repr or the report::

    account = add_account(campaign, bench_cleanup, "op1", "OPERATOR")   # deleted when the scenario ends
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.audit import AuditedChanges
from mimedi_qual.steps.actions.operator import as_admin
from mimedi_qual.steps.cleanup import BenchCleanup

#: Accounts a scenario creates are named with this prefix and a random suffix (no clash on a reused bench).
NEW_ACCOUNT_PREFIX = "oq-"


@dataclass
class NewAccount:
    """An account a scenario created; its password lives only here and never in a repr or the report."""

    user: str
    password: str
    level: str
    audit: AuditedChanges

    def __repr__(self) -> str:
        return f"<account {self.user} ({self.level})>"


def fresh_user_name() -> str:
    """A new account name: the prefix and a random suffix."""
    return f"{NEW_ACCOUNT_PREFIX}{secrets.token_hex(3)}"


def fresh_password() -> str:
    return secrets.token_urlsafe(12)


def delete_if_present(campaign: CampaignContext, user: str) -> None:
    """Delete ``user`` if the ADMIN's account list still has it (logged back in at the scenario's level)."""
    with as_admin(campaign) as controller:
        if user in controller.accounts():
            controller.delete_account(user)


def add_account(campaign: CampaignContext, bench_cleanup: BenchCleanup, logged_in_user: str,
                level: str) -> NewAccount:
    """As the logged-in ADMIN, add an account of ``level`` (deleted when the scenario ends); its change is noted."""
    controller = campaign.bench.bioreactor()
    account = NewAccount(fresh_user_name(), fresh_password(), level,
                         AuditedChanges(logged_in_user, controller.audit_count() + 1))
    account.audit.secrets = (account.password,)
    bench_cleanup.register("delete the new account", lambda: delete_if_present(campaign, account.user))
    controller.add_account(account.user, account.password, level)
    account.audit.changes.append(("ACCOUNT_ADD", "", f"{account.user}:{level}"))
    return account
