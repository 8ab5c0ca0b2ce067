"""The controller's access levels in-process: SUPERVISOR and ADMIN actions, refusals, the audit of attempts.

Every new command of the controller (alarm limits, loop modes, accounts, the
audit-trail clear that nobody may do), every refusal with its code and reason,
the ``<ACTION>_DENIED`` trace of a too-low level, and what a power cut keeps
(accounts, alarm limits, a supervisor's manual mode).
"""

from __future__ import annotations

import json

import pytest

from bench_clients import SIM_PROFILE
from mimedi_qual.control.codes import Loop
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.controller import ControllerDevice
from mimedi_qual.simbench.world import SimulatedWorld

PASSWORDS = {"op1": "op1-sim", "sup1": "sup1-sim", "admin": "admin-sim"}


class Controller:
    """A controller device on its own world; ``send`` returns (reply, first error)."""

    def __init__(self, state_dir):
        bench = load_bench(SIM_PROFILE)
        self.world = SimulatedWorld.from_profile(bench, state_dir)
        self.dev = ControllerDevice(bench.instruments["controller"].identity, self.world)

    def send(self, line: str) -> tuple[str | None, str]:
        reply = self.dev.handle(line)
        return reply, self.dev.handle("SYST:ERR?")

    def ok(self, line: str) -> str | None:
        reply, error = self.send(line)
        assert error == '0,"No error"', f"{line}: {error}"
        return reply

    def login(self, user: str) -> None:
        self.ok(f"ACC:LOG {user},{PASSWORDS[user]}")

    def last_entry(self) -> list[str]:
        return self.world.audit.entry(self.world.audit.count).split(",")

    def power_cycle(self) -> None:
        outlet = self.world.controller_outlet
        self.world.set_outlet(outlet, False)
        self.world.advance(60.0)
        self.world.set_outlet(outlet, True)
        self.world.advance(self.world.sim.controller.boot_time_s + 1.0)
        assert not self.world.booting


@pytest.fixture
def ctl(tmp_path):
    return Controller(tmp_path / "state")


# ------------------------------------------------------------------ alarm limits (SUPERVISOR)

@pytest.mark.parametrize("user", [None, "op1"])
def test_alarm_limit_is_refused_below_supervisor_and_the_attempt_recorded(ctl, user):
    if user:
        ctl.login(user)
    before = ctl.ok("ALAR:LIM? TEMPERATURE_HIGH")
    assert ctl.send("ALAR:LIM TEMPERATURE_HIGH,38.5") == (None, '-203,"Command protected;needs SUPERVISOR or higher"')
    assert ctl.ok("ALAR:LIM? TEMPERATURE_HIGH") == before
    n, _, who, action, old, new, reason = ctl.last_entry()
    assert (who, action, old, new) == (user or "ANONYMOUS", "ALARM_LIMIT_TEMPERATURE_HIGH_DENIED",
                                       "OPERATOR" if user else "NONE", "SUPERVISOR")


@pytest.mark.parametrize("user", ["sup1", "admin"])
def test_supervisor_and_admin_change_an_alarm_limit_under_their_name(ctl, user):
    ctl.login(user)
    old = float(ctl.ok("ALAR:LIM? PH_LOW"))
    ctl.ok("ALARm:LIMit ph_low,6.9")
    assert float(ctl.ok("alarm:limit? PH_LOW")) == 6.9
    assert ctl.world.controller.alarm_limit(3) == 6.9                # the core got it
    assert ctl.last_entry()[2:6] == [user, "ALARM_LIMIT_PH_LOW", f"{old:g}", "6.9"]


