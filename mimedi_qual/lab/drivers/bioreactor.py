"""MiMédi BR1 controller over SCPI → :class:`BioreactorProtocol`.

Every method is one or two SCPI exchanges from ``instruments/COMMANDS.md``;
the underlying :class:`~mimedi_qual.lab.drivers.scpi.SCPIDriver` makes each a
labgrid step (so the report shows the command and the reply). Writes are
*checked*: after each one the error queue is drained, and a refusal becomes a
:class:`~mimedi_qual.lab.errors.CommandRefused` with the controller's reason::

    controller.login("op1", password)
    controller.set_temperature_setpoint_c(37.0)
    try:
        controller.module_command("EXPANSION", "UNHOLD")
    except CommandRefused as refused:
        refused.reason          # 'module is EXECUTE, not HELD'

A too-low access level (``-203``) is an :class:`~mimedi_qual.lab.errors.AccessDenied`
— for a write and for a query the controller refuses (``ACC:USER:LIST?`` below
ADMIN): such queries go out with ``SYST:ERR?`` behind them on the same line, so
a refusal is an exception at once, not a read timeout::

    controller.set_alarm_limit("TEMPERATURE_HIGH", 37.8)     # SUPERVISOR or higher
    controller.set_loop_manual("TEMP", 20.0); controller.set_loop_auto("TEMP")
    controller.add_account("qa7", password, "OPERATOR")       # ADMIN; the password is never logged
    controller.clear_audit_trail()                            # always AccessDenied
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.scpi import refusal
from mimedi_qual.lab.protocols import AuditEntry, BioreactorProtocol, ControlTiming, LoopMode, PumpState

NONE_LIST = "NONE"
TIMING_MARGIN_S = 5.0   # DIAG:TIM? answers after its periods; this much more before it is a timeout
MODULE_COMMANDS = ("START", "COMPLETE", "PAUSE", "RESUME", "HOLD", "UNHOLD", "STOP", "ABORT", "RESET")
LOOPS = ("TEMP", "PH", "DO")
#: ``<value>;<error>`` or a bare ``<error>``: the reply of a query sent with ``;SYST:ERR?`` behind it.
_CHECKED_REPLY = re.compile(r'^(?:(?P<value>[^;]*);)?(?P<error>[-+]?\d+,".*")$')


def _name_list(reply: str) -> list[str]:
    """``'NONE'`` → [], ``'A,B'`` → ['A', 'B']."""
    reply = reply.strip()
    if not reply or reply.upper() == NONE_LIST:
        return []
    return [part.strip() for part in reply.split(",") if part.strip()]


@target_factory.reg_driver
@attr.s(eq=False)
class BioreactorDriver(Driver, BioreactorProtocol):
    """The controller's SCPI command set; bound to an :class:`SCPIDriver`."""

    bindings = {"scpi": "SCPIDriver"}

    @property
    def _name(self) -> str:
        return self.name or "controller"

    def _float(self, command: str) -> float:
        return self.scpi.query_float(command)

    # -- identity and configuration --------------------------------------
    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    def module_catalog(self) -> list[str]:
        return _name_list(self.scpi.query("SYST:MOD:CAT?"))

    @Driver.check_active
    def module_firmware(self, module: str) -> str:
        return self.scpi.query(f"SYST:MOD:FIRM? {module}")

    @Driver.check_active
    def configuration_checksum(self) -> str:
        reply = self.scpi.query("SYST:CONF:CHECK?").strip('"').lower()
        if len(reply) != 64 or any(c not in "0123456789abcdef" for c in reply):
            raise InstrumentError(self._name, f"configuration checksum is not a SHA-256 hex digest: {reply!r}")
        return reply

    @Driver.check_active
    def controller_time_s(self) -> float:
        return self._float("SYST:TIME?")

    # -- setpoints -------------------------------------------------------
    def _set(self, header: str, value: float) -> None:
        self.scpi.write_checked(f"{header} {value:.4f}")

    @Driver.check_active
    @step(title="set temperature setpoint", args=["setpoint_c"])
    def set_temperature_setpoint_c(self, setpoint_c: float) -> None:
        self._set("SOUR:TEMP", setpoint_c)

    @Driver.check_active
    def temperature_setpoint_c(self) -> float:
        return self._float("SOUR:TEMP?")

    @Driver.check_active
    @step(title="set pH setpoint", args=["setpoint_ph"])
    def set_ph_setpoint(self, setpoint_ph: float) -> None:
        self._set("SOUR:PH", setpoint_ph)

    @Driver.check_active
    def ph_setpoint(self) -> float:
        return self._float("SOUR:PH?")

    @Driver.check_active
    @step(title="set DO setpoint", args=["setpoint_pct_air_sat"])
    def set_do_setpoint_pct(self, setpoint_pct_air_sat: float) -> None:
        self._set("SOUR:DO", setpoint_pct_air_sat)

    @Driver.check_active
    def do_setpoint_pct(self) -> float:
        return self._float("SOUR:DO?")

    @Driver.check_active
    @step(title="set rocking setpoint", args=["setpoint_rpm"])
    def set_rocking_setpoint_rpm(self, setpoint_rpm: float) -> None:
        self._set("SOUR:ROCK", setpoint_rpm)

    @Driver.check_active
    def rocking_setpoint_rpm(self) -> float:
        return self._float("SOUR:ROCK?")

    @Driver.check_active
    @step(title="set CO2 setpoint", args=["setpoint_pct"])
    def set_co2_setpoint_pct(self, setpoint_pct: float) -> None:
        self._set("SOUR:CO2", setpoint_pct)

    @Driver.check_active
    def co2_setpoint_pct(self) -> float:
        return self._float("SOUR:CO2?")

    @Driver.check_active
    @step(title="return CO2 to the pH loop")
    def set_co2_automatic(self) -> None:
        self.scpi.write_checked("SOUR:CO2 AUTO")

    # -- probes and outputs ------------------------------------------------
    @Driver.check_active
    def read_temperature_c(self) -> float:
        return self._float("MEAS:TEMP?")

    @Driver.check_active
    def read_ph(self) -> float:
        return self._float("MEAS:PH?")

    @Driver.check_active
    def read_do_pct(self) -> float:
        return self._float("MEAS:DO?")

    @Driver.check_active
    def read_rocking_rpm(self) -> float:
        return self._float("MEAS:ROCK?")

    @Driver.check_active
    def read_weight_g(self) -> float:
        return self._float("MEAS:WEIG?")

    @Driver.check_active
    def heater_output_pct(self) -> float:
        return self._float("OUTP:HEAT?")

    @Driver.check_active
    def co2_valve_pct(self) -> float:
        return self._float("OUTP:CO2?")

    @Driver.check_active
    def o2_enrichment_pct(self) -> float:
        return self._float("OUTP:O2?")

    @Driver.check_active
    def base_flow_ml_min(self) -> float:
        return self._float("OUTP:BASE?")

    @Driver.check_active
    def perfusion_flow_ml_min(self) -> float:
        return self._float("OUTP:PERF?")

    # -- pumps and modules ---------------------------------------------------
    @Driver.check_active
    @step(title="dispense", args=["pump", "volume_ml", "flow_ml_min"])
    def dispense(self, pump: str, volume_ml: float, flow_ml_min: float) -> None:
        self.scpi.write_checked(f"PUMP:DISP {pump.upper()},{volume_ml:.4f},{flow_ml_min:.4f}")

    @Driver.check_active
    @step(title="stop_pump", args=["pump"])
    def stop_pump(self, pump: str) -> None:
        self.scpi.write_checked(f"PUMP:STOP {pump.upper()}")

    @Driver.check_active
    def pump_state(self, pump: str) -> PumpState:
        reply = self.scpi.query(f"PUMP:STAT? {pump.upper()}")
        state, _, dispensed = reply.partition(",")
        state = state.strip().upper()
        if state == "IDLE":
            return PumpState(pump.upper(), False, float(dispensed) if dispensed else 0.0)
        if state == "RUNNING":
            try:
                return PumpState(pump.upper(), True, float(dispensed))
            except ValueError:
                pass
        raise InstrumentError(self._name, f"unexpected pump state {reply!r} for {pump}")

    @Driver.check_active
    @step(title="module command", args=["module", "command"])
    def module_command(self, module: str, command: str) -> None:
        command = command.upper()
        if command not in MODULE_COMMANDS:
            raise ValueError(f"unknown module command {command!r} (one of {', '.join(MODULE_COMMANDS)})")
        self.scpi.write_checked(f"MOD:COMM {module.upper()},{command}")

    @Driver.check_active
    def module_state(self, module: str) -> str:
        return self.scpi.query(f"MOD:STAT? {module.upper()}").upper()

    # -- alarms, interlocks, status -------------------------------------------
    @Driver.check_active
    def active_alarms(self) -> list[str]:
        return _name_list(self.scpi.query("ALAR:ACT?"))

    @Driver.check_active
    def unacknowledged_alarms(self) -> list[str]:
        return _name_list(self.scpi.query("ALAR:UNACK?"))

    @Driver.check_active
    @step(title="acknowledge alarms")
    def acknowledge_alarms(self) -> None:
        self.scpi.write_checked("ALAR:ACKN")

    @Driver.check_active
    def active_interlocks(self) -> list[str]:
        return _name_list(self.scpi.query("INT:ACT?"))

    @Driver.check_active
    def operation_status(self) -> str:
        return self.scpi.query("STAT:OPER?").upper()

    # -- access and audit ---------------------------------------------------
    @Driver.check_active
    @step(title="login", args=["user"])
    def login(self, user: str, password: str) -> None:
        self.scpi.write_checked(f"ACC:LOG {user},{password}", shown=f"ACC:LOG {user},********")

    @Driver.check_active
    @step(title="logout")
    def logout(self) -> None:
        self.scpi.write_checked("ACC:LOGO")

    @Driver.check_active
    def access_level(self) -> str:
        return self.scpi.query("ACC:LEV?").upper()

    @Driver.check_active
    def audit_count(self) -> int:
        return int(self._float("AUD:COUN?"))

    @Driver.check_active
    def audit_entry(self, number: int) -> AuditEntry:
        reply = self.scpi.query(f"AUD:ENTR? {number}")
        return parse_audit_entry(self._name, reply)

    def audit_entries(self, first: int = 1) -> list[AuditEntry]:
        return [self.audit_entry(n) for n in range(first, self.audit_count() + 1)]

    @Driver.check_active
    @step(title="clear audit trail")
    def clear_audit_trail(self) -> None:
        self.scpi.write_checked("AUD:CLE")

    # -- checked queries ------------------------------------------------------
    def _query_checked(self, command: str) -> str:
        """A query the controller may refuse: its error comes back on the same line, never a timeout."""
        reply = self.scpi.query(f"{command};SYST:ERR?")
        match = _CHECKED_REPLY.match(reply)
        if match is None:
            raise InstrumentError(self._name, f"malformed reply {reply!r} to {command!r}")
        code = match["error"].split(",", 1)[0].strip()
        if code not in ("0", "+0"):
            raise refusal(self._name, command, [match["error"]] + self.scpi.pop_errors())
        if match["value"] is None:
            raise InstrumentError(self._name, f"no reply to {command!r}")
        return match["value"].strip()

    # -- SUPERVISOR: alarm limits and loop modes ----------------------------------
    @Driver.check_active
    def alarm_limit(self, alarm: str) -> float:
        reply = self._query_checked(f"ALAR:LIM? {alarm.upper()}")
        try:
            return float(reply)
        except ValueError:
            raise InstrumentError(self._name, f"non-numeric alarm limit {reply!r} for {alarm}") from None

    @Driver.check_active
    @step(title="set alarm limit", args=["alarm", "limit"])
    def set_alarm_limit(self, alarm: str, limit: float) -> None:
        self.scpi.write_checked(f"ALAR:LIM {alarm.upper()},{limit:.4f}")

    @staticmethod
    def _loop(loop: str) -> str:
        loop = loop.upper()
        if loop not in LOOPS:
            raise ValueError(f"unknown loop {loop!r} (one of {', '.join(LOOPS)})")
        return loop

    @Driver.check_active
    def loop_mode(self, loop: str) -> LoopMode:
        loop = self._loop(loop)
        reply = self._query_checked(f"LOOP:MODE? {loop}")
        mode, _, output = reply.upper().partition(",")
        if mode == "AUTO" and not output:
            return LoopMode(loop, False)
        if mode == "MAN":
            try:
                return LoopMode(loop, True, float(output))
            except ValueError:
                pass
        raise InstrumentError(self._name, f"unexpected loop mode {reply!r} for {loop}")

    @Driver.check_active
    @step(title="loop to manual", args=["loop", "output_pct"])
    def set_loop_manual(self, loop: str, output_pct: float) -> None:
        self.scpi.write_checked(f"LOOP:MODE {self._loop(loop)},MAN,{output_pct:.4f}")

    @Driver.check_active
    @step(title="loop to automatic", args=["loop"])
    def set_loop_auto(self, loop: str) -> None:
        self.scpi.write_checked(f"LOOP:MODE {self._loop(loop)},AUTO")

    # -- ADMIN: accounts --------------------------------------------------------
    @Driver.check_active
    @step(title="add account", args=["user", "level"])
    def add_account(self, user: str, password: str, level: str) -> None:
        self.scpi.write_checked(f"ACC:USER:ADD {user},{password},{level.upper()}",
                                shown=f"ACC:USER:ADD {user},********,{level.upper()}")

    @Driver.check_active
    @step(title="delete account", args=["user"])
    def delete_account(self, user: str) -> None:
        self.scpi.write_checked(f"ACC:USER:DEL {user}")

    @Driver.check_active
    @step(title="unlock account", args=["user"])
    def unlock_account(self, user: str) -> None:
        self.scpi.write_checked(f"ACC:USER:UNL {user}")

    @Driver.check_active
    def accounts(self) -> dict[str, str]:
        reply = self._query_checked("ACC:USER:LIST?")
        accounts = {}
        for item in _name_list(reply):
            user, sep, level = item.partition(":")
            if not sep or not user or not level:
                raise InstrumentError(self._name, f"malformed account list {reply!r}")
            accounts[user.strip()] = level.strip().upper()
        return accounts

    # -- diagnostics ------------------------------------------------------------
    @Driver.check_active
    @step(title="control core timing", args=["periods"], result=True)
    def control_timing(self, periods: int) -> ControlTiming:
        period_s = self._float("DIAG:TIM:PER?")
        if period_s <= 0:
            raise InstrumentError(self._name, f"real-time period {period_s} s")
        reply = self.scpi.query_slow(f"DIAG:TIM? {int(periods)}", timeout_s=periods * period_s + TIMING_MARGIN_S)
        return parse_control_timing(self._name, period_s, int(periods), reply)


