"""A small SCPI / IEEE 488.2 command interpreter for simulated instruments.

Commands are declared in their canonical mixed-case form; upper-case letters
are the short form. Headers match case-insensitively in either their short or
their long form, as SCPI-99 requires (``MEAS:TEMP?`` = ``measure:temperature?``).
Several commands may share a line, separated by ``;``.

Errors go into the instrument's error queue with the standard codes and are
read with ``SYSTem:ERRor?`` (``0,"No error"`` when empty).

Each client connection is its own :class:`Session` — its error queue and event
status, and whatever a subclass keeps per connection (the controller's login,
:mod:`.access`): the server opens one per connection (:meth:`ScpiDevice.open_session`)
and runs each line in it (``handle(line, session)``), so what one client sends never
shows in another's ``SYST:ERR?``. Calls without a session (in-process use, tests)
share the device's own local session.

>>> dev = ScpiDevice(idn="ACME,T1,123,1.0")
>>> dev.register("MEASure:TEMPerature?", lambda args: "37.000")
>>> dev.handle("meas:temp?")
'37.000'
>>> dev.handle("MEAS:PRES?")
>>> dev.handle("SYST:ERR?")
'-113,"Undefined header"'
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

NO_ERROR = (0, "No error")
SYNTAX_ERROR = (-102, "Syntax error")
MISSING_PARAMETER = (-109, "Missing parameter")
UNDEFINED_HEADER = (-113, "Undefined header")
COMMAND_PROTECTED = (-203, "Command protected")
SETTINGS_CONFLICT = (-221, "Settings conflict")
ILLEGAL_PARAMETER = (-224, "Illegal parameter value")
DEVICE_ERROR = (-300, "Device-specific error")
QUEUE_OVERFLOW = (-350, "Queue overflow")

ERROR_QUEUE_LENGTH = 20

Handler = Callable[[list[str]], "str | None"]


class ScpiError(Exception):
    """Raised by a command handler to push a standard error into the queue.

    ``reason``, when given, travels in the message after ``;`` as the
    controller's contract asks: ``-221,"Settings conflict;door open"``.
    """

    def __init__(self, error: tuple[int, str], detail: str = "", reason: str = ""):
        self.code, self.message = error
        if reason:
            self.message = f"{self.message};{reason}"
        self.detail = detail
        super().__init__(f"{self.code},{self.message}" + (f"; {detail}" if detail else ""))


@dataclass(frozen=True)
class _Node:
    short: str
    long: str

    def matches(self, token: str) -> bool:
        token = token.upper()
        return token == self.short or token == self.long


def _parse_pattern(pattern: str) -> tuple[tuple[_Node, ...], bool]:
    query = pattern.endswith("?")
    body = pattern.rstrip("?").lstrip(":")
    nodes = []
    for part in body.split(":"):
        short = "".join(ch for ch in part if ch.isupper() or ch.isdigit() or ch == "*")
        nodes.append(_Node(short=short, long=part.upper()))
    return tuple(nodes), query


_HEADER_RE = re.compile(r"^\s*(:?\*?[A-Za-z][A-Za-z0-9:*]*\??)\s*(.*?)\s*$")


def parse_float(text: str, name: str = "value") -> float:
    """A numeric parameter, or ``-224 Illegal parameter value``."""
    try:
        value = float(text)
    except ValueError:
        raise ScpiError(ILLEGAL_PARAMETER, f"{name} must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ScpiError(ILLEGAL_PARAMETER, f"{name} must be finite")
    return value


class Session:
    """One client connection's state: its error queue and event status register."""

    def __init__(self) -> None:
        self.errors: deque[tuple[int, str]] = deque()
        self.event_status = 0


