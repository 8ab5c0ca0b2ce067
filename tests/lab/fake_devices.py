"""Tiny in-test device servers: a line-oriented TCP socket answering from a Python function.

Drivers are tested against these (and pyvisa-sim) before the simulated bench
has the device: the test states exactly what the device says, including the
awkward answers (refusals, overload, garbage).

>>> def thermometer(line):
...     return {"*IDN?": "FLUKE,1529,X,1.0"}.get(line)
>>> server = LineDevice(thermometer)          # serves on 127.0.0.1:<server.port>
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable


class LineDevice:
    """Answer each received line with ``handler(line)`` (None: no reply); remembers what it got."""

    def __init__(self, handler: Callable[[str], str | None], newline: bytes = b"\n"):
        self.handler = handler
        self.newline = newline
        self.received: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for raw in stream:
                line = raw.decode().strip()
                if not line:
                    continue
                self.received.append(line)
                reply = self.handler(line)
                if reply is not None:
                    stream.write(reply.encode() + self.newline)
                    stream.flush()

    def close(self) -> None:
        self._sock.close()


class ScpiDevice:
    """A SCPI device: fixed query answers, an error queue, and optional write handling.

    ``answers`` maps a query to its reply (a string or a function of the
    query). ``on_write(command) -> error | None`` decides what a write does:
    return ``'-221,"Settings conflict;reason"'`` to refuse it.
    """

    def __init__(self, answers: dict[str, str | Callable[[str], str]],
                 on_write: Callable[[str], str | None] | None = None):
        self.answers = answers
        self.on_write = on_write
        self.errors: list[str] = []
        self.writes: list[str] = []

    def __call__(self, line: str) -> str | None:
        if line == "SYST:ERR?":
            return self.errors.pop(0) if self.errors else '0,"No error"'
        if line.endswith("?") or "? " in line:
            answer = self.answers.get(line)
            if answer is None:
                self.errors.append('-113,"Undefined header"')
                return "0"
            return answer(line) if callable(answer) else answer
        self.writes.append(line)
        error = self.on_write(line) if self.on_write else None
        if error:
            self.errors.append(error)
        return None


