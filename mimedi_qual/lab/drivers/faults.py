"""Fault injection: force an abnormal condition on the bench, from a scenario step.

OQ forces every alarm and interlock by *causing* its condition (Annex 15
§3.11), never by poking the controller's own interface. How a fault is caused
depends on the bench:

* simulated bench — the simulation-only channel (``SIMulation:FAULt:INJect``,
  instruments/COMMANDS.md): the twin fails a heater, occludes a pump, opens the
  door, drifts a probe; each injection is recorded with its virtual time;
* real bench — the test engineer does it by hand (unplug the probe, clamp the
  line) when prompted through labgrid's ``target.interact``.

>>> faults = bench.faults()          # Bench.faults() calls fault_injector(bench)
>>> faults.inject("PUMP_OCCLUSION", "BASE")
>>> faults.active()
['PUMP_OCCLUSION,BASE']
>>> faults.clear()

Written by the protocols engineer as a stop-gap until the lab layer offers a
fault-injection protocol of its own; the drivers are created on demand so the
bench's environment file needs no entry.
"""

from __future__ import annotations

import abc

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError

FAULT_DRIVER_NAME = "faults"


class FaultInjectionProtocol(abc.ABC):
    """Cause and remove abnormal conditions on the bench."""

    @abc.abstractmethod
    def inject(self, fault: str, target: str = "", value: str = "") -> None:
        """Cause ``fault`` (e.g. ``HEATER_FAIL``; ``SENSOR_DRIFT``, ``TEMP``, ``0.5``)."""

    @abc.abstractmethod
    def clear(self, fault: str = "") -> None:
        """Remove ``fault`` (every fault when empty)."""

    @abc.abstractmethod
    def active(self) -> list[str]:
        """Faults in force, as ``FAULT[,target[,value]]``."""


@target_factory.reg_driver
@attr.s(eq=False)
class SimulatedFaultDriver(Driver, FaultInjectionProtocol):
    """Simulated bench: faults through the simulation-only channel."""

    bindings = {"sim": "SimulationControlPort"}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._channel = None

    def on_activate(self):
        from mimedi_qual.lab.drivers.simchannel import SimulationChannel

        self._channel = SimulationChannel(self.sim.host, self.sim.port)

    def on_deactivate(self):
        if self._channel is not None:
            self._channel.close()
        self._channel = None

    @Driver.check_active
    @step(title="inject fault", args=["fault", "target", "value"])
    def inject(self, fault: str, target: str = "", value: str = "") -> None:
        # positional: an empty target stays in place (ACID_BOLUS,,12 — a value with no target). The target
        # goes as written: an instrument fault names the instrument by its bench-profile name, which is
        # case-sensitive ("co2", "thermometer"); the simulator upper-cases the targets that are SCPI words.
        arguments = ",".join((fault.upper(), target, value)).rstrip(",")
        self._channel.write(f"SIM:FAUL:INJ {arguments}")

    @Driver.check_active
    @step(title="clear fault", args=["fault"])
    def clear(self, fault: str = "") -> None:
        self._channel.write(f"SIM:FAUL:CLE {fault.upper()}".strip())

    @Driver.check_active
    def active(self) -> list[str]:
        """Active faults; the channel lists ``time,fault,target,value,cleared`` records."""
        reply = self._channel.query("SIM:FAUL:LIST?")
        if not reply or reply.upper() == "NONE":
            return []
        faults = []
        for record in reply.split(";"):
            fields = record.split(",")
            if len(fields) >= 5 and not fields[4].strip():
                faults.append(",".join(f for f in fields[1:4] if f.strip()))
        return faults


@target_factory.reg_driver
@attr.s(eq=False)
class ManualFaultDriver(Driver, FaultInjectionProtocol):
    """Real bench: the engineer causes the fault by hand when asked."""

    bindings = {}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._active: list[str] = []

    @step(title="operator: cause fault", args=["fault", "target", "value"])
    def inject(self, fault: str, target: str = "", value: str = "") -> None:
        what = ",".join(part for part in (fault, target, value) if part)
        self.target.interact(f"Cause the fault {what} on the bench now, then press Enter")
        self._active.append(what)

    @step(title="operator: remove fault", args=["fault"])
    def clear(self, fault: str = "") -> None:
        self.target.interact(f"Remove {'the fault ' + fault if fault else 'every fault'} now, then press Enter")
        self._active = [f for f in self._active if fault and not f.startswith(fault)]

    def active(self) -> list[str]:
        return list(self._active)


def fault_injector(bench) -> FaultInjectionProtocol:
    """The bench's fault-injection driver, created and activated on first use."""
    target = bench.target
    try:
        return target.get_driver("FaultInjectionProtocol")
    except Exception:  # labgrid NoDriverFoundError: create ours below
        pass
    try:
        if bench.profile.clock == "simulated":
            driver = SimulatedFaultDriver(target, FAULT_DRIVER_NAME)
        else:
            driver = ManualFaultDriver(target, FAULT_DRIVER_NAME)
    except Exception as exc:
        raise InstrumentError("faults", f"this bench cannot inject faults: {exc}") from exc
    target.activate(driver)
    return driver
