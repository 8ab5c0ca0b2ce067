"""Operator actions: a prompt on a real bench, the simulation channel on a simulated one."""

from __future__ import annotations

import os

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.protocols import LINES_ON_BALANCE_AT_HANDOVER, OperatorProtocol

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


def _place(to_balance: bool) -> str:
    return "into the receiving vessel on the balance" if to_balance else "back into the culture bag"


@target_factory.reg_driver
@attr.s(eq=False)
class ManualOperatorDriver(Driver, OperatorProtocol):
    """Real bench: ask the operator (through labgrid's ``target.interact``) and wait.

    The routing of the pump lines is what the operator was asked to do (nothing on a real bench
    reports where a tube ends): the lines on the balance at hand-over, then each routing asked for.
    """

    bindings = {}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._on_balance = set(LINES_ON_BALANCE_AT_HANDOVER)

    @step(title="operator: load fresh bag")
    def load_fresh_bag(self) -> None:
        self.target.interact("Place a fresh bag of medium at room temperature on the heater plate, then press Enter")

    @step(title="operator: route pump line", args=["pump", "to_balance"])
    def route_pump_line(self, pump: str, to_balance: bool) -> None:
        self.target.interact(f"Lay the outlet tube of the {pump} pump line {_place(to_balance)}, then press Enter")
        (self._on_balance.add if to_balance else self._on_balance.discard)(pump)

    def pump_line_to_balance(self, pump: str) -> bool:
        return pump in self._on_balance


@target_factory.reg_driver
@attr.s(eq=False)
class SimulatedOperatorDriver(Driver, OperatorProtocol):
    bindings = {"sim": "SimulationControlPort"}

    def _channel(self):
        from mimedi_qual.lab.drivers.simchannel import SimulationChannel

        return SimulationChannel(self.sim.host, self.sim.port)

    @step(title="operator: load fresh bag")
    def load_fresh_bag(self) -> None:
        channel = self._channel()
        try:
            channel.write("SIM:BAG:LOAD")
        finally:
            channel.close()

    @step(title="operator: route pump line", args=["pump", "to_balance"])
    def route_pump_line(self, pump: str, to_balance: bool) -> None:
        """The twin's tube moves (``SIM:PUMP:ROUT <pump>,BAL|BAG``): what the operator's hands do on a real bench."""
        channel = self._channel()
        try:
            channel.write(f"SIM:PUMP:ROUT {pump},{'BAL' if to_balance else 'BAG'}")
        finally:
            channel.close()

    def pump_line_to_balance(self, pump: str) -> bool:
        channel = self._channel()
        try:
            return channel.query(f"SIM:PUMP:ROUT? {pump}").upper().startswith("BAL")
        finally:
            channel.close()
