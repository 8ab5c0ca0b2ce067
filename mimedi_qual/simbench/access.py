"""Who may do what on the simulated controller: logins, access levels, the accounts an ADMIN manages.

Access levels, each including the one below: *anyone* reads (every query but
``ACC:USER:LIST?``); ``OPERATOR`` changes the process (setpoints, module
commands, pump runs, alarm acknowledgement); ``SUPERVISOR`` changes alarm limits
and loop modes; ``ADMIN`` manages accounts (:mod:`.accounts`: non-volatile,
survive a power cut; never your own account, never the last ADMIN). Nobody
clears or edits the audit trail (:mod:`.audit`).

A command refused for a too-low level answers
``-203,"Command protected;needs <LEVEL> or higher"`` and leaves
``<ACTION>_DENIED`` in the audit trail — who (``ANONYMOUS`` if nobody is logged
in: an attempt without a login is recorded too, like a failed login), the level
they had (old) and the level needed (new). Parameters are checked before the
level (-224 first); account commands check the level before the account.

:class:`AccessControl` is the base of the controller device (:mod:`.controller`)
and answers ``ACCess:*``:

* ``ACC:LOG <user>,<password>``, ``ACC:LOGO``, ``ACC:LEV?``;
* ADMIN: ``ACC:USER:ADD <user>,<password>,<level>``, ``ACC:USER:DEL <user>``, ``ACC:USER:LIST?``,
  ``ACC:USER:UNL <user>`` (release a locked account).

**Sessions are per connection.** Every client connection has its own login
(:class:`ControllerSession`, opened by the server for each connection): a
connection that has not logged in has no rights — whoever logged in on another
socket — and two connections logged in as different users each act, and are
recorded, as themselves. A session ends with ``ACC:LOGO``, when its connection
closes (``LOGOUT`` with reason ``connection closed``) and at a power cut (every
session). In-process calls without a connection share one local session.

**Lockout.** ``simulation.controller.lockout.failed_logins`` wrong passwords in
a row for one account (over any connection) lock it (:mod:`.lockout`): the
right password is then refused too (``-203,"Command protected;account <user>
is locked ..."``, entry ``LOGIN_REFUSED_LOCKED``) until an ADMIN unlocks it
(``ACCOUNT_UNLOCK``) or, with ``release_after_s`` set, that long has passed on
the controller's clock (``ACCOUNT_UNLOCKED`` by ``SYSTEM``, written at the next
login attempt). Each wrong password is ``LOGIN_FAILED`` with the count so far,
the lock itself ``ACCOUNT_LOCKED``. A wrong password for a user that has no
account is ``LOGIN_FAILED`` too (nothing to lock).

Every handler that changes something asks ``self._require(action, level)`` for
the user to record the change under, then records it with ``self._audit(...)``:

>>> user = dev._require("ALARM_LIMIT_PH_HIGH", SUPERVISOR_ACTIONS)   # doctest: +SKIP
>>> dev._audit(user, "ALARM_LIMIT_PH_HIGH", "7.6", "7.7")            # doctest: +SKIP
"""

from __future__ import annotations

from mimedi_qual.simbench.accounts import AccountError, AccountStore
from mimedi_qual.simbench.lockout import LoginLockout
from mimedi_qual.simbench.scpi import (
    COMMAND_PROTECTED,
    ILLEGAL_PARAMETER,
    MISSING_PARAMETER,
    SETTINGS_CONFLICT,
    ScpiDevice,
    ScpiError,
    Session,
)
from mimedi_qual.simbench.world import SimulatedWorld

#: The levels in increasing order; ``NONE`` is nobody logged in.
LEVELS = ("NONE", "OPERATOR", "SUPERVISOR", "ADMIN")
#: Who a change or an attempt is recorded under when nobody is logged in.
ANONYMOUS = "ANONYMOUS"
#: Level each higher-level action needs (process writes need OPERATOR; AUDit:CLEar nobody at all).
SUPERVISOR_ACTIONS = "SUPERVISOR"       # alarm limits, loop modes
ADMIN_ACTIONS = "ADMIN"                 # user accounts


class ControllerSession(Session):
    """One connection's login: ``user``/``level`` (``""``/``NONE``: nobody logged in on it)."""

    def __init__(self) -> None:
        super().__init__()
        self.user = ""
        self.level = "NONE"