class ScpiDevice:
    """Command table + per-connection error queues + the IEEE 488.2 common commands."""

    def __init__(self, idn: str):
        self.idn = idn
        self._commands: list[tuple[tuple[_Node, ...], bool, Handler]] = []
        self.local_session = self.new_session()
        #: the session the line being handled runs in (the local one outside :meth:`handle`)
        self.session = self.local_session
        self.register("*IDN?", lambda args: self.idn)
        self.register("*CLS", self._cls)
        self.register("*RST", lambda args: self.reset())
        self.register("*OPC?", lambda args: "1")
        self.register("*OPC", lambda args: None)
        self.register("*ESR?", self._esr)
        self.register("*TST?", lambda args: "0")
        self.register("*WAI", lambda args: None)
        self.register("SYSTem:ERRor?", lambda args: self._pop_error())
        self.register("SYSTem:ERRor:NEXT?", lambda args: self._pop_error())

    # -- command table --------------------------------------------------
    def register(self, pattern: str, handler: Handler) -> None:
        """Declare a command in canonical form, e.g. ``SOURce:TEMPerature?``."""
        nodes, query = _parse_pattern(pattern)
        self._commands.append((nodes, query, handler))

    def reset(self) -> None:
        """``*RST``: subclasses put the device back in its default state."""

    # -- sessions -------------------------------------------------------
    def new_session(self) -> Session:
        """A fresh session (subclasses return their own kind)."""
        return Session()

    def open_session(self) -> Session:
        """A new client connection's session (the server calls it once per connection)."""
        return self.new_session()

    def close_session(self, session: Session) -> None:
        """The connection of ``session`` has gone (subclasses end what it held)."""

    @property
    def _error_queue(self) -> deque[tuple[int, str]]:
        return self.session.errors

    @property
    def event_status(self) -> int:
        return self.session.event_status

    @event_status.setter
    def event_status(self, value: int) -> None:
        self.session.event_status = value

    # -- execution ------------------------------------------------------
    def handle(self, line: str, session: Session | None = None) -> str | None:
        """Execute one line in ``session`` (default: the local one); return the reply (queries) or None."""
        previous, self.session = self.session, session or self.local_session
        try:
            return self._handle_line(line)
        finally:
            self.session = previous

    def _handle_line(self, line: str) -> str | None:
        replies = []
        for command in line.split(";"):
            if not command.strip():
                continue
            reply = self._execute(command)
            if reply is not None:
                replies.append(reply)
        return ";".join(replies) if replies else None

    def _execute(self, command: str) -> str | None:
        match = _HEADER_RE.match(command)
        if not match:
            self.push_error(SYNTAX_ERROR)
            return None
        header, rest = match.groups()
        query = header.endswith("?")
        tokens = header.rstrip("?").lstrip(":").split(":")
        args = [a.strip() for a in rest.split(",")] if rest else []
        for nodes, is_query, handler in self._commands:
            if is_query != query or len(nodes) != len(tokens):
                continue
            if all(node.matches(tok) for node, tok in zip(nodes, tokens)):
                try:
                    return handler(args)
                except ScpiError as exc:
                    self.push_error((exc.code, exc.message))
                    return None
                except IndexError:
                    self.push_error(MISSING_PARAMETER)
                    return None
        self.push_error(UNDEFINED_HEADER)
        return None

    # -- error queue ----------------------------------------------------
    def push_error(self, error: tuple[int, str]) -> None:
        if len(self._error_queue) >= ERROR_QUEUE_LENGTH - 1:
            if self._error_queue and self._error_queue[-1] != QUEUE_OVERFLOW:
                self._error_queue.append(QUEUE_OVERFLOW)
            return
        self._error_queue.append(error)
        if error[0] <= -100:
            self.event_status |= 0x20  # command error bit of the ESR

    def _pop_error(self) -> str:
        code, message = self._error_queue.popleft() if self._error_queue else NO_ERROR
        return f'{code},"{message}"'

    def _cls(self, args: list[str]) -> None:
        self._error_queue.clear()
        self.event_status = 0

    def _esr(self, args: list[str]) -> str:
        value, self.event_status = self.event_status, 0
        return str(value)
