"""Operator actions: a prompt on a real bench, the simulation channel on a simulated one."""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.protocols import OperatorProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ManualOperatorDriver(Driver, OperatorProtocol):
    """Real bench: ask the operator (through labgrid's ``target.interact``) and wait."""

    bindings = {}

    @step(title="operator: load fresh bag")
    def load_fresh_bag(self) -> None:
        self.target.interact("Place a fresh bag of medium at room temperature on the heater plate, then press Enter")


@target_factory.reg_driver
@attr.s(eq=False)
class SimulatedOperatorDriver(Driver, OperatorProtocol):
    bindings = {"sim": "SimulationControlPort"}

    @step(title="operator: load fresh bag")
    def load_fresh_bag(self) -> None:
        from mimedi_qual.lab.drivers.simchannel import SimulationChannel

        channel = SimulationChannel(self.sim.host, self.sim.port)
        try:
            channel.write("SIM:BAG:LOAD")
        finally:
            channel.close()
