"""An in-process fake bench for step tests: no simulator, no sockets, no subprocess campaign.

The fakes implement the lab protocols the steps use (``BioreactorProtocol``,
``ClockProtocol``, ``BalanceProtocol``, ``FaultInjectionProtocol``, a Modbus
coil) with just enough behaviour to tell a bench that behaves from one that
does not. A :class:`FakeController` reacts to an injected fault the way the
controller is specified to — alarm, interlock, pump stopped, relay
energised, ``ALARM_RAISED`` in the audit trail — unless told to misbehave::

    bench = FakeBench(profile)
    bench.controller.misbehaves.add("audit")          # forgets to log the alarm
    inject(campaign, cleanup, "PUMP_OCCLUSION", "BASE")
    bench.controller.active_alarms()                   # ['PUMP_OCCLUSION']

Everything happens at once: the fake clock only counts the bench time the
steps ask to wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from mimedi_qual.lab.drivers.faults import FaultInjectionProtocol
from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.lab.protocols import (
    AuditEntry,
    BalanceProtocol,
    BioreactorProtocol,
    ClockProtocol,
    ControlTiming,
    LINES_ON_BALANCE_AT_HANDOVER,
    LoopMode,
    OperatorProtocol,
    PumpState,
    QcLabProtocol,
    QcRelease,
    TemperatureSensorProtocol,
    Weighing,
)

#: UTC of the fake bench clock's zero: the fake controller dates its audit entries from it.
FAKE_EPOCH_UTC = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)

#: Which interlock and alarm each fault raises on a behaving controller (interlock None: alarm only).
FAULT_EFFECTS = {
    "PUMP_OCCLUSION": ("PUMP_OCCLUSION", "PUMP_OCCLUSION"),
    "HEATER_FAIL": ("TEMPERATURE_LOW", None),
    "DOOR_OPEN": ("DOOR_OPEN", "DOOR_OPEN"),
}
LEVEL_RANK = {"NONE": 0, "OPERATOR": 1, "SUPERVISOR": 2, "ADMIN": 3}
WATER_DENSITY_G_PER_ML = 0.9978


class FakeClock(ClockProtocol):
    """Bench time that moves only when a step waits; ``at(t_s, action)`` makes something happen then."""

    def __init__(self) -> None:
        self.t_s = 0.0
        self.scheduled: list[tuple[float, Callable[[], object]]] = []

    def now_s(self) -> float:
        return self.t_s

    def wait_s(self, duration_s: float) -> None:
        self.t_s += duration_s
        due = [entry for entry in self.scheduled if entry[0] <= self.t_s]
        self.scheduled = [entry for entry in self.scheduled if entry[0] > self.t_s]
        for _, action in sorted(due, key=lambda entry: entry[0]):
            action()

    def at(self, t_s: float, action: Callable[[], object]) -> None:
        """Run ``action`` once bench time reaches ``t_s``."""
        self.scheduled.append((t_s, action))


class FakeCoil:
    """A labgrid DigitalOutputProtocol coil: ``set`` / ``get``."""

    def __init__(self, value: bool = False) -> None:
        self.value = value

    def set(self, value: bool) -> None:
        self.value = bool(value)

    def get(self) -> bool:
        return self.value


@dataclass
class PumpRun:
    """One pump run: it delivers at its flow from its start until its volume is out or it is stopped."""

    pump: str
    volume_ml: float
    flow_ml_min: float
    started_s: float
    stopped_s: float | None = None

    def end_s(self) -> float:
        due_s = self.started_s + self.volume_ml / self.flow_ml_min * 60.0
        return due_s if self.stopped_s is None else min(due_s, self.stopped_s)

    def running(self, now_s: float) -> bool:
        return now_s < self.end_s()

    def dispensed_ml(self, now_s: float) -> float:
        return self.flow_ml_min * (min(now_s, self.end_s()) - self.started_s) / 60.0


class FakeController(BioreactorProtocol):
    """The controller's interface over in-memory state.

    ``misbehaves`` names what a faulty controller forgets. When a fault is
    injected: ``"audit"`` (no ALARM_RAISED entry), ``"interlock"`` (no
    interlock), ``"pump_stop"`` (the pump keeps running), ``"alarm"`` (no
    alarm). Always: ``"access"`` (no access-level check: everything is
    accepted), ``"audit_changes"`` (changes leave no audit entry),
    ``"audit_denied"`` (refused attempts leave no audit entry).
    """

    def __init__(self, clock: FakeClock, accounts: dict[str, tuple[str, str]], relay: FakeCoil) -> None:
        self.clock = clock
        self.relay = relay
        self.accounts_by_user = dict(accounts)            # user → (password, level)
        self.user, self.level = "", "NONE"
        self.setpoints = {"temperature": 37.0, "ph": 7.2, "do": 40.0, "rocking": 20.0, "co2": 5.0}
        self.co2_automatic = True
        self.alarms: list[str] = []
        self.unacknowledged: list[str] = []
        self.interlocks: list[str] = []
        self.limits = {"TEMPERATURE_HIGH": 38.0, "TEMPERATURE_LOW": 36.0, "PH_HIGH": 7.6, "PH_LOW": 6.8,
                       "DO_HIGH": 80.0, "DO_LOW": 20.0}
        self.loops = {loop: LoopMode(loop, False) for loop in ("TEMP", "PH", "DO")}
        self.modules = {m: "IDLE" for m in ("SELECTION", "TRANSDUCTION", "EXPANSION", "HARVEST")}
        self.runs: list[PumpRun] = []
        self.audit: list[AuditEntry] = [AuditEntry(1, self._utc(), "system", "POWER_ON", "", "", "boot")]
        self.weight_g = 1000.0
        self.load_cell_gain = 1.0
        self.misbehaves: set[str] = set()

    # -- helpers ----------------------------------------------------------
    def _utc(self) -> dt.datetime:
        """The controller's clock: the fake bench clock mapped to UTC (a fixed epoch)."""
        return FAKE_EPOCH_UTC + dt.timedelta(seconds=self.clock.now_s())

    def _log(self, action: str, old: object = "", new: object = "", reason: str = "") -> None:
        refusal = action.endswith(("_DENIED", "_REFUSED"))
        if ("audit_denied" in self.misbehaves and refusal) or (
                "audit_changes" in self.misbehaves and not refusal and action != "ALARM_RAISED"):
            return
        self.audit.append(AuditEntry(len(self.audit) + 1, self._utc(), self.user or "ANONYMOUS", action,
                                     str(old), str(new), reason))

    def _needs(self, level: str, action: str) -> None:
        if "access" in self.misbehaves:
            return
        if LEVEL_RANK[self.level] < LEVEL_RANK[level]:
            self._log(f"{action}_DENIED", self.level)
            raise AccessDenied("controller", action, -203, "Command protected")

    def _set(self, key: str, value: float, action: str) -> None:
        self._needs("OPERATOR", action)
        old, self.setpoints[key] = self.setpoints[key], value
        self._log(action, old, value)

    def fault(self, fault: str, target: str) -> None:
        """What a fault does to a behaving controller (minus what it is told to forget)."""
        alarm, interlock = FAULT_EFFECTS.get(fault, (fault, None))
        if "alarm" not in self.misbehaves:
            self.alarms.append(alarm)
            self.unacknowledged.append(alarm)
            self.relay.set(True)
        if "audit" not in self.misbehaves:
            self._log("ALARM_RAISED", "", alarm)
        if interlock and "interlock" not in self.misbehaves:
            self.interlocks.append(interlock)
        if fault == "PUMP_OCCLUSION" and "pump_stop" not in self.misbehaves:
            self._stop(target)

    def clear_faults(self) -> None:
        self.alarms.clear()
        self.interlocks.clear()

    # -- identity and configuration ----------------------------------------
    def identify(self) -> str:
        return "MIMEDI,BR1-CTRL,SIM-0001,2.3.0"

    def module_catalog(self) -> list[str]:
        return list(self.modules)

    def module_firmware(self, module: str) -> str:
        return "1.4.2"

    def configuration_checksum(self) -> str:
        return "ab" * 32

    def controller_time_s(self) -> float:
        return self.clock.now_s()

    # -- setpoints -----------------------------------------------------------
    def set_temperature_setpoint_c(self, setpoint_c: float) -> None:
        self._set("temperature", setpoint_c, "SETPOINT_TEMPERATURE_C")

    def temperature_setpoint_c(self) -> float:
        return self.setpoints["temperature"]

    def set_ph_setpoint(self, setpoint_ph: float) -> None:
        self._set("ph", setpoint_ph, "SETPOINT_PH")

    def ph_setpoint(self) -> float:
        return self.setpoints["ph"]

    def set_do_setpoint_pct(self, setpoint_pct_air_sat: float) -> None:
        self._set("do", setpoint_pct_air_sat, "SETPOINT_DO_PCT")

    def do_setpoint_pct(self) -> float:
        return self.setpoints["do"]

    def set_rocking_setpoint_rpm(self, setpoint_rpm: float) -> None:
        self._set("rocking", setpoint_rpm, "SETPOINT_ROCKING_RPM")

    def rocking_setpoint_rpm(self) -> float:
        return self.setpoints["rocking"]

    def set_co2_setpoint_pct(self, setpoint_pct: float) -> None:
        self._set("co2", setpoint_pct, "SETPOINT_CO2_PCT")
        self.co2_automatic = False

    def co2_setpoint_pct(self) -> float:
        return self.setpoints["co2"]

    def set_co2_automatic(self) -> None:
        self._needs("OPERATOR", "SETPOINT_CO2_PCT")
        self.co2_automatic = True
        self._log("SETPOINT_CO2_PCT", self.setpoints["co2"], "AUTO")

    # -- probes and outputs ----------------------------------------------------
    def read_temperature_c(self) -> float:
        return self.setpoints["temperature"]

    def read_ph(self) -> float:
        return self.setpoints["ph"]

    def read_do_pct(self) -> float:
        return self.setpoints["do"]

    def read_rocking_rpm(self) -> float:
        return self.setpoints["rocking"]

    def read_weight_g(self) -> float:
        """The bag on the load cell: what the pumps took out of it is gone (``load_cell_gain`` 1 = calibrated)."""
        return self.load_cell_gain * (self.weight_g - self.delivered_ml() * WATER_DENSITY_G_PER_ML)

    def heater_output_pct(self) -> float:
        return 12.5

    def co2_valve_pct(self) -> float:
        return 5.0

    def o2_enrichment_pct(self) -> float:
        return 0.0

    def base_flow_ml_min(self) -> float:
        return 0.0

    def perfusion_flow_ml_min(self) -> float:
        return 0.0

    # -- pumps and modules ----------------------------------------------------
    def _run(self, pump: str) -> PumpRun | None:
        return next((run for run in reversed(self.runs) if run.pump == pump), None)

    def _stop(self, pump: str) -> None:
        run = self._run(pump)
        if run is not None and run.running(self.clock.now_s()):
            run.stopped_s = self.clock.now_s()

    def delivered_ml(self, pumps: set[str] | None = None) -> float:
        """What the pumps (every pump, or those of ``pumps``) have put out so far."""
        return sum(run.dispensed_ml(self.clock.now_s()) for run in self.runs if pumps is None or run.pump in pumps)

    def dispense(self, pump: str, volume_ml: float, flow_ml_min: float) -> None:
        self._needs("OPERATOR", f"PUMP_DISPENSE_{pump}")
        self.runs.append(PumpRun(pump, volume_ml, flow_ml_min, self.clock.now_s()))
        self._log(f"PUMP_DISPENSE_{pump}", "", f"{volume_ml},{flow_ml_min}")

    def stop_pump(self, pump: str) -> None:
        self._needs("OPERATOR", f"PUMP_STOP_{pump}")
        self._stop(pump)
        self._log(f"PUMP_STOP_{pump}")

    def pump_state(self, pump: str) -> PumpState:
        run = self._run(pump)
        if run is None:
            return PumpState(pump, False, 0.0)
        now_s = self.clock.now_s()
        return PumpState(pump, run.running(now_s), run.dispensed_ml(now_s))

    def module_command(self, module: str, command: str) -> None:
        self._needs("OPERATOR", f"MODULE_{module}")
        state = self.modules[module]
        moves = {("IDLE", "START"): "EXECUTE", ("EXECUTE", "HOLD"): "HELD", ("HELD", "UNHOLD"): "EXECUTE",
                 ("EXECUTE", "COMPLETE"): "COMPLETED", ("EXECUTE", "STOP"): "STOPPED",
                 ("HELD", "STOP"): "STOPPED", ("COMPLETED", "RESET"): "IDLE", ("STOPPED", "RESET"): "IDLE",
                 ("EXECUTE", "ABORT"): "ABORTED", ("ABORTED", "RESET"): "IDLE", ("IDLE", "RESET"): "IDLE"}
        if (state, command) not in moves:
            raise CommandRefused("controller", command, -221, "Settings conflict", f"module {module} is {state}")
        self.modules[module] = moves[(state, command)]

    def module_state(self, module: str) -> str:
        return self.modules[module]

    # -- alarms and interlocks ---------------------------------------------------
    def active_alarms(self) -> list[str]:
        return list(self.alarms)

    def unacknowledged_alarms(self) -> list[str]:
        return list(self.unacknowledged)

    def acknowledge_alarms(self) -> None:
        self._needs("OPERATOR", "ALARM_ACKNOWLEDGE")
        self.unacknowledged.clear()
        self.relay.set(False)

    def active_interlocks(self) -> list[str]:
        return list(self.interlocks)

    def operation_status(self) -> str:
        return "READY"

    # -- access and audit -----------------------------------------------------------
    def login(self, user: str, password: str) -> None:
        known = self.accounts_by_user.get(user)
        if known is None or known[0] != password:
            raise AccessDenied("controller", "ACC:LOG", -203, "Command protected", "wrong user or password")
        self.user, self.level = user, known[1]
        self._log("LOGIN", "", known[1])

    def logout(self) -> None:
        self.user, self.level = "", "NONE"

    def access_level(self) -> str:
        return self.level

    def audit_count(self) -> int:
        return len(self.audit)

    def audit_entry(self, number: int) -> AuditEntry:
        return self.audit[number - 1]

    def audit_entries(self, first: int = 1) -> list[AuditEntry]:
        return self.audit[first - 1:]

    def clear_audit_trail(self) -> None:
        self._log("AUDIT_CLEAR_REFUSED", self.level)
        raise AccessDenied("controller", "AUD:CLE", -203, "Command protected", "the audit trail cannot be cleared")

    def alarm_limit(self, alarm: str) -> float:
        return self.limits[alarm]

    def set_alarm_limit(self, alarm: str, limit: float) -> None:
        self._needs("SUPERVISOR", f"ALARM_LIMIT_{alarm}")
        old, self.limits[alarm] = self.limits[alarm], limit
        self._log(f"ALARM_LIMIT_{alarm}", old, limit)

    def loop_mode(self, loop: str) -> LoopMode:
        return self.loops[loop]

    def set_loop_manual(self, loop: str, output_pct: float) -> None:
        self._needs("SUPERVISOR", f"LOOP_MODE_{loop}")
        self.loops[loop] = LoopMode(loop, True, output_pct)
        self._log(f"LOOP_MODE_{loop}", "AUTO", f"MAN {output_pct}")

    def set_loop_auto(self, loop: str) -> None:
        self._needs("SUPERVISOR", f"LOOP_MODE_{loop}")
        old = self.loops[loop]
        self.loops[loop] = LoopMode(loop, False)
        self._log(f"LOOP_MODE_{loop}", f"MAN {old.output_pct}" if old.manual else "AUTO", "AUTO")

    def add_account(self, user: str, password: str, level: str) -> None:
        self._needs("ADMIN", "ACCOUNT_ADD")
        self.accounts_by_user[user] = (password, level)
        self._log("ACCOUNT_ADD", "", f"{user}:{level}")

    def delete_account(self, user: str) -> None:
        self._needs("ADMIN", "ACCOUNT_DELETE")
        if user == self.user:
            raise CommandRefused("controller", "ACC:DEL", -221, "Settings conflict", "an ADMIN cannot delete their own account")
        password, level = self.accounts_by_user.pop(user)
        self._log("ACCOUNT_DELETE", f"{user}:{level}", "")

    def unlock_account(self, user: str) -> None:
        self._needs("ADMIN", "ACCOUNT_UNLOCK")
        raise CommandRefused("controller", "ACC:USER:UNL", -221, "Settings conflict", f"account {user} is not locked")

    def accounts(self) -> dict[str, str]:
        self._needs("ADMIN", "ACCOUNT_LIST")
        return {user: level for user, (_, level) in self.accounts_by_user.items()}

    def control_timing(self, periods: int) -> ControlTiming:
        return ControlTiming(0.1, periods, 800.0, 1500.0, 35.0, 60.0, 0)


