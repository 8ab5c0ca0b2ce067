"""OQ steps: access levels and the audit trail of the controller (Part 11 §11.10, Annex 11 §9).

Users are named by access level, never by account: the step finds the
account for the level — on a simulated bench from the bench profile, on a
real bench from ``MIMEDI_<LEVEL>_USER`` / ``MIMEDI_<LEVEL>_PASSWORD`` — so no
password reaches a feature file or the report::

    Given nobody is logged in to the controller
    Then a setpoint change is refused as protected (OQ-ACCESS-DENIED)
    Given the controller user is logged in as OPERATOR
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import allure
from pytest_bdd import given, parsers, then, when

from mimedi_qual.lab.errors import AccessDenied
from mimedi_qual.lab.protocols import AuditEntry
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value

LEVELS = ("OPERATOR", "SUPERVISOR", "ADMIN")


def credentials(campaign: CampaignContext, level: str) -> tuple[str, str]:
    """(user, password) of an account with access ``level`` on this bench."""
    simulation = campaign.bench.profile.simulation
    if simulation is not None:
        for account in simulation.controller.accounts:
            if account.level == level:
                return account.user, account.password
    user, password = os.environ.get(f"MIMEDI_{level}_USER"), os.environ.get(f"MIMEDI_{level}_PASSWORD")
    if not user or not password:
        raise LookupError(f"no {level} account: set MIMEDI_{level}_USER and MIMEDI_{level}_PASSWORD")
    return user, password


def log_in_as(campaign: CampaignContext, level: str) -> str:
    """Log in with an account of ``level``; returns the user name."""
    user, password = credentials(campaign, level)
    controller = campaign.bench.bioreactor()
    controller.logout()
    controller.login(user, password)
    return user


@given(parsers.re(r"the controller user is logged in as (?P<level>OPERATOR|SUPERVISOR|ADMIN)"),
       target_fixture="logged_in_user")
def logged_in_as(campaign: CampaignContext, level: str) -> str:
    """Log in to the controller with an account of that access level (credentials from the bench)."""
    user = log_in_as(campaign, level)
    actual = campaign.bench.bioreactor().access_level()
    assert actual == level, f"logged in as {user} but the controller reports access level {actual}"
    return user


@given("nobody is logged in to the controller")
def nobody_logged_in(campaign: CampaignContext) -> None:
    """Log out; the controller must then report access level NONE."""
    controller = campaign.bench.bioreactor()
    controller.logout()
    assert controller.access_level() == "NONE", f"access level after logout: {controller.access_level()}"


@then(parsers.parse("process changes are refused as protected ({criterion_id})"))
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
                                              float(len(accepted)), "controller"))
    assert measurement.passed, measurement.summary() + f" (accepted: {', '.join(accepted)})"


@dataclass
class AuditedChanges:
    """Changes made by a scenario, to be found in the audit trail."""

    user: str
    first_entry: int
    changes: list[tuple[str, float, float]] = field(default_factory=list)  # (what, old, new)

    def __repr__(self) -> str:
        return f"<{len(self.changes)} changes by {self.user}>"


@when("the temperature setpoint is changed and restored", target_fixture="audited_changes")
def change_and_restore(campaign: CampaignContext, logged_in_user: str) -> AuditedChanges:
    """Move the temperature setpoint down by 0.5 °C and back, as the logged-in user."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    original_c = controller.temperature_setpoint_c()
    controller.set_temperature_setpoint_c(original_c - 0.5)
    controller.set_temperature_setpoint_c(original_c)
    changes.changes += [("temperature", original_c, original_c - 0.5), ("temperature", original_c - 0.5, original_c)]
    return changes


def _matches(entry: AuditEntry, user: str, old: float, new: float) -> bool:
    def same(text: str, value: float) -> bool:
        try:
            return abs(float(text) - value) < 1e-6
        except ValueError:
            return False
    return entry.user == user and bool(entry.action) and same(entry.old_value, old) and same(entry.new_value, new)


@then(parsers.parse("each change is in the audit trail with who, what, old and new value ({criterion_id})"))
def changes_audited(campaign: CampaignContext, audited_changes: AuditedChanges, criterion_id: str) -> None:
    """Count the changes with no complete audit entry (user, action, old, new, controller time) — judged."""
    entries = campaign.bench.bioreactor().audit_entries(audited_changes.first_entry)
    missing = [c for c in audited_changes.changes
               if not any(_matches(e, audited_changes.user, c[1], c[2]) for e in entries)]
    allure.attach("\n".join(str(e) for e in entries), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(missing)), "controller"))
    assert measurement.passed, measurement.summary() + f" (no entry for {missing})"
