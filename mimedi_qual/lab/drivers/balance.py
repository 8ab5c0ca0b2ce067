"""Mettler Toledo balance over MT-SICS on a TCP socket → BalanceProtocol.

MT-SICS is line based with CR LF line ends. A reply repeats the command and
adds a status letter::

    S      → S S     12.345 g      stable weight
             S D     12.300 g      dynamic (the balance is still settling)
             S I                   busy, not executable now
             S +  /  S -           overload / underload: no valid weight
    SI     → S S ... / S D ...     immediate weight, stable or not
    Z      → Z A                   zeroed
    T      → T S     12.345 g      tared; the tare weight
    I2     → I2 A "XS205 220.0000 g"   model and capacity
    I3     → I3 A "1.10"               firmware
    I4     → I4 A "B912345678"         serial number
    ES / ET / EL                   syntax / transmission / logical error

:meth:`read_stable_mass_g` asks ``S`` until the balance answers ``S S``, so a
gravimetric flow test never takes a weight that was still moving; overload is
a :class:`~mimedi_qual.lab.errors.BalanceOverload`, never a number.
"""

from __future__ import annotations

import time

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.drivers.scpi import ReconnectingLink, close_visa_session, open_visa_session
from mimedi_qual.lab.errors import BalanceOverload
from mimedi_qual.lab.protocols import BalanceProtocol, Weighing

MANUFACTURER = "METTLER TOLEDO"
ERROR_REPLIES = {"ES": "syntax error (command not understood)",
                 "ET": "transmission error", "EL": "logical error (command not possible)"}
STABLE_POLL_S = 0.1
LINE_END = "\r\n"   # MT-SICS: CR LF both ways


@target_factory.reg_driver
@attr.s(eq=False)
class MTSICSBalanceDriver(ReconnectingLink, CalibratedMixin, Driver, BalanceProtocol):
    bindings = {"port": "MTSICSTCPInstrument"}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._session = None

    @property
    def _name(self) -> str:
        return self.name or "balance"

    def on_activate(self):
        self._session = self._open_session()

    def _link_name(self) -> str:
        return self._name

    def _open_session(self):
        return open_visa_session(self._name, self.port, read_termination=LINE_END, write_termination=LINE_END)

    def on_deactivate(self):
        close_visa_session(self._session)   # the session only: never the shared ResourceManager
        self._session = None

    @Driver.check_active
    @step(title="mt-sics", args=["command"], result=True)
    def command(self, command: str) -> str:
        """Send one MT-SICS command, return its reply line; ES/ET/EL raise."""
        # a broken link (the balance came back after a disconnect or power cut) is reconnected, bounded
        reply = self._with_link(lambda session: session.query(command).strip(), command, "no reply to")
        if reply in ERROR_REPLIES:
            raise InstrumentError(self._name, f"{command!r}: {reply} {ERROR_REPLIES[reply]}")
        return reply

    # -- identity ---------------------------------------------------------
    def _quoted(self, command: str) -> str:
        reply = self.command(command)
        head, _, text = reply.partition('"')
        if not head.startswith(f"{command} A"):
            raise InstrumentError(self._name, f"unexpected reply {reply!r} to {command!r}")
        return text.rstrip('"')

    def identify(self) -> str:
        """``METTLER TOLEDO,<model>,<serial>,<firmware>`` (firmware empty if ``I3`` is not answered)."""
        model_and_capacity = self._quoted("I2").split()
        model = " ".join(model_and_capacity[:-2]) if len(model_and_capacity) > 2 else " ".join(model_and_capacity)
        serial = self._quoted("I4")
        try:
            firmware = self._quoted("I3")
        except InstrumentError:
            firmware = ""
        return f"{MANUFACTURER},{model},{serial},{firmware}"

    # -- weighing -----------------------------------------------------------
    def _weighing(self, command: str, reply: str) -> Weighing | None:
        """Parse ``S S 12.345 g``; None while busy (``S I``); raise on overload or garbage."""
        parts = reply.split()
        if len(parts) >= 2 and parts[0] in ("S", "SI") and parts[1] in ("+", "-"):
            what = "overload" if parts[1] == "+" else "underload"
            raise BalanceOverload(self._name, f"{what} ({reply!r} to {command!r})")
        if len(parts) >= 2 and parts[1] == "I":
            return None
        if len(parts) >= 4 and parts[1] in ("S", "D"):
            if parts[3] != "g":
                raise InstrumentError(self._name, f"weight in {parts[3]!r}, expected g: {reply!r}")
            try:
                return Weighing(float(parts[2]), parts[1] == "S")
            except ValueError:
                pass
        raise InstrumentError(self._name, f"unexpected reply {reply!r} to {command!r}")

    @Driver.check_active
    @calibrated
    @step(title="read stable mass", args=["timeout_s"], result=True)
    def read_stable_mass_g(self, timeout_s: float = 10.0) -> float:
        deadline = time.monotonic() + timeout_s
        while True:
            weighing = self._weighing("S", self.command("S"))
            if weighing is not None and weighing.stable:
                return weighing.mass_g
            if time.monotonic() >= deadline:
                raise InstrumentError(self._name, f"no stable weight within {timeout_s:g} s")
            time.sleep(STABLE_POLL_S)

    @Driver.check_active
    @calibrated
    @step(title="read immediate mass", result=True)
    def read_immediate(self) -> Weighing:
        weighing = self._weighing("SI", self.command("SI"))
        if weighing is None:
            raise InstrumentError(self._name, "balance busy ('S I') on SI")
        return weighing

    @Driver.check_active
    @step(title="zero balance")
    def zero(self) -> None:
        reply = self.command("Z")
        if reply != "Z A":
            raise InstrumentError(self._name, f"zero not done: {reply!r}")

    @Driver.check_active
    @step(title="tare balance", result=True)
    def tare(self) -> float:
        reply = self.command("T")
        parts = reply.split()
        if len(parts) >= 4 and parts[:2] == ["T", "S"]:
            return float(parts[2])
        raise InstrumentError(self._name, f"tare not done: {reply!r}")
