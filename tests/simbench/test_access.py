"""The controller keeps its users apart: a login per connection, lockout after failed logins, all of it audited.

Issue 17 item 5. On the old firmware one login state served every connection
(a socket that never logged in acted at the last login's level — it added an
ADMIN account recorded as done by ``admin``), the right password was accepted
after any number of wrong ones, and nothing was dated. Each test here fails on
that firmware.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from bench_clients import SIM_PROFILE, host_port, profile_with
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.audit import parse_iso_utc
from mimedi_qual.simbench.controller import ControllerDevice
from mimedi_qual.simbench.process import BenchThread
from mimedi_qual.simbench.world import SimulatedWorld

PASSWORDS = {"op1": "op1-sim", "sup1": "sup1-sim", "admin": "admin-sim"}
LOCKOUT = load_bench(SIM_PROFILE).simulation.controller.lockout


class Connection:
    """One client socket to the controller's SCPI port (its own session)."""

    def __init__(self, address: str):
        self.sock = socket.create_connection(host_port(address), timeout=10)
        self.reader = self.sock.makefile("rb")

    def query(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\n")
        return self.reader.readline().decode("ascii").strip()

    def send(self, command: str) -> str:
        """Send a command; the first error it queued on *this* connection."""
        return self.query(f"{command};SYST:ERR?")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


@pytest.fixture
def connect(fresh_bench):
    opened = []

    def _connect() -> Connection:
        connection = Connection(fresh_bench.addresses["controller"])
        opened.append(connection)
        return connection
    yield _connect
    for connection in opened:
        connection.close()


def _entries(connection: Connection, first: int) -> list[list[str]]:
    count = int(connection.query("AUD:COUN?"))
    return [connection.query(f"AUD:ENTR? {n}").split(",") for n in range(first, count + 1)]


def test_a_connection_that_never_logged_in_has_no_rights_while_another_is_admin(connect):
    admin, stranger = connect(), connect()
    assert admin.send(f"ACC:LOG admin,{PASSWORDS['admin']}") == '0,"No error"'
    assert admin.query("ACC:LEV?") == "ADMIN"
    assert stranger.query("ACC:LEV?") == "NONE"
    first = int(stranger.query("AUD:COUN?")) + 1
    assert stranger.send("ACC:USER:ADD intruder,long-enough-1,ADMIN").startswith("-203,")
    assert stranger.send("SOUR:TEMP 36.5").startswith("-203,")
    assert "intruder" not in admin.query("ACC:USER:LIST?")
    assert [e[2:4] for e in _entries(admin, first)] == [["ANONYMOUS", "ACCOUNT_ADD_DENIED"],
                                                       ["ANONYMOUS", "SETPOINT_TEMPERATURE_C_DENIED"]]


def test_two_users_at_once_each_act_and_are_recorded_as_themselves(connect):
    operator, supervisor = connect(), connect()
    assert operator.send(f"ACC:LOG op1,{PASSWORDS['op1']}") == '0,"No error"'
    assert supervisor.send(f"ACC:LOG sup1,{PASSWORDS['sup1']}") == '0,"No error"'
    assert (operator.query("ACC:LEV?"), supervisor.query("ACC:LEV?")) == ("OPERATOR", "SUPERVISOR")
    first = int(operator.query("AUD:COUN?")) + 1
    assert operator.send("SOUR:TEMP 36.8") == '0,"No error"'
    assert supervisor.send("ALAR:LIM TEMPERATURE_HIGH,37.8") == '0,"No error"'
    assert operator.send("ALAR:LIM TEMPERATURE_HIGH,37.9").startswith("-203,")   # still only an operator
    assert supervisor.send("SOUR:TEMP 37") == '0,"No error"'
    assert [e[2:4] for e in _entries(operator, first)] == [
        ["op1", "SETPOINT_TEMPERATURE_C"], ["sup1", "ALARM_LIMIT_TEMPERATURE_HIGH"],
        ["op1", "ALARM_LIMIT_TEMPERATURE_HIGH_DENIED"], ["sup1", "SETPOINT_TEMPERATURE_C"]]


def test_an_error_on_one_connection_is_not_read_on_another(connect):
    first, second = connect(), connect()
    first.sock.sendall(b"NOT:A:COMMand\n")
    assert second.query("SYST:ERR?") == '0,"No error"'
    assert first.query("SYST:ERR?").startswith("-113,")


def test_closing_a_connection_ends_its_login_and_records_it(connect):
    watcher, operator = connect(), connect()
    assert operator.send(f"ACC:LOG op1,{PASSWORDS['op1']}") == '0,"No error"'
    operator.close()
    for _ in range(50):                      # the server notices the hang-up on its next read
        last = watcher.query(f"AUD:ENTR? {watcher.query('AUD:COUN?')}").split(",")
        if last[3] == "LOGOUT":
            break
    assert last[2:7] == ["op1", "LOGOUT", "OPERATOR", "NONE", "connection closed"]


# ---------------------------------------------------------------------------- lockout, in-process
class Controller:
    """A controller device on its own world, one in-process session; ``send`` returns the first error."""

    def __init__(self, state_dir, bench_path=SIM_PROFILE):
        bench = load_bench(bench_path)
        self.world = SimulatedWorld.from_profile(bench, state_dir)
        self.dev = ControllerDevice(bench.instruments["controller"].identity, self.world)

    def send(self, line: str) -> str:
        self.dev.handle(line)
        return self.dev.handle("SYST:ERR?")

    def entries(self, first: int = 1) -> list[list[str]]:
        return [self.world.audit.entry(n).split(",") for n in range(first, self.world.audit.count + 1)]


def test_the_profile_gives_the_lockout_its_numbers():
    assert LOCKOUT.failed_logins >= 1 and LOCKOUT.release_after_s is not None


def test_the_right_password_is_refused_after_n_wrong_ones_and_each_step_is_audited(tmp_path):
    ctl = Controller(tmp_path / "state")
    first = ctl.world.audit.count + 1
    for _ in range(LOCKOUT.failed_logins):
        assert ctl.send("ACC:LOG op1,wrong-password").startswith("-224,")
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}").startswith("-203,")    # locked: the right one too
    assert ctl.dev.handle("ACC:LEV?") == "NONE"
    trail = ctl.entries(first)
    failed = [e for e in trail if e[3] == "LOGIN_FAILED"]
    assert len(failed) == LOCKOUT.failed_logins
    assert failed[-1][6] == f"wrong user or password; {LOCKOUT.failed_logins} of {LOCKOUT.failed_logins} before lockout"
    assert ["SYSTEM", "ACCOUNT_LOCKED", "op1:UNLOCKED", "op1:LOCKED"] in [e[2:6] for e in trail]
    assert trail[-1][2:4] == ["op1", "LOGIN_REFUSED_LOCKED"]


