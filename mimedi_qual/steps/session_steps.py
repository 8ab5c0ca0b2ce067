"""OQ steps: the controller keeps its users apart — a login per connection, and lockout after failed logins.

Two users at once: the bench's own connection and a second one
(:meth:`~mimedi_qual.lab.bench.Bench.open_connection`), each logged in with an
account of its level, each change recorded under its own connection's user; a
third connection that never logged in has no rights::

    Given the controller user is logged in as SUPERVISOR
    And a second connection to the controller is logged in as OPERATOR
    When each user changes the temperature setpoint on their own connection and a connection without a login tries to
    Then each change is in the audit trail under the user of its own connection (OQ-ACCESS-SESSIONS)

Lockout: the number of wrong passwords that lock an account, and how long a
lock holds, are the bench profile's (``simulation.controller.lockout``), never
the feature file's::

    When the OPERATOR account is given a wrong password as many times as the lockout allows
    Then the account's right password is refused while it is locked (OQ-ACCESS-LOCKOUT)
    And each failed login and the lock are in the audit trail (OQ-AUDIT-DENIED)
    When the lockout's release time passes
    Then the account logs in again with its right password and the release is in the audit trail (OQ-ACCESS-LOCKOUT)

An account a scenario locked is unlocked by an ADMIN when the scenario ends,
whatever happened (a locked operator account would fail every later scenario).

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import allure
from pytest_bdd import given, parsers, then, when

from mimedi_qual.errors import BenchError
from mimedi_qual.lab.drivers.connection import ScpiConnection
from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.audit import entry_matches
from mimedi_qual.steps.actions.operator import as_admin, credentials
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup

#: How far each user moves the temperature setpoint (and the first puts it back), °C.
SETPOINT_STEP_C = 0.3
#: The controller's answer to an unlock of an account that is not locked.
SETTINGS_CONFLICT = -221


@dataclass
class SecondUser:
    """A second connection to the controller and who is logged in on it."""

    connection: ScpiConnection
    user: str
    level: str

    def __repr__(self) -> str:
        return f"<second connection: {self.user} ({self.level})>"


@dataclass
class SessionTrial:
    """What each connection did: changes (user, old, new) to find in the trail, and what went wrong."""

    first_entry: int
    changes: list[tuple[str, float, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<{len(self.changes)} changes on two connections>"


@dataclass
class LockoutTrial:
    """An account given wrong passwords: its user, how many, and where in the trail it began."""

    user: str
    level: str
    failed_logins: int
    first_entry: int
    problems: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<{self.user} given {self.failed_logins} wrong passwords>"


def _lockout_settings(campaign: CampaignContext):
    """The controller's lockout settings from the bench profile (``simulation.controller.lockout``)."""
    simulation = campaign.bench.profile.simulation
    if simulation is None:
        raise BenchError(f"bench {campaign.bench.profile.bench.id}: the lockout OQ needs the controller's lockout "
                         "settings (simulation.controller.lockout) in its profile")
    return simulation.controller.lockout


def _judge(campaign: CampaignContext, criterion_id: str, problems: list[str]) -> None:
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(problems)), "controller"))
    expect_met(measurement, "".join(f"\n  {p}" for p in problems))


def _open(campaign: CampaignContext, bench_cleanup: BenchCleanup) -> ScpiConnection:
    connection = campaign.bench.open_connection()
    bench_cleanup.register(f"close {connection!r} {id(connection)}", connection.close)
    return connection


@given(parsers.re(r"a second connection to the controller is logged in as (?P<level>OPERATOR|SUPERVISOR|ADMIN)"),
       target_fixture="second_user")
def second_connection(campaign: CampaignContext, bench_cleanup: BenchCleanup, level: str) -> SecondUser:
    """Open another connection to the controller and log in on it with an account of ``level``."""
    connection = _open(campaign, bench_cleanup)
    user, password = credentials(campaign, level)
    connection.login(user, password)
    return SecondUser(connection, user, level)


@when("each user changes the temperature setpoint on their own connection and a connection without a login tries to",
      target_fixture="session_trial")
