"""OQ steps: access levels and the audit trail of the controller (Part 11 §11.10, Annex 11 §9 and §12).

Users are named by access level, never by account: the step finds the
account for the level — on a simulated bench from the bench profile, on a
real bench from ``MIMEDI_<LEVEL>_USER`` / ``MIMEDI_<LEVEL>_PASSWORD`` — so no
password reaches a feature file or the report::

    Given nobody is logged in to the controller
    Then process changes are refused as protected (OQ-ACCESS-DENIED)
    Given the controller user is logged in as OPERATOR
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

What each level may do (``instruments/COMMANDS.md``): OPERATOR changes the
process, SUPERVISOR also alarm limits and loop modes, ADMIN also accounts;
nobody clears the audit trail. A refusal is proven three ways — refused as
protected, nothing changed, the attempt recorded under the user's name with
the level they had::

    Given the controller user is logged in as OPERATOR
    When the user attempts a change of the TEMPERATURE_HIGH alarm limit
    Then the attempt is refused as protected and changes nothing (OQ-ACCESS-LEVELS)
    And the refused attempt is in the audit trail with who and the level they had (OQ-AUDIT-DENIED)

Checking that a refused account change changed nothing needs an ADMIN's eyes
(only ADMIN may list accounts): the step logs in as ADMIN to look and then
back in as the scenario's user; those logins are in the audit trail too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import allure
import pytest
from pytest_bdd import given, parsers, then, when

from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.lab.protocols import AuditEntry, BioreactorProtocol
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value

if TYPE_CHECKING:   # alarm_steps imports this module (log_in_as); the fixture is found by name
    from mimedi_qual.steps.alarm_steps import BenchCleanup

LEVELS = ("OPERATOR", "SUPERVISOR", "ADMIN")
#: How the controller records a change or an attempt made without a login (COMMANDS.md).
ANONYMOUS = "ANONYMOUS"
#: A limit is moved *outward* (a wider band, never a false alarm) by this fraction of its high–low span.
WIDEN_FRACTION = 0.1
LIMIT_ALARMS = ("TEMPERATURE_HIGH", "TEMPERATURE_LOW", "PH_HIGH", "PH_LOW", "DO_HIGH", "DO_LOW")
#: Accounts a scenario creates are named with this prefix and a random suffix (no clash on a reused bench).
NEW_ACCOUNT_PREFIX = "oq-"
#: LOOP:MODE loop names → the names the controller's RECOVERY audit entry gives them (COMMANDS.md).
RECOVERY_LOOP_NAMES = {"TEMP": "TEMPERATURE", "PH": "PH", "DO": "DISSOLVED_OXYGEN"}
#: Manual outputs are reported to 0.01 %.
OUTPUT_RESOLUTION_PCT = 0.01


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
    """Log in with an account of ``level`` (``NONE``: log out); returns the user name the controller records."""
    controller = campaign.bench.bioreactor()
    controller.logout()
    if level == "NONE":
        return ANONYMOUS
    user, password = credentials(campaign, level)
    controller.login(user, password)
    return user


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


# ---------------------------------------------------------------- changes and their audit entries

@dataclass
class AuditedChanges:
    """Changes made by a scenario, to be found in the audit trail: (what, old, new), numbers or texts."""

    user: str
    first_entry: int
    changes: list[tuple[str, float | str, float | str]] = field(default_factory=list)
    secrets: tuple[str, ...] = ()            # texts that must appear in no entry (passwords)

    def __repr__(self) -> str:
        return f"<{len(self.changes)} changes by {self.user}>"


def _same(text: str, value: float | str) -> bool:
    """An audit field equals a value: numbers numerically, texts word by word (numbers inside numerically)."""
    if isinstance(value, str):
        words, expected = text.split(), value.split()
        if len(words) != len(expected):
            return False
        for word, want in zip(words, expected):
            try:
                if abs(float(word) - float(want)) > 1e-6:
                    return False
            except ValueError:
                if word.upper() != want.upper():
                    return False
        return True
    try:
        return abs(float(text) - value) < 1e-6
    except ValueError:
        return False


def _matches(entry: AuditEntry, user: str, old: float | str, new: float | str) -> bool:
    return entry.user == user and bool(entry.action) and _same(entry.old_value, old) and _same(entry.new_value, new)


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


def widened_limit(controller: BioreactorProtocol, alarm: str) -> tuple[float, float]:
    """(present limit, the limit moved outward by WIDEN_FRACTION of the alarm pair's span)."""
    variable, side = alarm.rsplit("_", 1)
    high, low = controller.alarm_limit(f"{variable}_HIGH"), controller.alarm_limit(f"{variable}_LOW")
    step = WIDEN_FRACTION * (high - low)
    present = high if side == "HIGH" else low
    return present, round(present + step if side == "HIGH" else present - step, 4)


@when(parsers.re(r"the (?P<alarm>" + "|".join(LIMIT_ALARMS) + r") alarm limit is widened and restored"),
      target_fixture="audited_changes")
def alarm_limit_changed_and_restored(campaign: CampaignContext, logged_in_user: str, alarm: str) -> AuditedChanges:
    """Move an alarm limit outward by a tenth of its high–low span and back, as the logged-in user (read back each time)."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    present, wider = widened_limit(controller, alarm)
    for old, new in ((present, wider), (wider, present)):
        controller.set_alarm_limit(alarm, new)
        read_back = controller.alarm_limit(alarm)
        assert abs(read_back - new) < 1e-6, f"{alarm} limit set to {new}, the controller reads back {read_back}"
        changes.changes.append((f"ALARM_LIMIT_{alarm}", old, new))
    return changes


@when("the temperature loop is put in manual at its present output and back to automatic",
      target_fixture="audited_changes")
def loop_manual_and_back(campaign: CampaignContext, logged_in_user: str) -> AuditedChanges:
    """Put the temperature loop in manual at the heater's present output (bumpless), read it back, then AUTO again."""
    controller = campaign.bench.bioreactor()
    changes = AuditedChanges(logged_in_user, controller.audit_count() + 1)
    before = controller.loop_mode("TEMP")
    assert not before.manual, f"the temperature loop is already in manual at {before.output_pct} %"
    controller.set_loop_manual("TEMP", controller.heater_output_pct())
    try:
        manual = controller.loop_mode("TEMP")
        assert manual.manual, "the controller accepted manual mode but reports the loop in AUTO"
        changes.changes.append(("LOOP_MODE_TEMP", "AUTO", f"MAN {manual.output_pct}"))
    finally:
        controller.set_loop_auto("TEMP")
    assert not controller.loop_mode("TEMP").manual, "the temperature loop did not return to AUTO"
    changes.changes.append(("LOOP_MODE_TEMP", f"MAN {manual.output_pct}", "AUTO"))
    return changes


def _judge_audit(campaign: CampaignContext, audited: AuditedChanges, criterion_id: str) -> None:
    """Count the changes with no complete entry (user, action, old, new), plus entries showing a secret — judged."""
    entries = campaign.bench.bioreactor().audit_entries(audited.first_entry)
    missing = [c for c in audited.changes if not any(_matches(e, audited.user, c[1], c[2]) for e in entries)]
    leaking = [e.number for e in entries if any(s and s in str(e) for s in audited.secrets)]
    shown = [e for e in entries if e.number not in leaking]      # never put a leaked password into the report
    allure.attach("\n".join(str(e) for e in shown), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(missing) + len(leaking)), "controller"))
    assert measurement.passed, measurement.summary() + (f" (no entry for {missing})" if missing else "") + (
        f" (a password in entries {leaking})" if leaking else "")