def parse_control_timing(instrument: str, period_s: float, periods: int, reply: str) -> ControlTiming:
    """``'812.4,1530.0,35.2,61.7,0'`` → :class:`ControlTiming` (µs, µs, µs, µs, count)."""
    parts = [p.strip() for p in reply.split(",")]
    try:
        if len(parts) != 5:
            raise ValueError
        jitter_p99, jitter_max, latency_p99, latency_max = (float(p) for p in parts[:4])
        missed = int(parts[4])
    except ValueError:
        raise InstrumentError(instrument, f"malformed timing report {reply!r}") from None
    return ControlTiming(period_s, periods, jitter_p99, jitter_max, latency_p99, latency_max, missed)


def parse_audit_entry(instrument: str, reply: str) -> AuditEntry:
    """``'3,2026-12-02T07:02:00.500Z,op1,SETPOINT TEMP,37.0,36.5,hold test'`` → :class:`AuditEntry`.

    The time is ISO 8601 with its UTC offset (``Z``); an entry without a date (a firmware that
    dates its entries in seconds since power-up) is malformed. The reason is the last field and
    may itself contain commas.
    """
    parts = [p.strip().strip('"') for p in reply.split(",", 6)]
    if len(parts) < 6:
        raise InstrumentError(instrument, f"malformed audit entry {reply!r}")
    parts += [""] * (7 - len(parts))
    try:
        when = datetime.fromisoformat(parts[1].replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError("no UTC offset")
        return AuditEntry(int(parts[0]), when.astimezone(timezone.utc), parts[2], parts[3], parts[4], parts[5],
                          parts[6])
    except ValueError:
        raise InstrumentError(instrument, f"malformed audit entry {reply!r}") from None
