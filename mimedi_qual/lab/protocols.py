"""Our protocols: what a step may ask of a bench, independent of how it is done.

Small ABCs in labgrid's style (labgrid's own ``PowerProtocol`` and friends
live beside them). A protocol is implemented by a real-bench driver and a
simulated-bench driver; steps only ever see the protocol.
"""

from __future__ import annotations

import abc


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


class BioreactorProtocol(abc.ABC):
    """The bioreactor controller's own interface."""

    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def set_temperature_setpoint_c(self, setpoint_c: float) -> None: ...

    @abc.abstractmethod
    def temperature_setpoint_c(self) -> float: ...

    @abc.abstractmethod
    def read_temperature_c(self) -> float:
        """The controller's own probe, °C (not reference evidence)."""

    @abc.abstractmethod
    def heater_output_pct(self) -> float: ...


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