@then(parsers.parse("each change is in the audit trail with who, what, old and new value ({criterion_id})"))
def changes_audited(campaign: CampaignContext, audited_changes: AuditedChanges, criterion_id: str) -> None:
    """Count the changes with no complete audit entry (user, action, old, new, controller time) — judged."""
    _judge_audit(campaign, audited_changes, criterion_id)


# ---------------------------------------------------------------- attempts reserved for a higher level

@dataclass
class Action:
    """Something a scenario may attempt: the level it needs, how it is tried, what it could change."""

    name: str                                   # the controller's audit action (COMMANDS.md)
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
    user = f"{NEW_ACCOUNT_PREFIX}{secrets.token_hex(3)}"
    campaign.bench.bioreactor().add_account(user, secrets.token_urlsafe(12), "OPERATOR")


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


@when(parsers.re(r"the user attempts (?P<action>" + "|".join(ACTIONS) + ")"), target_fixture="attempt")
def user_attempts(campaign: CampaignContext, logged_in_user: str, action: str) -> Attempt:
    """Try an action reserved for a higher level (or for nobody) as the logged-in user; note what it changed."""
    what = ACTIONS[action]
    controller = campaign.bench.bioreactor()
    before = what.probe(campaign)
    attempt = Attempt(what, logged_in_user, controller.access_level(), controller.audit_count() + 1)
    try:
        what.attempt(campaign)
    except CommandRefused as refused:
        attempt.refusal = refused
    after = what.probe(campaign)
    attempt.changed = what.changed(before, after)
    if attempt.refusal is None or attempt.changed:
        what.undo(campaign, before)
    return attempt