def test_alarm_limit_validation_names_the_alarm_and_the_reason(ctl):
    ctl.login("sup1")
    count = ctl.world.audit.count
    low = ctl.ok("ALAR:LIM? TEMPERATURE_LOW")
    high = ctl.ok("ALAR:LIM? TEMPERATURE_HIGH")
    assert ctl.send(f"ALAR:LIM TEMPERATURE_HIGH,{low}") == (
        None, f'-224,"Illegal parameter value;TEMPERATURE_HIGH {low} must be above TEMPERATURE_LOW {low}"')
    assert ctl.send(f"ALAR:LIM TEMPERATURE_LOW,{float(high) + 1}")[1].startswith(
        '-224,"Illegal parameter value;TEMPERATURE_LOW ')
    assert "must be below TEMPERATURE_HIGH" in ctl.send(f"ALAR:LIM TEMPERATURE_LOW,{float(high) + 1}")[1]
    for bad, reason in (("DOOR_OPEN,1", "no limit alarm 'DOOR_OPEN'"), ("TEMP_HIGH,40", "no limit alarm 'TEMP_HIGH'"),
                        ("DO_HIGH,500", "DO_HIGH 500 outside the probe's range 0..150"),
                        ("DO_HIGH,lots", "")):
        reply, error = ctl.send(f"ALAR:LIM {bad}")
        assert error.startswith("-224,") and reason in error, error
    assert ctl.send("ALAR:LIM? OVER_TEMPERATURE")[1].startswith('-224,"Illegal parameter value;no limit alarm')
    assert ctl.send("ALAR:LIM TEMPERATURE_HIGH")[1] == '-109,"Missing parameter"'
    assert ctl.world.audit.count == count                          # refused values change nothing, log nothing


# ------------------------------------------------------------------ loop modes (SUPERVISOR)

def test_loop_mode_is_refused_to_an_operator(ctl):
    ctl.login("op1")
    assert ctl.send("LOOP:MODE TEMP,MAN,20")[1] == '-203,"Command protected;needs SUPERVISOR or higher"'
    assert ctl.ok("LOOP:MODE? TEMP") == "AUTO"
    assert ctl.last_entry()[2:6] == ["op1", "LOOP_MODE_TEMP_DENIED", "OPERATOR", "SUPERVISOR"]


def test_supervisor_puts_a_loop_in_manual_and_back_audited(ctl):
    ctl.login("sup1")
    ctl.ok("LOOP:MODE DO,MAN,120")
    assert ctl.ok("LOOP:MODE? DO") == "MAN,120.00"
    assert ctl.last_entry()[2:6] == ["sup1", "LOOP_MODE_DO", "AUTO", "MAN 120.00"]
    ctl.ok("LOOP:MODE DO,AUTO")
    assert ctl.ok("LOOP:MODE? DO") == "AUTO"
    assert ctl.last_entry()[2:6] == ["sup1", "LOOP_MODE_DO", "MAN 120.00", "AUTO"]


def test_manual_heater_output_drives_the_plant(ctl):
    ctl.login("sup1")
    ctl.ok("LOOP:MODE TEMP,MAN,0")
    ctl.world.advance(600.0)
    assert float(ctl.ok("OUTP:HEAT?")) == 0.0
    ctl.ok("LOOP:MODE TEMP,AUTO")


def test_loop_mode_validation(ctl):
    ctl.login("sup1")
    for bad, reason in (("XX,AUTO", "no loop 'XX'"), ("TEMP,MAN,101", "TEMP loop output 101 outside 0..100"),
                        ("PH,MAN,-101", "outside -100..100"), ("DO,MAN,201", "outside 0..200"),
                        ("TEMP,CASCADE", "loop mode must be MAN,<output> or AUTO")):
        error = ctl.send(f"LOOP:MODE {bad}")[1]
        assert error.startswith("-224,") and reason in error, error
    assert ctl.send("LOOP:MODE TEMP,MAN")[1] == '-109,"Missing parameter"'
    assert ctl.send("LOOP:MODE? FOO")[1].startswith("-224,")


def test_ph_loop_has_one_manual_owner_at_a_time(ctl):
    """SOUR:CO2 <n> and LOOP:MODE PH,MAN exclude each other; neither silently undoes the other."""
    ctl.login("sup1")
    ctl.ok("SOUR:CO2 5")
    assert ctl.ok("LOOP:MODE? PH").startswith("MAN,-")              # the CO2 side, held by SOUR:CO2
    for command in ("LOOP:MODE PH,AUTO", "LOOP:MODE PH,MAN,10"):
        error = ctl.send(command)[1]
        assert error == '-221,"Settings conflict;the pH loop\'s CO2 side is held by SOUR:CO2 5: SOUR:CO2 AUTO first"'
    assert ctl.last_entry()[3] == "LOOP_MODE_PH_REFUSED"
    ctl.ok("SOUR:CO2 AUTO")
    ctl.ok("LOOP:MODE PH,MAN,10")
    error = ctl.send("SOUR:CO2 4")[1]
    assert error.startswith('-221,"Settings conflict;the pH loop is in manual (LOOP:MODE PH)')
    ctl.ok("SOUR:CO2 AUTO")                                          # already AUTO: keeps the supervisor's mode
    ctl.ok("SOUR:TEMP 36.8")                                         # any setpoint re-applies the setpoints ...
    assert ctl.ok("LOOP:MODE? PH") == "MAN,10.00"                    # ... and never undoes the manual mode
    ctl.ok("LOOP:MODE PH,AUTO")
    assert ctl.ok("LOOP:MODE? PH") == "AUTO"


