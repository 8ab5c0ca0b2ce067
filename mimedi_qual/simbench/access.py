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

:class:`AccessControl` is the base of the controller device (:mod:`.controller`):
it holds the interface's session — one login at a time, as on the
controller's own panel — and answers ``ACCess:*``:

* ``ACC:LOG <user>,<password>``, ``ACC:LOGO``, ``ACC:LEV?``;
* ADMIN: ``ACC:USER:ADD <user>,<password>,<level>``, ``ACC:USER:DEL <user>``, ``ACC:USER:LIST?``.

Every handler that changes something asks ``self._require(action, level)`` for
the user to record the change under, then records it with ``self._audit(...)``:

>>> user = dev._require("ALARM_LIMIT_PH_HIGH", SUPERVISOR_ACTIONS)   # doctest: +SKIP
>>> dev._audit(user, "ALARM_LIMIT_PH_HIGH", "7.6", "7.7")            # doctest: +SKIP
"""

from __future__ import annotations

from mimedi_qual.simbench.accounts import AccountError, AccountStore
from mimedi_qual.simbench.scpi import (
    COMMAND_PROTECTED,
    ILLEGAL_PARAMETER,
    MISSING_PARAMETER,
    SETTINGS_CONFLICT,
    ScpiDevice,
    ScpiError,
)
from mimedi_qual.simbench.world import SimulatedWorld

#: The levels in increasing order; ``NONE`` is nobody logged in.
LEVELS = ("NONE", "OPERATOR", "SUPERVISOR", "ADMIN")
#: Who a change or an attempt is recorded under when nobody is logged in.
ANONYMOUS = "ANONYMOUS"
#: Level each higher-level action needs (process writes need OPERATOR; AUDit:CLEar nobody at all).
SUPERVISOR_ACTIONS = "SUPERVISOR"       # alarm limits, loop modes
ADMIN_ACTIONS = "ADMIN"                 # user accounts


class AccessControl(ScpiDevice):
    """A SCPI device with a login session and access levels: the base of ``ControllerDevice``.

    ``user``/``level``: who is logged in (``""``/``NONE``: nobody); ``accounts``: the
    controller's account store, in the world's state directory as ``<name>-accounts.json``;
    ``require_login``: the firmware setting that, when false, opens process writes (OPERATOR)
    to anyone.
    """

    def __init__(self, idn: str, world: SimulatedWorld, name: str):
        super().__init__(idn=idn)
        self.world = world
        cfg = world.sim.controller
        self.accounts = AccountStore(self.world.state_dir / f"{name}-accounts.json",
                                     [(a.user, a.password, a.level) for a in cfg.accounts])
        self.require_login = cfg.require_login
        self.user = ""
        self.level = "NONE"
        self.world.on_power_change.append(self._power_changed)
        self.register("ACCess:LOGin", self._login)
        # SCPI would give LOGin and LOGout the same short form; LOGO (as the lab driver sends) is it.
        self.register("ACCess:LOGOut", self._logout)
        self.register("ACCess:LEVel?", lambda a: self.level)
        self.register("ACCess:USER:ADD", self._add_user)
        self.register("ACCess:USER:DELete", self._delete_user)
        self.register("ACCess:USER:LIST?", self._list_users)

    def _power_changed(self, powered: bool) -> None:
        """A power cut logs everyone out and drops the accounts from RAM; power-on reads them back."""
        self.user, self.level = "", "NONE"
        if powered:
            self.accounts.load()
        else:
            self.accounts.forget()

    def _audit(self, user: str, action: str, old: str, new: str, reason: str = "") -> None:
        """One audit-trail entry at the controller's own clock."""
        self.world.audit.append(self.world.controller.time_s, user, action, old, new, reason)

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
        user, password = args[0], args[1]
        level = self.accounts.level_of(user, password)
        if level is None:
            self._audit(user, "LOGIN_FAILED", "", "", "wrong user or password")
            raise ScpiError(ILLEGAL_PARAMETER, reason="wrong user or password")
        self.user, self.level = user, level
        self._audit(user, "LOGIN", "", level, "")

    def _logout(self, args: list[str]) -> None:
        if self.user:
            self._audit(self.user, "LOGOUT", self.level, "NONE", "")
        self.user, self.level = "", "NONE"

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
        self._audit(acting, "ACCOUNT_DELETE", f"{user}:{level}", "")

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