def each_user_changes(campaign: CampaignContext, bench_cleanup: BenchCleanup, logged_in_user: str,
                      second_user: SecondUser) -> SessionTrial:
    """The bench's user and the second user each move the setpoint; a third, never logged in, tries to."""
    controller = campaign.bench.bioreactor()
    own_level = controller.access_level()
    trial = SessionTrial(controller.audit_count() + 1)
    original_c = controller.temperature_setpoint_c()
    first_c, second_c = original_c - SETPOINT_STEP_C, original_c - 2 * SETPOINT_STEP_C
    controller.set_temperature_setpoint_c(first_c)
    trial.changes.append((logged_in_user, original_c, first_c))
    try:
        second_user.connection.write_checked(f"SOUR:TEMP {second_c:.4f}")
        trial.changes.append((second_user.user, first_c, second_c))
    except CommandRefused as refused:
        trial.problems.append(f"{second_user.user} ({second_user.level}) refused on their own connection: "
                              f"{refused.code} {refused.reason}")
    stranger = _open(campaign, bench_cleanup)
    if stranger.access_level() != "NONE":
        trial.problems.append(f"a connection that never logged in reports access level {stranger.access_level()}")
    try:
        stranger.write_checked(f"SOUR:TEMP {original_c - 3 * SETPOINT_STEP_C:.4f}")
        trial.problems.append("a connection that never logged in changed the temperature setpoint")
    except AccessDenied:
        pass
    before_c = controller.temperature_setpoint_c()
    controller.set_temperature_setpoint_c(original_c)
    trial.changes.append((logged_in_user, before_c, original_c))
    for who, level, actual in ((logged_in_user, own_level, controller.access_level()),
                               (second_user.user, second_user.level, second_user.connection.access_level())):
        if actual != level:
            trial.problems.append(f"{who}'s connection reports access level {actual}, not {level}")
    return trial