@then(parsers.parse("the attempt is refused as protected and changes nothing ({criterion_id})"))
def attempt_refused(campaign: CampaignContext, attempt: Attempt, criterion_id: str) -> None:
    """Judged: 1 if the attempt was not refused as protected (-203), plus what it changed (values, entries lost)."""
    protected = isinstance(attempt.refusal, AccessDenied)
    value = (0 if protected else 1) + attempt.changed
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), float(value),
                                              "controller"))
    how = "accepted" if attempt.refusal is None else f"refused with {attempt.refusal.code}, not as protected"
    assert measurement.passed, measurement.summary() + ("" if protected else f" ({attempt!r} {how})") + (
        f" ({attempt.changed} changed)" if attempt.changed else "")


@then(parsers.parse("the refused attempt is in the audit trail with who and the level they had ({criterion_id})"))
def attempt_audited(campaign: CampaignContext, attempt: Attempt, criterion_id: str) -> None:
    """Judged: 0 if an entry <ACTION>_DENIED (AUDIT_CLEAR_REFUSED) names the user and the level they had, else 1."""
    entries = campaign.bench.bioreactor().audit_entries(attempt.first_entry)
    found = [e for e in entries if e.action == attempt.audit_action and e.user == attempt.user
             and e.old_value == attempt.level]
    allure.attach("\n".join(str(e) for e in entries), name="audit entries after the attempt",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              0.0 if found else 1.0, "controller"))
    assert measurement.passed, measurement.summary() + (
        f" (no {attempt.audit_action} entry by {attempt.user} at level {attempt.level})")


# ---------------------------------------------------------------- account management (ADMIN)

@dataclass
class NewAccount:
    """An account a scenario created; its password lives only here and never in a repr or the report."""

    user: str
    password: str
    level: str
    audit: AuditedChanges

    def __repr__(self) -> str:
        return f"<account {self.user} ({self.level})>"


def _judge_accounts(campaign: CampaignContext, criterion_id: str, discrepancies: list[str]) -> None:
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(discrepancies)), "controller"))
    assert measurement.passed, measurement.summary() + "".join(f"\n  {d}" for d in discrepancies)


def _delete_if_present(campaign: CampaignContext, user: str) -> None:
    with as_admin(campaign) as controller:
        if user in controller.accounts():
            controller.delete_account(user)


