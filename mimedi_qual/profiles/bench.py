"""Bench profile: which bench, which instruments, where they are, their calibration.

A bench is one bioreactor with its reference instruments. The same protocol
runs on the simulated bench (``kind: simulated``, the default,
``profiles/benches/sim.yaml``) and on a real one; only this file differs.

Addresses are ``host:port`` for a real bench. On a simulated bench they are
``sim``: the harness starts the simulator and fills in the loopback ports it
picked (so two campaigns can run side by side).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mimedi_qual.errors import BenchError

SIM_ADDRESS = "sim"


class StrictModel(BaseModel):
    """Base for profile models: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BenchIdentity(StrictModel):
    id: str
    kind: Literal["simulated", "real"]
    site: str
    description: str = ""


class Calibration(StrictModel):
    """One line of the calibration register."""

    certificate: str
    calibrated_on: dt.date
    due_on: dt.date

    def is_due(self, on: dt.date) -> bool:
        """True when the certificate has expired on ``on`` (past its due date)."""
        return on > self.due_on


class Identity(StrictModel):
    """What ``*IDN?`` must answer: manufacturer, model, serial, firmware."""

    manufacturer: str
    model: str
    serial: str
    firmware: str

    def as_idn(self) -> str:
        return f"{self.manufacturer},{self.model},{self.serial},{self.firmware}"


class Instrument(StrictModel):
    """An instrument (or the bioreactor controller) on the bench."""

    kind: Literal["bioreactor", "thermometer", "ph_do_meter", "gas_analyzer", "tachometer", "multimeter",
                  "balance", "qc_lab"]
    # scpi-tcp: SCPI on a raw socket, LF; mt-sics-tcp: Mettler Toledo MT-SICS on a raw socket, CR LF.
    transport: Literal["scpi-tcp", "mt-sics-tcp"] = "scpi-tcp"
    address: str = Field(description="host:port, or 'sim' on a simulated bench")
    identity: Identity
    calibration: Calibration | None = None
    timeout_s: float = Field(default=5.0, gt=0)
    #: The smallest step the instrument reports, per unit it reports in (units written as the acceptance
    #: criteria write them): ``{"°C": 0.0001}``. A measured value is shown rounded to it; a unit not listed
    #: (a derived time, count or percentage) is shown with 6 significant digits.
    resolution: dict[str, float] = Field(default_factory=dict)

    @field_validator("resolution")
    @classmethod
    def _resolution_positive(cls, value: dict[str, float]) -> dict[str, float]:
        for unit, step in value.items():
            if not step > 0:
                raise ValueError(f"resolution in {unit!r} must be a positive number, got {step!r}")
        return value

    @field_validator("address")
    @classmethod
    def _address_shape(cls, value: str) -> str:
        if value == SIM_ADDRESS:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"address must be 'host:port' or '{SIM_ADDRESS}', got {value!r}")
        return value


def host_port(value: str) -> str:
    """Accept ``host:port`` or ``sim``; anything else is a profile error."""
    if value == SIM_ADDRESS:
        return value
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"address must be 'host:port' or '{SIM_ADDRESS}', got {value!r}")
    return value


class PowerOutlet(StrictModel):
    """The PDU outlet that feeds the controller (labgrid ``NetworkPowerPort``).

    ``address`` is the backend's URL template, e.g.
    ``http://pdu-lab2.example:80/outlet/{index}`` for ``model: rest``; ``sim``
    on a simulated bench (the simulator's PDU).
    """

    model: Literal["rest", "simplerest", "netio", "gude", "apc", "raritan", "sentry", "digitalloggers_http"] = "rest"
    address: str
    index: int = Field(ge=0)
    delay_s: float = Field(default=2.0, gt=0, description="off time of a power cycle")

    @field_validator("address")
    @classmethod
    def _url_or_sim(cls, value: str) -> str:
        if value == SIM_ADDRESS or value.startswith(("http://", "https://")):
            return value
        return host_port(value)