def test_power_cut_keeps_manual_modes_and_alarm_limits_and_says_so(ctl):
    ctl.login("sup1")
    ctl.ok("LOOP:MODE DO,MAN,80")
    ctl.ok("ALAR:LIM TEMPERATURE_HIGH,38.2")
    ctl.power_cycle()
    assert ctl.ok("LOOP:MODE? DO") == "MAN,80.00"
    assert ctl.ok("ALAR:LIM? TEMPERATURE_HIGH") == "38.2"
    recovery = ctl.last_entry()
    assert recovery[3] == "RECOVERY" and "loops kept in manual: DISSOLVED_OXYGEN" in recovery[6]
    assert Loop.DISSOLVED_OXYGEN in ctl.world.nv_loop_modes


# ------------------------------------------------------------------ accounts (ADMIN)

@pytest.mark.parametrize("user", [None, "op1", "sup1"])
def test_account_commands_are_refused_below_admin(ctl, user):
    if user:
        ctl.login(user)
    level = {"op1": "OPERATOR", "sup1": "SUPERVISOR"}.get(user, "NONE")
    for command, action in (("ACC:USER:ADD qa1,long-password,OPERATOR", "ACCOUNT_ADD_DENIED"),
                            ("ACC:USER:DEL op1", "ACCOUNT_DELETE_DENIED"),
                            ("ACC:USER:LIST?", "ACCOUNT_LIST_DENIED")):
        assert ctl.send(command) == (None, '-203,"Command protected;needs ADMIN or higher"')
        assert ctl.last_entry()[2:6] == [user or "ANONYMOUS", action, level, "ADMIN"]
    assert ctl.dev.accounts.listing() == "admin:ADMIN,op1:OPERATOR,sup1:SUPERVISOR"


def test_admin_adds_lists_and_deletes_an_account_and_no_password_shows(ctl):
    ctl.login("admin")
    ctl.ok("ACC:USER:ADD qa7,Qa7-long-secret,supervisor")
    assert ctl.ok("ACC:USER:LIST?") == "admin:ADMIN,op1:OPERATOR,qa7:SUPERVISOR,sup1:SUPERVISOR"
    assert ctl.last_entry()[2:6] == ["admin", "ACCOUNT_ADD", "", "qa7:SUPERVISOR"]
    ctl.ok("ACC:LOG qa7,Qa7-long-secret")
    assert ctl.ok("ACC:LEV?") == "SUPERVISOR"
    ctl.login("admin")
    ctl.ok("ACC:USER:DEL qa7")
    assert ctl.last_entry()[2:6] == ["admin", "ACCOUNT_DELETE", "qa7:SUPERVISOR", ""]
    assert ctl.send("ACC:LOG qa7,Qa7-long-secret")[1].startswith("-224,")
    trail = "\n".join(ctl.world.audit.entry(n) for n in range(1, ctl.world.audit.count + 1))
    state = (ctl.world.state_dir / "controller-accounts.json").read_text()
    assert "Qa7-long-secret" not in trail and "Qa7-long-secret" not in state
    assert "admin-sim" not in state                                 # factory passwords hashed too


def test_account_validation(ctl):
    ctl.login("admin")
    cases = (("ACC:USER:ADD op1,long-password,OPERATOR", '-221,"Settings conflict;user \'op1\' already exists"'),
             ("ACC:USER:ADD qa1,long-password,BOSS",
              '-224,"Illegal parameter value;level must be OPERATOR, SUPERVISOR or ADMIN, got \'BOSS\'"'),
             ("ACC:USER:ADD qa1,short,OPERATOR", '-224,"Illegal parameter value;password shorter than 8 characters"'),
             ("ACC:USER:ADD qa 1,long-password,OPERATOR", "-224,"),
             ("ACC:USER:ADD qa1,long-password", '-109,"Missing parameter;ACCess:USER:ADD <user>,<password>,<level>"'),
             ("ACC:USER:DEL ghost", '-224,"Illegal parameter value;no user \'ghost\'"'),
             ("ACC:USER:DEL admin", '-221,"Settings conflict;the last ADMIN account cannot be deleted"'))
    for command, error in cases:
        assert ctl.send(command)[1].startswith(error), command
    ctl.ok("ACC:USER:ADD adm2,adm2-long-secret,ADMIN")
    assert ctl.send("ACC:USER:DEL admin")[1] == '-221,"Settings conflict;you cannot delete your own account"'
    assert ctl.last_entry()[2:4] == ["admin", "ACCOUNT_DELETE_REFUSED"]
    ctl.ok("ACC:LOG adm2,adm2-long-secret")
    ctl.ok("ACC:USER:DEL admin")                                    # another ADMIN may
    assert ctl.dev.accounts.listing() == "adm2:ADMIN,op1:OPERATOR,sup1:SUPERVISOR"