@then(parsers.parse("each change is in the audit trail under the user of its own connection ({criterion_id})"))
@judges(criterion_id=COUNT)
def changes_under_own_user(campaign: CampaignContext, session_trial: SessionTrial, criterion_id: str) -> None:
    """Judged: changes with no entry under their own connection's user, plus every other problem seen."""
    entries = campaign.bench.bioreactor().audit_entries(session_trial.first_entry)
    allure.attach("\n".join(str(e) for e in entries), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    problems = list(session_trial.problems)
    for user, old, new in session_trial.changes:
        if not any(entry_matches(e, user, old, new) for e in entries):
            problems.append(f"no audit entry by {user} for the setpoint {old:g} -> {new:g}")
    _judge(campaign, criterion_id, problems)


# ------------------------------------------------------------------------------------------- lockout
def _unlock_quietly(campaign: CampaignContext, user: str) -> None:
    with as_admin(campaign) as controller:
        try:
            controller.unlock_account(user)
        except CommandRefused as refused:
            if refused.code != SETTINGS_CONFLICT:        # -221: not locked (any more): nothing to undo
                raise


@when(parsers.re(r"the (?P<level>OPERATOR|SUPERVISOR|ADMIN) account is given a wrong password as many times as "
                 r"the lockout allows"), target_fixture="lockout_trial")
def wrong_passwords(campaign: CampaignContext, bench_cleanup: BenchCleanup, level: str) -> LockoutTrial:
    """Log in to the account of ``level`` with a wrong password, as many times as the profile's lockout counts."""
    settings = _lockout_settings(campaign)
    controller = campaign.bench.bioreactor()
    user, _ = credentials(campaign, level)
    controller.logout()
    trial = LockoutTrial(user, level, settings.failed_logins, controller.audit_count() + 1)
    bench_cleanup.register(f"unlock {user}", lambda: _unlock_quietly(campaign, user))
    for attempt in range(1, settings.failed_logins + 1):
        try:
            controller.login(user, f"wrong-{secrets.token_hex(4)}")
            trial.problems.append(f"wrong password {attempt} accepted")
            controller.logout()
        except CommandRefused:
            pass
    return trial


@then(parsers.parse("the account's right password is refused while it is locked ({criterion_id})"))
@judges(criterion_id=COUNT)
def right_password_refused(campaign: CampaignContext, lockout_trial: LockoutTrial, criterion_id: str) -> None:
    """Judged: 1 if the right password logs in after the wrong ones, plus any wrong password accepted."""
    controller = campaign.bench.bioreactor()
    problems = list(lockout_trial.problems)
    try:
        controller.login(lockout_trial.user, credentials(campaign, lockout_trial.level)[1])
        problems.append(f"{lockout_trial.user} logged in after {lockout_trial.failed_logins} wrong passwords "
                        f"(access level {controller.access_level()})")
        controller.logout()
    except CommandRefused:
        pass
    _judge(campaign, criterion_id, problems)


@then(parsers.parse("each failed login and the lock are in the audit trail ({criterion_id})"))
@judges(criterion_id=COUNT)
def lockout_audited(campaign: CampaignContext, lockout_trial: LockoutTrial, criterion_id: str) -> None:
    """Judged: failed logins with no ``LOGIN_FAILED`` entry, plus a missing lock or locked-refusal entry."""
    user = lockout_trial.user
    entries = campaign.bench.bioreactor().audit_entries(lockout_trial.first_entry)
    allure.attach("\n".join(str(e) for e in entries), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    failed = sum(e.user == user and e.action == "LOGIN_FAILED" for e in entries)
    problems = [f"{lockout_trial.failed_logins - failed} failed logins of {user} not in the audit trail"] \
        if failed < lockout_trial.failed_logins else []
    if not any(e.action == "ACCOUNT_LOCKED" and user in e.new_value for e in entries):
        problems.append(f"no ACCOUNT_LOCKED entry for {user}")
    if not any(e.action == "LOGIN_REFUSED_LOCKED" and e.user == user for e in entries):
        problems.append(f"the refused login of the locked {user} is not in the audit trail")
    _judge(campaign, criterion_id, problems)


@when("the lockout's release time passes")
def lockout_time_passes(campaign: CampaignContext) -> None:
    """Let the bench profile's lockout release time pass on the bench clock."""
    settings = _lockout_settings(campaign)
    if settings.release_after_s is None:
        raise BenchError(f"bench {campaign.bench.profile.bench.id}: simulation.controller.lockout.release_after_s "
                         "is null — a lock is released only by an ADMIN on this controller")
    campaign.bench.clock().wait_s(settings.release_after_s)


@when("an ADMIN unlocks the account on a second connection")
def admin_unlocks(campaign: CampaignContext, bench_cleanup: BenchCleanup, lockout_trial: LockoutTrial) -> None:
    """Another connection logs in as ADMIN and releases the locked account."""
    admin = _open(campaign, bench_cleanup)
    admin.login(*credentials(campaign, "ADMIN"))
    admin.write_checked(f"ACC:USER:UNL {lockout_trial.user}")
    admin.logout()


@then(parsers.parse("the account logs in again with its right password and the release is in the audit trail "
                    "({criterion_id})"))
@judges(criterion_id=COUNT)
def logs_in_again(campaign: CampaignContext, lockout_trial: LockoutTrial, criterion_id: str) -> None:
    """Judged: 1 if the right password is still refused, plus 1 if no unlock entry names the account."""
    controller = campaign.bench.bioreactor()
    problems = []
    try:
        controller.login(lockout_trial.user, credentials(campaign, lockout_trial.level)[1])
        if controller.access_level() != lockout_trial.level:
            problems.append(f"{lockout_trial.user} logged in at {controller.access_level()}, not {lockout_trial.level}")
    except CommandRefused as refused:
        problems.append(f"{lockout_trial.user} still refused: {refused.code} {refused.reason}")
    entries = controller.audit_entries(lockout_trial.first_entry)
    allure.attach("\n".join(str(e) for e in entries), name="audit entries", attachment_type=allure.attachment_type.TEXT)
    if not any(e.action in ("ACCOUNT_UNLOCKED", "ACCOUNT_UNLOCK") and lockout_trial.user in e.old_value
               for e in entries):
        problems.append(f"the release of {lockout_trial.user}'s lock is not in the audit trail")
    _judge(campaign, criterion_id, problems)