class FakeOperator(OperatorProtocol):
    """The operator's hands: ``on_balance`` holds the pump lines whose outlet is in the balance's vessel."""

    def __init__(self) -> None:
        self.on_balance = set(LINES_ON_BALANCE_AT_HANDOVER)
        self.bags_loaded = 0
        self.routings: list[tuple[str, bool]] = []

    def load_fresh_bag(self) -> None:
        self.bags_loaded += 1

    def route_pump_line(self, pump: str, to_balance: bool) -> None:
        self.routings.append((pump, to_balance))
        (self.on_balance.add if to_balance else self.on_balance.discard)(pump)

    def pump_line_to_balance(self, pump: str) -> bool:
        return pump in self.on_balance


class FakeBalance(BalanceProtocol):
    """The balance under the routed pump outlets: it weighs what they put out, ``density_g_per_ml`` g per mL.

    What a line delivered while it was not routed is not weighed (in this fake a line's whole output
    counts where it is routed now: the steps route before they deliver).
    """

    def __init__(self, controller: FakeController, operator: FakeOperator,
                 density_g_per_ml: float = WATER_DENSITY_G_PER_ML) -> None:
        self.controller = controller
        self.operator = operator
        self.density_g_per_ml = density_g_per_ml
        self.vessel_g = 100.0

    def identify(self) -> str:
        return "METTLER TOLEDO,XSR205,B000000001,1.0"

    def _delivered_ml(self) -> float:
        return self.controller.delivered_ml(self.operator.on_balance)

    def read_stable_mass_g(self, timeout_s: float = 10.0) -> float:
        return self.vessel_g + self._delivered_ml() * self.density_g_per_ml

    def read_immediate(self) -> Weighing:
        return Weighing(self.read_stable_mass_g(), True)

    def zero(self) -> None:
        self.vessel_g = -self._delivered_ml() * self.density_g_per_ml

    def tare(self) -> float:
        tare = self.read_stable_mass_g()
        self.zero()
        return tare