@when(parsers.re(r"a new (?P<level>OPERATOR|SUPERVISOR|ADMIN) account is added"), target_fixture="new_account")
def new_account_added(campaign: CampaignContext, bench_cleanup: BenchCleanup, logged_in_user: str,
                      level: str) -> NewAccount:
    """As the logged-in ADMIN, add an account of that level with a fresh random name and password (gone after the scenario)."""
    controller = campaign.bench.bioreactor()
    account = NewAccount(f"{NEW_ACCOUNT_PREFIX}{secrets.token_hex(3)}", secrets.token_urlsafe(12), level,
                         AuditedChanges(logged_in_user, controller.audit_count() + 1))
    account.audit.secrets = (account.password,)
    bench_cleanup.register("delete the new account", lambda: _delete_if_present(campaign, account.user))
    controller.add_account(account.user, account.password, level)
    account.audit.changes.append(("ACCOUNT_ADD", "", f"{account.user}:{level}"))
    return account


@then(parsers.parse("the new account is listed at its level and no password is shown ({criterion_id})"))
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
        if refused.code != -221:
            problems.append(f"refused with {refused.code} {refused.reason}, not as a settings conflict (-221)")
    _judge_accounts(campaign, criterion_id, problems)


@when("the new account is deleted")
def new_account_deleted(campaign: CampaignContext, logged_in_user: str, new_account: NewAccount) -> None:
    """As the logged-in ADMIN, delete the account the scenario added."""
    controller = campaign.bench.bioreactor()
    controller.delete_account(new_account.user)
    new_account.audit.changes.append(("ACCOUNT_DELETE", f"{new_account.user}:{new_account.level}", ""))


@then(parsers.parse("the new account can no longer log in ({criterion_id})"))
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


@then(parsers.parse("each account change is in the audit trail with who, what, old and new value "
                    "and no password ({criterion_id})"))
def account_changes_audited(campaign: CampaignContext, new_account: NewAccount, criterion_id: str) -> None:
    """Count the account changes with no complete audit entry, plus entries that show the password — judged."""
    _judge_audit(campaign, new_account.audit, criterion_id)


# ---------------------------------------------------------------- what a SUPERVISOR set, across a power failure

@dataclass
class SupervisorSettings:
    """What the SUPERVISOR set in a scenario and what it was before: ``ALARM_LIMIT <alarm>`` / ``LOOP_MODE <loop>``."""

    set: dict[str, object] = field(default_factory=dict)
    original: dict[str, object] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<supervisor settings: {', '.join(self.set) or 'none'}>"

    def restore(self, controller: BioreactorProtocol) -> None:
        """Put every setting back (alarm limits to their value, loops to AUTO) where it is not already."""
        for key, original in self.original.items():
            kind, name = key.split()
            if kind == "ALARM_LIMIT" and abs(controller.alarm_limit(name) - original) > 1e-9:
                controller.set_alarm_limit(name, original)
            elif kind == "LOOP_MODE" and controller.loop_mode(name).manual:
                controller.set_loop_auto(name)


@pytest.fixture
def supervisor_settings() -> SupervisorSettings:
    """Per scenario: what the SUPERVISOR set, and what it was before."""
    return SupervisorSettings()


def _restore_as_supervisor(campaign: CampaignContext, settings: SupervisorSettings) -> None:
    if campaign.bench.bioreactor().access_level() not in ("SUPERVISOR", "ADMIN"):
        log_in_as(campaign, "SUPERVISOR")
    settings.restore(campaign.bench.bioreactor())


@given(parsers.re(r"the (?P<alarm>" + "|".join(LIMIT_ALARMS) + r") alarm limit is widened"))
def alarm_limit_widened(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                        supervisor_settings: SupervisorSettings, alarm: str) -> None:
    """As the logged-in SUPERVISOR, move an alarm limit outward by a tenth of its span (put back when the scenario ends)."""
    controller = campaign.bench.bioreactor()
    present, wider = widened_limit(controller, alarm)
    supervisor_settings.original[f"ALARM_LIMIT {alarm}"] = present
    bench_cleanup.register("restore the supervisor's settings", lambda: _restore_as_supervisor(campaign, supervisor_settings))
    controller.set_alarm_limit(alarm, wider)
    supervisor_settings.set[f"ALARM_LIMIT {alarm}"] = controller.alarm_limit(alarm)


