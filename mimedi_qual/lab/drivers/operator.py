"""Operator actions: a prompt on a real bench, the simulation channel on a simulated one."""

from __future__ import annotations

import os

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.protocols import OperatorProtocol

TERMINAL = "/dev/tty"


def terminal_prompt(message: str) -> str:
    """Ask the operator at the terminal and wait for Enter; the answer is returned.

    labgrid's default ``env.interact`` is ``input()``, which fails under
    pytest's output capture (stdin is not readable). The controlling terminal is reached
    directly instead, so a real-bench campaign can stop for a manual action
    (load a bag, unplug a probe) and carry on. Without a terminal (CI, a
    service) the step fails with a message saying an operator is needed.
    """
    try:
        # Two streams: a terminal cannot seek, which a single read-write text stream needs.
        # os.open without O_CREAT: a missing terminal is an error, never a new file.
        with open(os.open(TERMINAL, os.O_WRONLY | os.O_NOCTTY), "w", encoding="utf-8") as out, \
                open(TERMINAL, encoding="utf-8") as answer:
            out.write(f"\n>>> OPERATOR: {message} ")
            out.flush()
            return answer.readline().strip()
    except OSError as exc:
        raise InstrumentError("operator", f"this step needs an operator at a terminal ({message!r}), "
                                          f"but {TERMINAL} is not available: {exc}") from exc


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