def test_accounts_survive_a_power_cycle_and_a_restart_on_the_same_state(ctl, tmp_path):
    ctl.login("admin")
    ctl.ok("ACC:USER:ADD qa7,Qa7-long-secret,OPERATOR")
    ctl.ok("ACC:USER:DEL sup1")
    ctl.power_cycle()
    assert ctl.ok("ACC:LEV?") == "NONE"                              # a power cut logs everyone out
    ctl.ok("ACC:LOG qa7,Qa7-long-secret")
    assert ctl.ok("ACC:LEV?") == "OPERATOR"
    assert ctl.send("ACC:LOG sup1,sup1-sim")[1].startswith("-224,")  # deleted stays deleted
    again = Controller(tmp_path / "state")                          # the simulator restarted on its flash
    assert again.dev.accounts.listing() == "admin:ADMIN,op1:OPERATOR,qa7:OPERATOR"
    assert set(json.loads((tmp_path / "state" / "controller-accounts.json").read_text())["accounts"]) == {
        "admin", "op1", "qa7"}


def test_accounts_are_gone_from_ram_while_the_power_is_off(ctl):
    ctl.world.set_outlet(ctl.world.controller_outlet, False)
    assert ctl.dev.accounts.listing() == ""
    ctl.world.set_outlet(ctl.world.controller_outlet, True)
    assert ctl.dev.accounts.listing() == "admin:ADMIN,op1:OPERATOR,sup1:SUPERVISOR"


# ------------------------------------------------------------------ the audit trail (nobody)

@pytest.mark.parametrize("user", [None, "op1", "sup1", "admin"])
def test_nobody_clears_the_audit_trail_and_the_attempt_is_recorded(ctl, user):
    if user:
        ctl.login(user)
    before = [ctl.world.audit.entry(n) for n in range(1, ctl.world.audit.count + 1)]
    for command in ("AUD:CLE", "AUDit:CLEar"):
        assert ctl.send(command) == (None, '-203,"Command protected;the audit trail cannot be cleared"')
    after = [ctl.world.audit.entry(n) for n in range(1, ctl.world.audit.count + 1)]
    assert after[:len(before)] == before and len(after) == len(before) + 2
    level = {"op1": "OPERATOR", "sup1": "SUPERVISOR", "admin": "ADMIN"}.get(user, "NONE")
    assert ctl.last_entry()[2:6] == [user or "ANONYMOUS", "AUDIT_CLEAR_REFUSED", level, "NOBODY"]


# ------------------------------------------------------------------ process writes keep their rules

def test_process_writes_without_login_are_denied_and_recorded(ctl):
    for command, action in (("SOUR:TEMP 36.5", "SETPOINT_TEMPERATURE_C_DENIED"),
                            ("MOD:COMM SELECTION,RESET", "MODULE_RESET_DENIED"),
                            ("PUMP:DISP FEED,1,1", "PUMP_DISPENSE_FEED_DENIED"),
                            ("ALAR:ACKN", "ALARM_ACKNOWLEDGE_DENIED")):
        assert ctl.send(command)[1] == '-203,"Command protected;needs OPERATOR or higher"'
        assert ctl.last_entry()[2:6] == ["ANONYMOUS", action, "NONE", "OPERATOR"]


def test_without_require_login_only_process_writes_are_open(tmp_path):
    ctl = Controller(tmp_path / "state")
    ctl.dev.require_login = False
    ctl.ok("SOUR:TEMP 36.5")
    assert ctl.last_entry()[2:4] == ["ANONYMOUS", "SETPOINT_TEMPERATURE_C"]
    assert ctl.send("ALAR:LIM TEMPERATURE_HIGH,38")[1].startswith("-203,")
    assert ctl.send("ACC:USER:LIST?")[1].startswith("-203,")
