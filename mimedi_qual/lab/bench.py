"""The bench as the step library sees it: protocols by name, never addresses.

:class:`Bench` owns the connections a campaign makes to its devices (the
labgrid target). It starts nothing: the devices are there already — a real
bench, a place acquired from a labgrid coordinator, or the simulated bench
that the campaign service started (:mod:`mimedi_qual.campaign.bench`) and
whose loopback addresses it passes in.

>>> with Bench.open(bench_profile, profile_path, campaign_dir, addresses) as bench:
...     bench.strategy().transition("ready")
...     bench.thermometer("thermometer").read_temperature_c()
...     bench.ph_meter().read_ph()            # the one pH meter of the bench

Every instrument getter takes an optional name; without one it returns the
single instrument of that kind (and says so when there are none or several).
Reference readings pass the calibration gate in the driver: an instrument
past its due date raises :class:`~mimedi_qual.lab.errors.CalibrationExpired`
(instrument, certificate, due date) instead of producing a value.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mimedi_qual.errors import BenchError
from mimedi_qual.lab.calibration import today_utc
from mimedi_qual.lab.drivers.connection import ScpiConnection
from mimedi_qual.lab.drivers.faults import FaultInjectionProtocol, fault_injector
from mimedi_qual.lab.drivers.operator import terminal_prompt
from mimedi_qual.lab.environment import (
    PROTOCOL_FOR_KIND, TARGET_NAME, environment_config, write_environment,
)
from mimedi_qual.lab.errors import CalibrationExpired
from mimedi_qual.lab.protocols import (
    BalanceProtocol,
    BioreactorProtocol,
    ClockProtocol,
    DoMeterProtocol,
    GasAnalyzerProtocol,
    MultimeterProtocol,
    OperatorProtocol,
    PhMeterProtocol,
    QcLabProtocol,
    SpeedSensorProtocol,
    TemperatureSensorProtocol,
)
from mimedi_qual.profiles.bench import BenchProfile, Instrument

ENVIRONMENT_FILE = "labgrid-env.yaml"
#: drivers holding a network session that a power cut invalidates (labgrid reopens them on next use)
SESSION_DRIVERS = ("SCPIDriver", "MTSICSBalanceDriver")


class Bench:
    def __init__(self, profile: BenchProfile, profile_path: Path, target, env):
        self.profile = profile
        self.profile_path = profile_path
        self.target = target
        self.env = env

    @classmethod
    def open(cls, profile: BenchProfile, profile_path: Path, campaign_dir: Path,
             addresses: dict[str, str] | None = None, *, from_place: bool = False) -> Bench:
        """Connect to the bench of ``profile``.

        ``addresses`` (name → ``host:port``) fill in the profile's ``sim``
        addresses (the running simulator's). ``from_place``: they are a labgrid
        place's exported devices and replace the profile's address of every
        device they name. A real bench's profile carries its own addresses.
        """
        import mimedi_qual.lab  # noqa: F401  (register our labgrid classes)

        given = dict(addresses or {})
        config = environment_config(profile, given, prefer_given=from_place)
        env = write_environment(config, campaign_dir / ENVIRONMENT_FILE)
        env.interact = terminal_prompt  # not input(): pytest captures stdin and labgrid's prompt would fail
        target = env.get_target(TARGET_NAME)
        (campaign_dir / "bench.json").write_text(json.dumps({
            "bench": profile.bench.model_dump(),
            "addresses": given,
        }, indent=2))
        return cls(profile, profile_path, target, env)

    def close(self) -> None:
        if self.target is not None:
            self.target.cleanup()

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        # Allure shows every fixture a step takes by its repr: one short line, never the whole target.
        return f"<bench {self.profile.bench.id}>"

    # -- protocols by name ---------------------------------------------
    def _named(self, kind: str, name: str | None) -> str:
        return name if name is not None else self.name_of_kind(kind)

    def thermometer(self, name: str | None = None) -> TemperatureSensorProtocol:
        return self.target.get_driver("TemperatureSensorProtocol", name=self._named("thermometer", name))

    def bioreactor(self, name: str | None = None) -> BioreactorProtocol:
        return self.target.get_driver("BioreactorProtocol", name=self._named("bioreactor", name))

    def ph_meter(self, name: str | None = None) -> PhMeterProtocol:
        return self.target.get_driver("PhMeterProtocol", name=self._named("ph_do_meter", name))

    def do_meter(self, name: str | None = None) -> DoMeterProtocol:
        return self.target.get_driver("DoMeterProtocol", name=self._named("ph_do_meter", name))

    def gas_analyzer(self, name: str | None = None) -> GasAnalyzerProtocol:
        return self.target.get_driver("GasAnalyzerProtocol", name=self._named("gas_analyzer", name))

    def speed_sensor(self, name: str | None = None) -> SpeedSensorProtocol:
        return self.target.get_driver("SpeedSensorProtocol", name=self._named("tachometer", name))

    def balance(self, name: str | None = None) -> BalanceProtocol:
        return self.target.get_driver("BalanceProtocol", name=self._named("balance", name))

    def multimeter(self, name: str | None = None) -> MultimeterProtocol:
        return self.target.get_driver("MultimeterProtocol", name=self._named("multimeter", name))

    def qc_lab(self, name: str | None = None) -> QcLabProtocol:
        """The QC release laboratory the batch samples go to."""
        return self.target.get_driver("QcLabProtocol", name=self._named("qc_lab", name))

    def clock(self) -> ClockProtocol:
        return self.target.get_driver("ClockProtocol", name="clock")

    def operator(self) -> OperatorProtocol:
        return self.target.get_driver("OperatorProtocol", name="operator")

    # -- power, digital I/O, console, strategy ---------------------------
    def _needs(self, section: str) -> None:
        if getattr(self.profile, section) is None:
            raise BenchError(f"bench {self.profile.bench.id} has no '{section}' section in {self.profile_path}")

    def power(self):
        """labgrid ``PowerProtocol`` of the outlet feeding the controller (``on``/``off``/``cycle``/``get``)."""
        self._needs("power")
        return self.target.get_driver("PowerProtocol", name="power")

    def door(self):
        """labgrid ``DigitalOutputProtocol`` of the door switch coil (True = open).

        Write it with :func:`mimedi_qual.lab.strategy.set_coil_checked` (reads back: labgrid's ``ModbusCoilDriver.set`` does not notice a failed write).
        """
        self._needs("digital_io")
        return self.target.get_driver("DigitalOutputProtocol", name="door")

    def alarm_relay(self):
        """labgrid ``DigitalOutputProtocol`` of the controller's alarm relay (read it with ``get()``)."""
        self._needs("digital_io")
        return self.target.get_driver("DigitalOutputProtocol", name="alarm_relay")

    def console(self):
        """labgrid ``ConsoleProtocol`` of the service console (raw TCP)."""
        self._needs("console")
        return self.target.get_driver("ConsoleProtocol", name="console")

    def strategy(self):
        """The :class:`~mimedi_qual.lab.strategy.BioreactorStrategy` (needs power and console sections)."""
        if self.profile.power is None or self.profile.console is None:
            raise BenchError(f"bench {self.profile.bench.id} has no strategy: its profile {self.profile_path} "
                              "needs both a 'power' and a 'console' section")
        return self.target.get_strategy()

    def ensure_state(self, state: str) -> None:
        """Bring the bench to ``state`` (off, powered, ready, running) through the strategy."""
        self.strategy().transition(state)

    def faults(self) -> FaultInjectionProtocol:
        """The bench's fault injection: the simulation channel on the simulated bench, the operator on a real one."""
        return fault_injector(self)

    def reconnect_instruments(self) -> None:
        """Reopen every instrument session on next use (after a power cut or an instrument that came back).

        Closing the controller's session after a power cut also closes the
        other instruments' sessions (they share one PyVISA resource manager,
        and the SCPI driver closes it on deactivation): deactivate them all, so
        labgrid reconnects each one cleanly when a step next asks for it.
        """
        for driver in list(self.target.drivers):
            if type(driver).__name__ in SESSION_DRIVERS:
                self.target.deactivate(driver)

    def open_connection(self, name: str | None = None) -> ScpiConnection:
        """A second connection to SCPI instrument ``name`` (default: the controller), with a session of its own.

        Beside the bench's driver, not instead of it: the driver's login and error queue are
        untouched. Close it (it is a context manager) when the scenario is done with it.
        """
        name = self._named("bioreactor", name)
        resource = self.target.get_resource("SCPITCPInstrument", name=name)
        return ScpiConnection(name, resource)

    # -- identity and calibration ------------------------------------------
    def instrument(self, name: str):
        """The driver of instrument ``name`` by the protocol of its kind."""
        entry = self.register_entry(name)
        return self.target.get_driver(PROTOCOL_FOR_KIND[entry.kind], name=name)

    def identify(self, name: str) -> str:
        """The identity string the instrument reports (``*IDN?``, or I2/I4/I3 for a balance)."""
        return self.instrument(name).identify()

    def register_entry(self, name: str) -> Instrument:
        """The bench profile's register entry (identity, calibration) for ``name``."""
        try:
            return self.profile.instruments[name]
        except KeyError:
            known = ", ".join(sorted(self.profile.instruments))
            raise BenchError(f"bench {self.profile.bench.id} has no instrument '{name}' (has: {known})") from None

    def check_calibration(self, name: str, on: dt.date | None = None) -> None:
        """Raise :class:`CalibrationExpired` when ``name`` is past its due date (the drivers do this too)."""
        cal = self.register_entry(name).calibration
        on = on or today_utc()
        if cal is not None and cal.is_due(on):
            raise CalibrationExpired(name, cal.certificate, cal.due_on, on)

    def name_of_kind(self, kind: str) -> str:
        return self.profile.instrument_of_kind(kind)[0]

    @property
    def today(self) -> dt.date:
        return today_utc()
