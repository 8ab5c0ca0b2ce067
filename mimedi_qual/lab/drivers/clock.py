"""Clock drivers: the same ``wait_s`` sleeps on a real bench and advances a simulated one."""

from __future__ import annotations

import time

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.protocols import ClockProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class WallClockDriver(Driver, ClockProtocol):
    """Real bench: bench time is wall time."""

    bindings = {}

    def now_s(self) -> float:
        return time.monotonic()

    @step(title="wait", args=["duration_s"])
    def wait_s(self, duration_s: float) -> None:
        time.sleep(duration_s)


@target_factory.reg_driver
@attr.s(eq=False)
class SimulatedClockDriver(Driver, ClockProtocol):
    """Simulated bench: waiting runs controller and twin in lockstep for that long."""

    bindings = {"sim": "SimulationControlPort"}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._scpi = None

    def on_activate(self):
        from mimedi_qual.lab.drivers.simchannel import SimulationChannel

        self._scpi = SimulationChannel(self.sim.host, self.sim.port)

    def on_deactivate(self):
        if self._scpi:
            self._scpi.close()
        self._scpi = None

    @Driver.check_active
    def now_s(self) -> float:
        return float(self._scpi.query("SIM:TIME?"))

    @Driver.check_active
    @step(title="wait (virtual time)", args=["duration_s"])
    def wait_s(self, duration_s: float) -> None:
        # One line: the reply to TIME? arrives only after ADV has finished.
        self._scpi.query(f"SIM:ADV {duration_s:.6f};SIM:TIME?")