class DigitalIO(StrictModel):
    """The Modbus TCP I/O module of the bench rig (labgrid ``ModbusTCPCoil``)."""

    address: str = Field(description="host:port, or 'sim'")
    _address_shape = field_validator("address")(classmethod(lambda cls, value: host_port(value)))
    door_coil: int = Field(default=0, ge=0, description="1 = door open")
    alarm_relay_coil: int = Field(default=1, ge=0, description="1 = unacknowledged alarm (read-only)")


class ServiceConsole(StrictModel):
    """The controller's service console (labgrid ``NetworkSerialPort``, ``protocol: raw``).

    The password is never written in a profile: ``password_env`` names the
    environment variable that holds it (the simulated bench's console accepts
    the one in its own profile).
    """

    address: str = Field(description="host:port of the console server, or 'sim'")
    _address_shape = field_validator("address")(classmethod(lambda cls, value: host_port(value)))
    user: str
    password_env: str = "MIMEDI_CONSOLE_PASSWORD"
    password: str | None = Field(default=None, description="simulated benches only")
    boot_timeout_s: float = Field(default=60.0, gt=0)


class SimulatedThermometer(StrictModel):
    """How the simulated reference thermometer errs (its 'physics')."""

    offset_c: float = 0.0
    noise_c: float = Field(ge=0.0)


class SimulatedProbe(StrictModel):
    """How one simulated measuring channel errs, in the channel's own unit."""

    offset: float = 0.0
    noise: float = Field(default=0.0, ge=0.0, description="standard deviation of one reading")


class SimulatedPlant(StrictModel):
    """The culture bag on the bench: thermal overrides of the twin and the seeded culture.

    ``mass_g`` is the medium in the bag (volume = mass / medium density); the
    rest of the culture's physics comes from the twin profile.
    """

    mass_g: float = Field(gt=0)
    ua_w_per_k: float = Field(gt=0)
    heater_max_w: float = Field(gt=0)
    ambient_c: float
    initial_temperature_c: float
    twin_profile: str | None = Field(default=None, description="twin parameters; default profiles/twin/default.yaml")
    viable_cells_per_ml: float = Field(default=1.0e6, ge=0)
    viability: float = Field(default=0.95, gt=0, le=1)
    co2_fraction: float = Field(default=0.05, ge=0, le=1)
    rocking_angle_deg: float = Field(default=6.0, ge=0)


class ControllerAccount(StrictModel):
    """A user account of the simulated controller's own access control."""

    user: str
    password: str
    level: Literal["OPERATOR", "SUPERVISOR", "ADMIN"]


class LoginLockout(StrictModel):
    """The controller's lockout of an account after wrong passwords (Part 11 §11.300(d), Annex 11 §12.1).

    ``failed_logins`` wrong passwords in a row for one account — over any
    connection or the service console — lock it: even the right password is
    refused until the lock is released, by an ADMIN (``ACCess:USER:UNLock``,
    always possible) or, when ``release_after_s`` is set, by itself that long
    after it was locked (on the controller's clock: bench time, virtual on a
    simulated bench). A successful login resets the count. Lock, refusals and
    release are each an audit-trail entry.
    """

    failed_logins: int = Field(ge=1, description="wrong passwords in a row that lock an account")
    release_after_s: float | None = Field(gt=0, description="seconds after which a lock releases itself; "
                                                            "null: only an ADMIN's ACCess:USER:UNLock releases it")


