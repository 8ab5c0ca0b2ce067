"""Our protocols: what a step may ask of a bench, independent of how it is done.

Small ABCs in labgrid's style (labgrid's own ``PowerProtocol`` and friends
live beside them). A protocol is implemented by a real-bench driver and a
simulated-bench driver; steps only ever see the protocol.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime


class SCPIProtocol(abc.ABC):
    """Send SCPI text to an instrument and read replies."""

    @abc.abstractmethod
    def query(self, command: str) -> str:
        """Send a query, return the reply line (stripped)."""

    @abc.abstractmethod
    def write(self, command: str) -> None:
        """Send a command that has no reply."""

    @abc.abstractmethod
    def identify(self) -> str:
        """The instrument's ``*IDN?`` answer."""

    @abc.abstractmethod
    def pop_errors(self) -> list[str]:
        """Drain the ``SYST:ERR?`` queue; [] when the instrument has no error."""


class TemperatureSensorProtocol(abc.ABC):
    """A reference thermometer."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_temperature_c(self) -> float:
        """One reading in °C."""


@dataclass(frozen=True)
class PumpState:
    """What ``PUMP:STATe? <pump>`` says: running or idle, and the volume dispensed so far."""

    pump: str
    running: bool
    dispensed_ml: float


@dataclass(frozen=True)
class ControlTiming:
    """What ``DIAGnostic:TIMing? <periods>`` says about the control core run at its real-time period on wall time."""

    period_s: float
    periods: int
    period_jitter_p99_us: float
    period_jitter_max_us: float
    step_latency_p99_us: float
    step_latency_max_us: float
    missed_deadlines: int


@dataclass(frozen=True)
class AuditEntry:
    """One audit-trail entry of the controller (Annex 11 §9: who, what, when, old, new, why).

    ``time_utc``: when, as the controller dates it — UTC with date (``AUDit:ENTRy?``'s ISO 8601
    field; on the simulated bench the controller's clock is bench time mapped to UTC).
    """

    number: int
    time_utc: datetime
    user: str
    action: str
    old_value: str
    new_value: str
    reason: str


@dataclass(frozen=True)
class LoopMode:
    """What ``LOOP:MODE? <loop>`` says: ``AUTO``, or ``MAN`` at a fixed output (% of the loop's range)."""

    loop: str
    manual: bool
    output_pct: float | None = None


class BioreactorProtocol(abc.ABC):
    """The bioreactor controller's own interface (MIMEDI BR1-CTRL, instruments/COMMANDS.md).

    Reads of the controller's own probes are *not* reference evidence: they
    are what the system under test believes. Writes that change the process
    need an operator login; a refusal raises
    :class:`~mimedi_qual.lab.errors.CommandRefused` (``AccessDenied`` for
    ``-203``) carrying the controller's reason.
    """

    # -- identity and configuration (IQ) -------------------------------
    @abc.abstractmethod
    def identify(self) -> str:
        """``MIMEDI,BR1-CTRL,<serial>,<firmware>``."""

    @abc.abstractmethod
    def module_catalog(self) -> list[str]:
        """Process modules of this controller, e.g. ``['SELECTION', 'TRANSDUCTION', ...]``."""

    @abc.abstractmethod
    def module_firmware(self, module: str) -> str:
        """Firmware version of one module, e.g. ``'1.4.2'``."""

    @abc.abstractmethod
    def configuration_checksum(self) -> str:
        """SHA-256 (hex) of the active controller configuration."""

    @abc.abstractmethod
    def controller_time_s(self) -> float:
        """Seconds since the controller powered up (its own clock)."""

    # -- setpoints -----------------------------------------------------
    @abc.abstractmethod
    def set_temperature_setpoint_c(self, setpoint_c: float) -> None: ...

    @abc.abstractmethod
    def temperature_setpoint_c(self) -> float: ...

    @abc.abstractmethod
    def set_ph_setpoint(self, setpoint_ph: float) -> None: ...

    @abc.abstractmethod
    def ph_setpoint(self) -> float: ...

    @abc.abstractmethod
    def set_do_setpoint_pct(self, setpoint_pct_air_sat: float) -> None: ...

    @abc.abstractmethod
    def do_setpoint_pct(self) -> float: ...

    @abc.abstractmethod
    def set_rocking_setpoint_rpm(self, setpoint_rpm: float) -> None: ...

    @abc.abstractmethod
    def rocking_setpoint_rpm(self) -> float: ...

    @abc.abstractmethod
    def set_co2_setpoint_pct(self, setpoint_pct: float) -> None: ...

    @abc.abstractmethod
    def co2_setpoint_pct(self) -> float: ...

    @abc.abstractmethod
    def set_co2_automatic(self) -> None:
        """Give the CO2 valve back to the pH loop (``SOURce:CO2 AUTO``): no fixed CO2 blend any more.

        A number written with :meth:`set_co2_setpoint_pct` holds the pH loop's CO2
        side in manual at that blend; this hands it back to the loop.
        """

    # -- the controller's own probes and outputs -----------------------
    @abc.abstractmethod
    def read_temperature_c(self) -> float:
        """The controller's own probe, °C (not reference evidence)."""

    @abc.abstractmethod
    def read_ph(self) -> float: ...

    @abc.abstractmethod
    def read_do_pct(self) -> float:
        """Dissolved oxygen, % air saturation."""

    @abc.abstractmethod
    def read_rocking_rpm(self) -> float: ...

    @abc.abstractmethod
    def read_weight_g(self) -> float:
        """The load cell under the bag, g."""

    @abc.abstractmethod
    def heater_output_pct(self) -> float: ...

    @abc.abstractmethod
    def co2_valve_pct(self) -> float: ...

    @abc.abstractmethod
    def o2_enrichment_pct(self) -> float: ...

    @abc.abstractmethod
    def base_flow_ml_min(self) -> float: ...

    @abc.abstractmethod
    def perfusion_flow_ml_min(self) -> float: ...

    # -- pumps and modules ---------------------------------------------
    @abc.abstractmethod
    def dispense(self, pump: str, volume_ml: float, flow_ml_min: float) -> None:
        """Run ``pump`` (FEED, BASE, PERFUSION, HARVEST) for ``volume_ml`` at ``flow_ml_min``."""

    @abc.abstractmethod
    def stop_pump(self, pump: str) -> None:
        """Stop a pump run before its volume is delivered (no-op when the pump is idle)."""

    @abc.abstractmethod
    def pump_state(self, pump: str) -> PumpState: ...

    @abc.abstractmethod
    def module_command(self, module: str, command: str) -> None:
        """START COMPLETE PAUSE RESUME HOLD UNHOLD STOP ABORT RESET; refused → CommandRefused with reason."""

    @abc.abstractmethod
    def module_state(self, module: str) -> str:
        """ISA-88/MTP state name: IDLE, STARTING, EXECUTE, HELD, ..."""

    # -- alarms, interlocks, status --------------------------------------
    @abc.abstractmethod
    def active_alarms(self) -> list[str]:
        """Names of active alarms; [] when none."""

    @abc.abstractmethod
    def unacknowledged_alarms(self) -> list[str]: ...

    @abc.abstractmethod
    def acknowledge_alarms(self) -> None:
        """Acknowledge all alarms (operator level)."""

    @abc.abstractmethod
    def active_interlocks(self) -> list[str]:
        """``DOOR_OPEN``, ``OVER_TEMPERATURE``, ``SENSOR_FAILED``; [] when none."""

    @abc.abstractmethod
    def operation_status(self) -> str:
        """``RUNNING``, ``READY`` or ``RECOVERING`` (booting after power-up)."""

    # -- access and audit trail ------------------------------------------
    @abc.abstractmethod
    def login(self, user: str, password: str) -> None:
        """Log in; the password never appears in the report."""

    @abc.abstractmethod
    def logout(self) -> None: ...

    @abc.abstractmethod
    def access_level(self) -> str:
        """``NONE``, ``OPERATOR``, ``SUPERVISOR`` or ``ADMIN``."""

    @abc.abstractmethod
    def audit_count(self) -> int: ...

    @abc.abstractmethod
    def audit_entry(self, number: int) -> AuditEntry:
        """Entry ``number`` (1-based)."""

    @abc.abstractmethod
    def audit_entries(self, first: int = 1) -> list[AuditEntry]:
        """Entries from ``first`` to the newest."""

    @abc.abstractmethod
    def clear_audit_trail(self) -> None:
        """``AUDit:CLEar``: refused for every level (``AccessDenied``); a controller that accepts it fails OQ."""

    # -- SUPERVISOR: alarm limits and loop modes ---------------------------
    @abc.abstractmethod
    def alarm_limit(self, alarm: str) -> float:
        """Limit of a limit alarm (``TEMPERATURE_HIGH`` … ``DO_LOW``), in the watched variable's unit."""

    @abc.abstractmethod
    def set_alarm_limit(self, alarm: str, limit: float) -> None:
        """SUPERVISOR or higher (``AccessDenied`` below); a high limit must stay above its low one."""

    @abc.abstractmethod
    def loop_mode(self, loop: str) -> LoopMode:
        """Mode of the ``TEMP``, ``PH`` or ``DO`` loop."""

    @abc.abstractmethod
    def set_loop_manual(self, loop: str, output_pct: float) -> None:
        """SUPERVISOR or higher: hold the loop's output fixed (kept across power cuts)."""

    @abc.abstractmethod
    def set_loop_auto(self, loop: str) -> None:
        """SUPERVISOR or higher: the loop regulates again (bumpless)."""

    # -- ADMIN: user accounts ----------------------------------------------
    @abc.abstractmethod
    def add_account(self, user: str, password: str, level: str) -> None:
        """ADMIN only; the password never appears in the report or the audit trail."""

    @abc.abstractmethod
    def delete_account(self, user: str) -> None:
        """ADMIN only; never your own account, never the last ADMIN (``CommandRefused`` -221)."""

    @abc.abstractmethod
    def unlock_account(self, user: str) -> None:
        """ADMIN only: release an account locked after failed logins (``CommandRefused`` -221 if not locked)."""

    @abc.abstractmethod
    def accounts(self) -> dict[str, str]:
        """ADMIN only: user → access level (never a password)."""

    # -- diagnostics (OQ control-core timing) ------------------------------
    @abc.abstractmethod
    def control_timing(self, periods: int) -> ControlTiming:
        """Run the control core at its real-time period for ``periods`` periods; its timing statistics.

        Takes ``periods`` × the period of wall time (the controller answers when done).
        """


class PhMeterProtocol(abc.ABC):
    """An offline/reference pH meter."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_ph(self) -> float: ...

    @abc.abstractmethod
    def read_temperature_c(self) -> float:
        """Temperature of the sample at the probe (for pH compensation records)."""


class DoMeterProtocol(abc.ABC):
    """A reference dissolved-oxygen meter."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_do_pct(self) -> float:
        """Dissolved oxygen, % air saturation."""


class GasAnalyzerProtocol(abc.ABC):
    """A CO2 gas analyser in the overlay gas."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_co2_pct(self) -> float:
        """CO2, % by volume."""


class SpeedSensorProtocol(abc.ABC):
    """An optical tachometer on the rocker."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_speed_rpm(self) -> float: ...


@dataclass(frozen=True)
class Weighing:
    """One balance reading: mass in g and whether the balance called it stable."""

    mass_g: float
    stable: bool


class BalanceProtocol(abc.ABC):
    """A laboratory balance (gravimetric pump-flow tests, ISO 8655-6 style)."""

    @abc.abstractmethod
    def identify(self) -> str:
        """``METTLER TOLEDO,<model>,<serial>,<firmware>`` assembled from I2/I4/I3."""

    @abc.abstractmethod
    def read_stable_mass_g(self, timeout_s: float = 10.0) -> float:
        """Wait for a stable weight (``S S``); a dynamic balance past ``timeout_s`` raises."""

    @abc.abstractmethod
    def read_immediate(self) -> Weighing:
        """The weight now, stable or not (``SI``)."""

    @abc.abstractmethod
    def zero(self) -> None: ...

    @abc.abstractmethod
    def tare(self) -> float:
        """Tare; returns the tare weight in g."""


class MultimeterProtocol(abc.ABC):
    """A DMM measuring utilities: mains voltage, gas-supply pressure transducers."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def read_ac_voltage_v(self) -> float: ...

    @abc.abstractmethod
    def read_dc_voltage_v(self, channel: int) -> float: ...


class ClockProtocol(abc.ABC):
    """Bench time. On a real bench waiting is sleeping; simulated, it advances the twin."""

    @abc.abstractmethod
    def now_s(self) -> float:
        """Seconds on the bench's clock (monotonic)."""

    @abc.abstractmethod
    def wait_s(self, duration_s: float) -> None:
        """Let ``duration_s`` seconds of bench time pass."""


class OperatorProtocol(abc.ABC):
    """Manual actions of the operator at the bench (load a bag, ...)."""

    @abc.abstractmethod
    def load_fresh_bag(self) -> None:
        """A new bag of medium at room temperature is placed on the heater plate."""

    @abc.abstractmethod
    def route_pump_line(self, pump: str, to_balance: bool) -> None:
        """Lay the outlet tube of ``pump``'s line into the balance's receiving vessel (or back to the bag).

        Only a line routed to the balance can be weighed: the others deliver into the bag.
        At hand-over only the HARVEST line ends on the balance (:data:`LINES_ON_BALANCE_AT_HANDOVER`).
        """

    @abc.abstractmethod
    def pump_line_to_balance(self, pump: str) -> bool:
        """Whether ``pump``'s line delivers onto the balance now."""


#: Pump lines whose outlet is in the balance's receiving vessel when the bench is handed over: the harvest
#: line (the product is harvested into the vessel on the balance, where the filled bags are weighed). Every
#: other line (FEED, BASE, PERFUSION) delivers into the culture bag until it is routed to the balance.
LINES_ON_BALANCE_AT_HANDOVER = frozenset({"HARVEST"})


@dataclass(frozen=True)
class QcRelease:
    """QC release results of one sample, as the QC laboratory reports them."""

    sample_id: str
    viable_cells_per_ml: float
    viability_pct: float
    cd3_pct: float                  # of the viable cells
    car_pct: float                  # of the viable cells
    vector_copies_per_cell: float
    endotoxin_eu_per_ml: float
    sterility: str                  # "NEGATIVE" | "POSITIVE"
    mycoplasma: str                 # "NEGATIVE" | "POSITIVE"
    fold_expansion: float


class QcLabProtocol(abc.ABC):
    """The QC release laboratory (or its LIMS): a sample of a batch in, release results out."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def submit_sample(self, sample_id: str) -> None:
        """Hand over the sample of the product just filled, labelled ``sample_id``."""

    @abc.abstractmethod
    def results(self, sample_id: str) -> QcRelease:
        """The release results of ``sample_id`` (raises if the lab has none)."""