@given("the temperature loop is in manual at its present output")
def temperature_loop_in_manual(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                               supervisor_settings: SupervisorSettings) -> None:
    """As the logged-in SUPERVISOR, hold the heater at its present output (back to AUTO when the scenario ends)."""
    controller = campaign.bench.bioreactor()
    supervisor_settings.original["LOOP_MODE TEMP"] = controller.loop_mode("TEMP")
    bench_cleanup.register("restore the supervisor's settings", lambda: _restore_as_supervisor(campaign, supervisor_settings))
    controller.set_loop_manual("TEMP", controller.heater_output_pct())
    supervisor_settings.set["LOOP_MODE TEMP"] = controller.loop_mode("TEMP")


def _differs(before: object, after: object) -> bool:
    if isinstance(before, float) and isinstance(after, float):
        return abs(before - after) > 1e-6
    if before.manual != after.manual:
        return True
    return before.manual and abs(before.output_pct - after.output_pct) > OUTPUT_RESOLUTION_PCT


@then(parsers.parse("the SUPERVISOR's settings are as before the power failure ({criterion_id})"))
def supervisor_settings_kept(campaign: CampaignContext, supervisor_settings: SupervisorSettings,
                             criterion_id: str) -> None:
    """Judged: how many of the alarm limits and loop modes the SUPERVISOR set differ after the power failure."""
    controller = campaign.bench.bioreactor()
    changed = []
    for key, before in supervisor_settings.set.items():
        kind, name = key.split()
        after = controller.alarm_limit(name) if kind == "ALARM_LIMIT" else controller.loop_mode(name)
        if _differs(before, after):
            changed.append(f"{key}: {before} before, {after} after")
    allure.attach("\n".join(f"{k}: {v}" for k, v in supervisor_settings.set.items()), name="supervisor settings",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(changed)), "controller"))
    assert measurement.passed, measurement.summary() + "".join(f"\n  {c}" for c in changed)


@then(parsers.parse("the recovery record names the loops kept in manual ({criterion_id})"))
def recovery_names_manual_loops(campaign: CampaignContext, power_failure, supervisor_settings: SupervisorSettings,
                                criterion_id: str) -> None:
    """Judged: loops the SUPERVISOR left in manual that the RECOVERY audit entry after the power failure does not name."""
    entries = campaign.bench.bioreactor().audit_entries(len(power_failure.audit_before) + 1)
    recovery = [e for e in entries if e.action == "RECOVERY"]
    manual = [key.split()[1] for key, mode in supervisor_settings.set.items()
              if key.startswith("LOOP_MODE") and mode.manual]
    text = " ".join(f"{e.new_value} {e.reason}" for e in recovery)
    unnamed = [loop for loop in manual if RECOVERY_LOOP_NAMES[loop] not in text]
    allure.attach("\n".join(str(e) for e in recovery) or "no RECOVERY entry", name="recovery record",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(unnamed)), "controller"))
    assert measurement.passed, measurement.summary() + f" (not named: {', '.join(unnamed)})"


@when("the SUPERVISOR's settings are restored")
def supervisor_settings_restored(campaign: CampaignContext, supervisor_settings: SupervisorSettings) -> None:
    """Log in as SUPERVISOR and put back what the scenario changed (alarm limits, loops to AUTO), audit-trailed."""
    log_in_as(campaign, "SUPERVISOR")
    supervisor_settings.restore(campaign.bench.bioreactor())
    for key in supervisor_settings.original:
        kind, name = key.split()
        if kind == "LOOP_MODE":
            assert not campaign.bench.bioreactor().loop_mode(name).manual, f"the {name} loop stayed in manual"