class SimulatedController(StrictModel):
    """Firmware configuration of the simulated controller.

    The control core's parameters come from ``control_profile`` (default
    ``profiles/control/controller.yaml``); ``initial_setpoint_c``,
    ``control_period_s`` and, when given, ``kp``/``ki``/``kd`` override its
    temperature loop.
    """

    control_period_s: float = Field(gt=0)
    realtime_period_s: float = Field(default=0.1, gt=0, le=1.0,
                                     description="period of the control core's real-time timing "
                                                 "diagnostic (DIAGnostic:TIMing?), on wall time")
    initial_setpoint_c: float
    kp: float | None = None
    ki: float | None = None
    kd: float | None = None
    probe_offset_c: float = 0.0
    probe_noise_c: float = Field(default=0.0, ge=0.0)
    control_profile: str | None = None
    ph_probe: SimulatedProbe = SimulatedProbe()
    do_probe: SimulatedProbe = SimulatedProbe()
    running_modules: list[str] = Field(default_factory=list,
                                       description="modules started when the bench comes up")
    boot_time_s: float = Field(default=20.0, ge=0)
    power_recovery: Literal["resume", "safe"] = "resume"
    require_login: bool = True
    accounts: list[ControllerAccount] = Field(default_factory=list)
    lockout: LoginLockout = Field(description="lockout after failed logins: the numbers are the profile's")
    module_firmware: dict[str, str] = Field(default_factory=dict)


class SimulatedBalance(StrictModel):
    """The MT-SICS balance under the receiving vessel of a gravimetric pump test."""

    capacity_g: float = Field(default=2200.0, gt=0)
    readability_g: float = Field(default=0.001, gt=0)
    noise_g: float = Field(default=0.002, ge=0)
    settling_s: float = Field(default=5.0, ge=0)
    vessel_g: float = Field(default=120.0, ge=0, description="empty receiving vessel on the pan")
    liquid_density_g_per_ml: float = Field(default=0.998, gt=0)


class SimulatedUtilities(StrictModel):
    """What the DMM reads: mains and gas-supply pressure transducers (1 V per bar)."""

    mains_v: float = 230.0
    mains_noise_v: float = Field(default=0.3, ge=0)
    co2_supply_bar: float = 1.5
    o2_supply_bar: float = 1.5
    pressure_noise_bar: float = Field(default=0.005, ge=0)


class SimulatedPumpLines(StrictModel):
    """The tubing between each pump and its outlet, as its line-pressure sensor sees it.

    A free line reads ``resistance`` × flow; an occluded one fills the tubing's
    ``compliance`` with what the pump pushes (pressure rises by flow × time /
    compliance) up to the pump's ``stall`` pressure, and holds it until released.
    """

    resistance_kpa_per_ml_min: float = Field(default=0.4, ge=0)
    compliance_ml_per_kpa: float = Field(default=0.005, gt=0)
    stall_kpa: float = Field(default=300.0, gt=0)


class SimulatedServices(StrictModel):
    """The simulated bench's PDU and service console (addresses: the simulator's)."""

    pdu_outlets: int = Field(default=8, ge=1)
    controller_outlet: int = Field(default=1, ge=0)
    console_user: str = "service"
    console_password: str = "mimedi"


class Simulation(StrictModel):
    seed: int
    plant: SimulatedPlant
    controller: SimulatedController
    thermometer: SimulatedThermometer
    mode: Literal["virtual", "realtime"] = "virtual"
    reference: dict[str, dict[str, SimulatedProbe]] = Field(
        default_factory=dict, description="instrument name → quantity → error model")
    balance: SimulatedBalance = SimulatedBalance()
    utilities: SimulatedUtilities = SimulatedUtilities()
    pump_lines: SimulatedPumpLines = SimulatedPumpLines()
    services: SimulatedServices = SimulatedServices()


class BenchProfile(StrictModel):
    bench: BenchIdentity
    instruments: dict[str, Instrument]
    clock: Literal["simulated", "wall"]
    simulation: Simulation | None = None
    power: PowerOutlet | None = None
    digital_io: DigitalIO | None = None
    console: ServiceConsole | None = None
    #: the lab ledger each campaign's head is anchored in (mimedi_qual.evidence.ledger): absolute, or relative
    #: to the project root; None: <project>/ledger/lab-ledger.jsonl. Never inside a campaign directory.
    ledger: str | None = None

    def instrument_of_kind(self, kind: str) -> tuple[str, Instrument]:
        """The (name, instrument) of the one instrument of ``kind``."""
        found = [(n, i) for n, i in self.instruments.items() if i.kind == kind]
        if len(found) != 1:
            raise BenchError(f"bench {self.bench.id} has {len(found)} instruments of kind {kind!r}")
        return found[0]