def test_a_lock_releases_itself_after_the_profiles_time_on_the_controllers_clock(tmp_path):
    ctl = Controller(tmp_path / "state")
    for _ in range(LOCKOUT.failed_logins):
        ctl.send("ACC:LOG op1,wrong-password")
    ctl.world.advance(LOCKOUT.release_after_s - 10.0)
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}").startswith("-203,")
    ctl.world.advance(10.0)
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}") == '0,"No error"'
    assert [e[2:4] for e in ctl.entries()[-2:]] == [["SYSTEM", "ACCOUNT_UNLOCKED"], ["op1", "LOGIN"]]


def test_an_admin_unlocks_a_locked_account_at_once_and_that_is_audited(tmp_path):
    bench = profile_with(tmp_path, {"release_after_s: 900.0": "release_after_s: null"})
    ctl = Controller(tmp_path / "state", bench)
    for _ in range(LOCKOUT.failed_logins):
        ctl.send("ACC:LOG op1,wrong-password")
    ctl.world.advance(30 * 86400.0)                                       # no time limit: still locked
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}").startswith("-203,")
    assert ctl.send(f"ACC:LOG sup1,{PASSWORDS['sup1']}") == '0,"No error"'
    assert ctl.send("ACC:USER:UNL op1").startswith("-203,")               # ADMIN only
    assert ctl.send(f"ACC:LOG admin,{PASSWORDS['admin']}") == '0,"No error"'
    assert ctl.send("ACC:USER:UNL op1") == '0,"No error"'
    assert ctl.entries()[-1][2:6] == ["admin", "ACCOUNT_UNLOCK", "op1:LOCKED", "op1:UNLOCKED"]
    assert ctl.send("ACC:USER:UNL op1").startswith("-221,")               # not locked any more
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}") == '0,"No error"'


def test_a_good_login_resets_the_count_and_a_power_cut_keeps_a_lock(tmp_path):
    ctl = Controller(tmp_path / "state")
    for _ in range(LOCKOUT.failed_logins - 1):
        ctl.send("ACC:LOG op1,wrong-password")
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}") == '0,"No error"'
    for _ in range(LOCKOUT.failed_logins):
        ctl.send("ACC:LOG op1,wrong-password")
    outlet = ctl.world.controller_outlet
    ctl.world.set_outlet(outlet, False)
    ctl.world.advance(60.0)
    ctl.world.set_outlet(outlet, True)
    ctl.world.advance(ctl.world.sim.controller.boot_time_s + 1.0)
    assert ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}").startswith("-203,")
    again = Controller(tmp_path / "state")                                # and a simulator restart
    assert again.send(f"ACC:LOG op1,{PASSWORDS['op1']}").startswith("-203,")


def test_audit_entries_are_dated_in_utc_by_bench_time(tmp_path):
    ctl = Controller(tmp_path / "state")
    ctl.send(f"ACC:LOG op1,{PASSWORDS['op1']}")
    ctl.world.advance(3600.0)
    ctl.send("SOUR:TEMP 36.9")
    login, change = ctl.entries()[-2:]
    assert login[1].endswith("Z") and change[1].endswith("Z")
    assert parse_iso_utc(change[1]) - parse_iso_utc(login[1]) == timedelta(seconds=3600)


def test_the_lockout_is_required_in_the_profile(tmp_path):
    from mimedi_qual.errors import ProfileError

    bench = profile_with(tmp_path, {"    lockout:": "    no_lockout:"})
    with pytest.raises(ProfileError, match="lockout"):
        load_bench(bench)
