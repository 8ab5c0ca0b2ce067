"""SCPI over a raw TCP socket through PyVISA's pure-Python ``@py`` backend.

Every query and write is a labgrid ``step``: the harness mirrors those step
events into the Allure report, so the evidence shows what was sent to which
instrument and what came back.

**An instrument that comes back is reconnected.** When the link breaks (the
instrument was unplugged, lost power, its socket was reset: ``Broken pipe``,
``Connection reset``, a refused connection — or, before anything is sent, the
instrument's end of the socket is found closed: a peer that hung up is seen
at once, not as a read timeout after a write the kernel still accepted) the
next query or write reopens the session — at most ``RECONNECT_ATTEMPTS`` times, ``RECONNECT_DELAY_S``
apart — and, once connected, sends the command again. Each attempt is a
labgrid step of its own (``reconnect``, with the attempt number, the error that
caused it and whether it connected) and is told to :data:`RECONNECT_LISTENERS`
(the harness writes each one to the evidence store as an ``instrument_reconnect``
record). A write is only re-sent when it could not be sent at all; a read that
timed out is not retried (an instrument that does not answer is a finding,
not a broken link). When every attempt fails the command fails as before
(:class:`~mimedi_qual.errors.InstrumentError` naming the instrument).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import attr
import pyvisa
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.errors import InstrumentError

from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.lab.protocols import SCPIProtocol

MAX_ERRORS_DRAINED = 32
#: Reconnection after a broken link: how many attempts, and how long apart (wall seconds).
RECONNECT_ATTEMPTS = 3
RECONNECT_DELAY_S = 0.5
#: Called for every reconnection attempt: ``listener(instrument, attempt, error, connected)``.
RECONNECT_LISTENERS: list[Callable[[str, int, str, bool], None]] = []


def peer_closed(session) -> bool:
    """True if the instrument has closed its end of ``session``'s TCP socket (a non-blocking peek: no I/O).

    Only for pyvisa-py ``SOCKET`` sessions; anything else (pyvisa-sim, no socket) is taken as open.
    """
    try:
        sock = session.visalib.sessions[session.session].interface
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False                      # open, nothing to read
    except OSError:
        return True                       # reset
    except Exception:                     # not a pyvisa-py socket session
        return False


def link_broken(exc: BaseException) -> bool:
    """True for an error of the link itself (reset, broken pipe, refused, closed), not a timeout."""
    if isinstance(exc, pyvisa.errors.VisaIOError):
        return exc.error_code != pyvisa.constants.StatusCode.error_timeout
    return isinstance(exc, (OSError, pyvisa.Error)) and not isinstance(exc, TimeoutError)


def open_visa_session(instrument_name: str, res, *, read_termination: str, write_termination: str):
    """A PyVISA session on a TCP instrument resource (``visa_library``, ``visa_address``, ``timeout_s``).

    Line ends are always explicit (pyvisa-py SOCKET resources time out on every
    query without them). A failed connection is an :class:`InstrumentError`
    naming the instrument and its ``host:port``.
    """
    try:
        rm = pyvisa.ResourceManager(res.visa_library)
        return rm.open_resource(res.visa_address, read_termination=read_termination,
                                write_termination=write_termination, timeout=int(res.timeout_s * 1000))
    except (pyvisa.Error, OSError) as exc:
        raise InstrumentError(instrument_name, f"cannot connect to {res.host}:{res.port}: {exc}") from exc


def close_visa_session(session) -> None:
    """Close one session opened by :func:`open_visa_session` (None: nothing to close), quietly.

    Never its ResourceManager: PyVISA shares one ResourceManager per backend in a process, and
    closing it would close every other instrument's session too (e.g. after a controller power cut).
    """
    if session is not None:
        try:
            session.close()
        except (pyvisa.Error, OSError):
            pass


class ReconnectingLink:
    """A driver's PyVISA session that is reopened when its link broke (see the module's docstring).

    The driver keeps its session in ``self._session`` and says how to open one
    (``_open_session()``) and under which name to report (``_link_name()``); each
    command then goes through ``_with_link(action, command, failure)``.
    """

    _session = None

    def _link_name(self) -> str:
        raise NotImplementedError

    def _open_session(self):
        raise NotImplementedError

    @step(title="reconnect", args=["attempt", "cause"], result=True)
    def _reconnect_once(self, attempt: int, cause: str) -> bool:
        """One attempt to reopen the session; True if connected (recorded as a step and to the listeners)."""
        close_visa_session(self._session)
        self._session = None
        try:
            self._session = self._open_session()
            connected = True
        except InstrumentError:
            connected = False
        for listener in list(RECONNECT_LISTENERS):
            listener(self._link_name(), attempt, cause, connected)
        return connected

    def _reconnect(self, cause: BaseException) -> bool:
        """Reopen a broken session, bounded: True once connected, False after ``RECONNECT_ATTEMPTS``."""
        for attempt in range(1, RECONNECT_ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(RECONNECT_DELAY_S)
            if self._reconnect_once(attempt, f"{type(cause).__name__}: {cause}"):
                return True
        return False

    def _with_link(self, action, command: str, failure: str):
        """Run ``action(session)``; on a broken link reconnect (bounded) and run it once more."""
        try:
            if self._session is None:
                raise ConnectionError("no session (an earlier reconnection failed)")
            if peer_closed(self._session):
                raise ConnectionResetError("the instrument closed the connection")
            return action(self._session)
        except (pyvisa.Error, OSError) as exc:
            if not link_broken(exc) or not self._reconnect(exc):
                raise InstrumentError(self._link_name(), f"{failure} {command!r}: {exc}") from exc
        try:
            return action(self._session)
        except (pyvisa.Error, OSError) as exc:
            raise InstrumentError(self._link_name(), f"{failure} {command!r} after reconnecting: {exc}") from exc


@target_factory.reg_driver
@attr.s(eq=False)
class SCPIDriver(ReconnectingLink, Driver, SCPIProtocol):
    bindings = {"instrument": "SCPITCPInstrument"}

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._session = None

    @property
    def instrument_name(self) -> str:
        return self.name or self.instrument.name or "scpi"

    def on_activate(self):
        res = self.instrument
        self._session = open_visa_session(self.instrument_name, res, read_termination=res.read_termination,
                                          write_termination=res.write_termination)

    def on_deactivate(self):
        close_visa_session(self._session)   # the session only: never the shared ResourceManager
        self._session = None

    def _link_name(self) -> str:
        return self.instrument_name

    def _open_session(self):
        res = self.instrument
        return open_visa_session(self.instrument_name, res, read_termination=res.read_termination,
                                 write_termination=res.write_termination)

    @Driver.check_active
    @step(title="scpi query", args=["command"], result=True)
    def query(self, command: str) -> str:
        return self._with_link(lambda session: session.query(command).strip(), command, "no reply to")

    @Driver.check_active
    @step(title="scpi query", args=["command", "timeout_s"], result=True)
    def query_slow(self, command: str, timeout_s: float) -> str:
        """A query the instrument takes long to answer: the read waits up to ``timeout_s`` (this one only)."""
        previous = self._session.timeout
        self._session.timeout = int(max(timeout_s, self.instrument.timeout_s) * 1000)
        try:
            return self._session.query(command).strip()
        except (pyvisa.Error, OSError) as exc:
            raise InstrumentError(self.instrument_name, f"no reply to {command!r} within {timeout_s:g} s: {exc}") from exc
        finally:
            self._session.timeout = previous

    @Driver.check_active
    @step(title="scpi write", args=["command"])
    def write(self, command: str) -> None:
        self._with_link(lambda session: session.write(command), command, "cannot send")

    @Driver.check_active
    @step(title="scpi write", args=["shown"])
    def write_redacted(self, command: str, shown: str) -> None:
        """Send ``command`` but log (and report) ``shown``: for commands carrying a password."""
        self._with_link(lambda session: session.write(command), shown, "cannot send")

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

    def write_checked(self, command: str, shown: str | None = None) -> None:
        """Write, then read the error queue: a refused command raises :class:`CommandRefused`.

        The first queued error decides the exception: ``-203`` (command
        protected) is an :class:`AccessDenied`; any other code a
        :class:`CommandRefused` carrying the device's reason (the text after
        ``;`` in ``-221,"Settings conflict;module is HELD"``).
        """
        if shown is None:
            self.write(command)
        else:
            self.write_redacted(command, shown)
        errors = self.pop_errors()
        if errors:
            raise refusal(self.instrument_name, shown or command, errors)


def refusal(instrument: str, command: str, errors: list[str]) -> CommandRefused:
    """The exception for a command whose error queue held ``errors`` (first one decides).

    >>> refusal("controller", "SOUR:TEMP 99", ['-224,"Illegal parameter value"']).code
    -224
    """
    code_text, _, message = errors[0].partition(",")
    message = message.strip().strip('"')
    text, _, reason = message.partition(";")
    try:
        code = int(code_text)
    except ValueError:
        code = 0
    if len(errors) > 1:
        reason = "; ".join([reason] + errors[1:]) if reason else "; ".join(errors[1:])
    cls = AccessDenied if code == -203 else CommandRefused
    return cls(instrument, command, code, text, reason)
