"""SCPI over a raw TCP socket through PyVISA's pure-Python ``@py`` backend.

Every query and write is a labgrid ``step``: the harness mirrors those step
events into the Allure report, so the evidence shows what was sent to which
instrument and what came back.
"""

from __future__ import annotations

import attr
import pyvisa
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.errors import InstrumentError
from mimedi_qual.lab.protocols import SCPIProtocol

MAX_ERRORS_DRAINED = 32


@target_factory.reg_driver
@attr.s(eq=False)
class SCPIDriver(Driver, SCPIProtocol):
    bindings = {"instrument": "SCPITCPInstrument"}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._rm: pyvisa.ResourceManager | None = None
        self._session = None

    @property
    def instrument_name(self) -> str:
        return self.name or self.instrument.name or "scpi"

    def on_activate(self):
        res = self.instrument
        try:
            self._rm = pyvisa.ResourceManager(res.visa_library)
            self._session = self._rm.open_resource(
                res.visa_address,
                read_termination=res.read_termination,
                write_termination=res.write_termination,
                timeout=int(res.timeout_s * 1000),
            )
        except (pyvisa.Error, OSError) as exc:
            raise InstrumentError(self.instrument_name, f"cannot connect to {res.host}:{res.port}: {exc}") from exc

    def on_deactivate(self):
        if self._session is not None:
            try:
                self._session.close()
            except (pyvisa.Error, OSError):
                pass
        self._session = None
        if self._rm is not None:
            self._rm.close()
        self._rm = None

    @Driver.check_active
    @step(title="scpi query", args=["command"], result=True)
    def query(self, command: str) -> str:
        try:
            return self._session.query(command).strip()
        except (pyvisa.Error, OSError) as exc:
            raise InstrumentError(self.instrument_name, f"no reply to {command!r}: {exc}") from exc

    @Driver.check_active
    @step(title="scpi write", args=["command"])
    def write(self, command: str) -> None:
        try:
            self._session.write(command)
        except (pyvisa.Error, OSError) as exc:
            raise InstrumentError(self.instrument_name, f"cannot send {command!r}: {exc}") from exc

    def identify(self) -> str:
        return self.query("*IDN?")

    def pop_errors(self) -> list[str]:
        errors = []
        for _ in range(MAX_ERRORS_DRAINED):
            reply = self.query("SYST:ERR?")
            code = reply.split(",", 1)[0].strip()
            if code in ("0", "+0"):
                return errors
            errors.append(reply)
        return errors

    def query_float(self, command: str) -> float:
        """A numeric query; a non-numeric reply is an instrument fault, not a crash."""
        reply = self.query(command)
        try:
            value = float(reply)
        except ValueError:
            raise InstrumentError(self.instrument_name, f"non-numeric reply {reply!r} to {command!r}") from None
        if value != value:
            raise InstrumentError(self.instrument_name, f"NaN reply to {command!r}")
        return value

    def write_checked(self, command: str) -> None:
        """Write, then read the error queue: a refused command raises."""
        self.write(command)
        errors = self.pop_errors()
        if errors:
            raise InstrumentError(self.instrument_name, f"{command!r} refused: {'; '.join(errors)}")