class AccessControl(ScpiDevice):
    """A SCPI device with a login per connection and access levels: the base of ``ControllerDevice``.

    ``user``/``level``: who is logged in on the connection being served (``""``/``NONE``:
    nobody); ``accounts``: the controller's account store, in the world's state directory as
    ``<name>-accounts.json``; ``lockout``: failed-login counts and locks (``<name>-lockout.json``);
    ``require_login``: the firmware setting that, when false, opens process writes (OPERATOR)
    to anyone.
    """

    def __init__(self, idn: str, world: SimulatedWorld, name: str):
        self._sessions: set[ControllerSession] = set()
        super().__init__(idn=idn)
        self.world = world
        cfg = world.sim.controller
        self.accounts = AccountStore(self.world.state_dir / f"{name}-accounts.json",
                                     [(a.user, a.password, a.level) for a in cfg.accounts])
        self.lockout = LoginLockout(self.world.state_dir / f"{name}-lockout.json",
                                    cfg.lockout.failed_logins, cfg.lockout.release_after_s)
        self.require_login = cfg.require_login
        self.world.on_power_change.append(self._power_changed)
        self.register("ACCess:LOGin", self._login)
        # SCPI would give LOGin and LOGout the same short form; LOGO (as the lab driver sends) is it.
        self.register("ACCess:LOGOut", self._logout)
        self.register("ACCess:LEVel?", lambda a: self.level)
        self.register("ACCess:USER:ADD", self._add_user)
        self.register("ACCess:USER:DELete", self._delete_user)
        self.register("ACCess:USER:LIST?", self._list_users)
        self.register("ACCess:USER:UNLock", self._unlock_user)

    # ---------------------------------------------------------------- sessions
    def new_session(self) -> ControllerSession:
        session = ControllerSession()
        self._sessions.add(session)
        return session

    def close_session(self, session: Session) -> None:
        """The connection has gone: its login ends (``LOGOUT``, reason ``connection closed``)."""
        self._sessions.discard(session)
        if isinstance(session, ControllerSession) and session.user and self.world.controller_powered:
            self._audit(session.user, "LOGOUT", session.level, "NONE", "connection closed")
        if isinstance(session, ControllerSession):
            session.user, session.level = "", "NONE"

    @property
    def user(self) -> str:
        return self.session.user

    @property
    def level(self) -> str:
        return self.session.level

    def _power_changed(self, powered: bool) -> None:
        """A power cut logs every session out and drops the accounts from RAM; power-on reads them back."""
        for session in list(self._sessions):
            session.user, session.level = "", "NONE"
        if powered:
            self.accounts.load()
        else:
            self.accounts.forget()

    def _audit(self, user: str, action: str, old: str, new: str, reason: str = "") -> None:
        """One audit-trail entry, now on the controller's clock (bench time mapped to UTC)."""
        self.world.audit.append(self.world.time_s, user, action, old, new, reason)

    def _require(self, action: str, level: str = "OPERATOR") -> str:
        """The user making a change named ``action``; refuses when the level is too low or the controller boots.

        A refusal for a too-low level is ``-203`` and leaves ``<action>_DENIED`` in the audit
        trail: who (``ANONYMOUS`` when nobody is logged in), the level they had (old) and the
        level needed (new). ``require_login: false`` opens process writes (OPERATOR) to anyone;
        SUPERVISOR and ADMIN actions always need a login of that level.
        """
        if LEVELS.index(self.level) < LEVELS.index(level) and (self.require_login or level != "OPERATOR"):
            self._audit(self.user or ANONYMOUS, f"{action}_DENIED", self.level, level, f"needs {level} or higher")
            raise ScpiError(COMMAND_PROTECTED, reason=f"needs {level} or higher")
        if self.world.booting:
            raise ScpiError(SETTINGS_CONFLICT, reason="controller is recovering from a power cut")
        return self.user or ANONYMOUS

    # ---------------------------------------------------------------- login
    def _login(self, args: list[str]) -> None:
        """``ACC:LOG <user>,<password>`` on this connection; wrong passwords counted towards the lockout."""
        user, password = args[0], args[1]
        lock = self.lockout
        if lock.release_if_due(user, self.world.utc_now()):
            self._audit("SYSTEM", "ACCOUNT_UNLOCKED", f"{user}:LOCKED", f"{user}:UNLOCKED",
                        f"lockout released after {lock.release_after_s:g} s")
        if lock.is_locked(user):
            reason = f"account {user} is locked after {lock.failed_logins} failed logins; {lock.release_text()}"
            self._audit(user, "LOGIN_REFUSED_LOCKED", self.level, self.level, reason)
            raise ScpiError(COMMAND_PROTECTED, reason=reason)
        level = self.accounts.level_of(user, password)
        if level is None:
            if self.accounts.level(user) is None:
                self._audit(user, "LOGIN_FAILED", "", "", "wrong user or password; no such account")
            else:
                failed = lock.failure(user, self.world.utc_now())
                self._audit(user, "LOGIN_FAILED", "", "", f"wrong user or password; "
                                                          f"{failed} of {lock.failed_logins} before lockout")
                if lock.is_locked(user):
                    self._audit("SYSTEM", "ACCOUNT_LOCKED", f"{user}:UNLOCKED", f"{user}:LOCKED",
                                f"{failed} failed logins in a row; {lock.release_text()}")
            raise ScpiError(ILLEGAL_PARAMETER, reason="wrong user or password")
        lock.success(user)
        self.session.user, self.session.level = user, level
        self._audit(user, "LOGIN", "", level, "")

    def _logout(self, args: list[str]) -> None:
        if self.user:
            self._audit(self.user, "LOGOUT", self.level, "NONE", "")
        self.session.user, self.session.level = "", "NONE"

    # ---------------------------------------------------------------- ADMIN: accounts
    def _add_user(self, args: list[str]) -> None:
        """``ACCess:USER:ADD <user>,<password>,<level>``: ADMIN; audited without the password."""
        if len(args) != 3:
            raise ScpiError(MISSING_PARAMETER if len(args) < 3 else ILLEGAL_PARAMETER,
                            reason="ACCess:USER:ADD <user>,<password>,<level>")
        user, password, level = args
        acting = self._require("ACCOUNT_ADD", ADMIN_ACTIONS)
        try:
            self.accounts.add(user, password, level)
        except AccountError as exc:
            raise ScpiError(SETTINGS_CONFLICT if exc.conflict else ILLEGAL_PARAMETER, reason=str(exc)) from None
        self._audit(acting, "ACCOUNT_ADD", "", f"{user}:{level.strip().upper()}")

    def _delete_user(self, args: list[str]) -> None:
        """``ACCess:USER:DELete <user>``: ADMIN; never your own account, never the last ADMIN."""
        user = args[0]
        acting = self._require("ACCOUNT_DELETE", ADMIN_ACTIONS)
        try:
            level = self.accounts.delete(user, acting)
        except AccountError as exc:
            if exc.conflict:
                self._audit(acting, "ACCOUNT_DELETE_REFUSED", user, user, str(exc))
            raise ScpiError(SETTINGS_CONFLICT if exc.conflict else ILLEGAL_PARAMETER, reason=str(exc)) from None
        self.lockout.unlock(user)
        self._audit(acting, "ACCOUNT_DELETE", f"{user}:{level}", "")

    def _unlock_user(self, args: list[str]) -> None:
        """``ACCess:USER:UNLock <user>``: ADMIN; releases a locked account (-221 if it is not locked)."""
        user = args[0]
        acting = self._require("ACCOUNT_UNLOCK", ADMIN_ACTIONS)
        if self.accounts.level(user) is None:
            raise ScpiError(ILLEGAL_PARAMETER, reason=f"no user {user!r}")
        if not self.lockout.unlock(user):
            raise ScpiError(SETTINGS_CONFLICT, reason=f"account {user} is not locked")
        self._audit(acting, "ACCOUNT_UNLOCK", f"{user}:LOCKED", f"{user}:UNLOCKED", "unlocked by an ADMIN")

    def _list_users(self, args: list[str]) -> str:
        """``ACCess:USER:LIST?``: ADMIN; ``user:level,...`` — never a password."""
        self._require("ACCOUNT_LIST", ADMIN_ACTIONS)
        return self.accounts.listing()

    # ---------------------------------------------------------------- the audit trail: nobody clears it
    def _refuse_audit_clear(self) -> None:
        """``AUDit:CLEar`` is refused for every level, ADMIN included, and the attempt recorded.

        Entry ``AUDIT_CLEAR_REFUSED``: who, the level they had (old), ``NOBODY`` (the level
        that may: new), and how many entries were kept.
        """
        kept = self.world.audit.count
        self._audit(self.user or ANONYMOUS, "AUDIT_CLEAR_REFUSED", self.level, "NOBODY",
                    f"the audit trail cannot be cleared; {kept} entries kept")
        raise ScpiError(COMMAND_PROTECTED, reason="the audit trail cannot be cleared")