class FakeThermometer(TemperatureSensorProtocol):
    """The reference thermometer in the bag: the culture at the setpoint, plus ``offset_c``."""

    def __init__(self, controller: FakeController, offset_c: float = 0.0) -> None:
        self.controller = controller
        self.offset_c = offset_c

    def identify(self) -> str:
        return "FLUKE,1524,T000001,1.0"

    def read_temperature_c(self) -> float:
        return self.controller.temperature_setpoint_c() + self.offset_c


class FakeQcLab(QcLabProtocol):
    """A QC lab that releases every sample with the same results; ``submitted`` lists the sample labels."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def identify(self) -> str:
        return "MIMEDI,QC-LAB,QC-0001,1.0"

    def submit_sample(self, sample_id: str) -> None:
        self.submitted.append(sample_id)

    def results(self, sample_id: str) -> QcRelease:
        if sample_id not in self.submitted:
            raise LookupError(f"no sample {sample_id}")
        return QcRelease(sample_id, 2.0e6, 92.0, 97.0, 45.0, 2.1, 0.2, "NEGATIVE", "NEGATIVE", 180.0)


class FakeFaultInjector(FaultInjectionProtocol):
    """Faults go straight to the fake controller; ``injected`` and ``cleared`` say what the steps asked."""

    def __init__(self, controller: FakeController) -> None:
        self.controller = controller
        self.injected: list[str] = []
        self.cleared = 0
        self.fail_clear: Exception | None = None

    def inject(self, fault: str, target: str = "", value: str = "") -> None:
        self.injected.append(",".join(p for p in (fault, target, value) if p))
        self.controller.fault(fault, target)

    def clear(self, fault: str = "") -> None:
        if self.fail_clear is not None:
            raise self.fail_clear
        self.cleared += 1
        self.injected.clear()
        self.controller.clear_faults()

    def active(self) -> list[str]:
        return list(self.injected)


@dataclass
class FakeBench:
    """The bench as the steps see it (``campaign.bench``), from a real bench profile, with fake devices."""

    profile: object
    clock_: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        accounts = {a.user: (a.password, a.level) for a in self.profile.simulation.controller.accounts}
        self.relay = FakeCoil()
        self.door_coil = FakeCoil()
        self.controller = FakeController(self.clock_, accounts, self.relay)
        self.operator_ = FakeOperator()
        self.balance_ = FakeBalance(self.controller, self.operator_)
        self.faults_ = FakeFaultInjector(self.controller)
        self.reconnected = 0
        self.thermometer_ = FakeThermometer(self.controller)
        self.qc_lab_ = FakeQcLab()
        self.states: list[str] = []            # what the strategy was asked for (ensure_state)

    def __repr__(self) -> str:
        return "<fake bench>"

    def bioreactor(self, name: str | None = None) -> FakeController:
        return self.controller

    def clock(self) -> FakeClock:
        return self.clock_

    def balance(self, name: str | None = None) -> FakeBalance:
        return self.balance_

    def operator(self) -> FakeOperator:
        return self.operator_

    def thermometer(self, name: str | None = None) -> FakeThermometer:
        return self.thermometer_

    def qc_lab(self, name: str | None = None) -> FakeQcLab:
        return self.qc_lab_

    def ensure_state(self, state: str) -> None:
        self.states.append(state)

    def faults(self) -> FakeFaultInjector:
        return self.faults_

    def reconnect_instruments(self) -> None:
        self.reconnected += 1

    def identify(self, name: str) -> str:
        return self.instrument_identities()[name]

    def instrument_identities(self) -> dict[str, str]:
        """Every instrument of the profile answers with its registered identity."""
        return {name: entry.identity.as_idn() for name, entry in self.profile.instruments.items()}

    def alarm_relay(self) -> FakeCoil:
        return self.relay

    def door(self) -> FakeCoil:
        return self.door_coil

    def name_of_kind(self, kind: str) -> str:
        return self.profile.instrument_of_kind(kind)[0]

    def register_entry(self, name: str):
        return self.profile.instruments[name]
