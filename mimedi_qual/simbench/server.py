"""Serve one simulated device on a loopback TCP port, one line per command.

Like a LAN instrument's raw SCPI socket (port 5025 on most vendors): commands
end with LF (CR LF tolerated), replies end with the device's terminator (LF
for SCPI, CR LF for MT-SICS). The port is picked by the OS (bind to port 0),
so simulators never collide; it stays the same across a power cycle.

Two things can take a device off the air, as on a real bench:

* **power** (:meth:`LineServer.set_online`): the listening socket closes and
  every open connection is dropped — a client sees a refused connection or a
  reset, never a polite error;
* **link faults** injected through the simulation channel
  (``INSTRUMENT_TIMEOUT`` the device reads but never answers,
  ``INSTRUMENT_GARBAGE`` it answers line noise, ``INSTRUMENT_DISCONNECT`` it
  drops every connection and hangs up on new ones).

Each connection is its own session on the device (``device.open_session()``, when the
device has sessions — SCPI devices do; the MT-SICS balance does not): a client's error
queue, and on the controller its login, are its own, and end when it hangs up.

>>> server = LineServer("thermometer", device, faults=world.faults)
>>> await server.start(); server.address
'127.0.0.1:40231'
"""

from __future__ import annotations

import asyncio
import logging

from mimedi_qual.simbench.faults import FaultLog
from mimedi_qual.simbench.scpi import DEVICE_ERROR

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
GARBAGE_REPLY = b"~#?@!%&*^"  # line noise, but ASCII: a client sees nonsense, not a decoder crash


class LoopbackServer:
    """A TCP service on ``LOOPBACK``; ``address`` is ``host:port`` once started.

    The base of every simulated service (:class:`LineServer`, the console, the
    PDU): a subclass writes its protocol in ``_serve(reader, writer)`` and keeps
    in ``_writers`` the connections :meth:`stop` must hang up on. ``online`` is
    true while the port listens; a restart listens on the same port.
    """

    def __init__(self, name: str):
        self.name = name
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port: int | None = None
        self.online = False

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, port or self.port or 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.online = True

    async def stop(self) -> None:
        self.online = False
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class LineServer(LoopbackServer):
    """Host ``device`` on ``LOOPBACK``, one line per command."""

    def __init__(self, name: str, device, faults: FaultLog | None = None):
        super().__init__(name)
        self.device = device
        self.faults = faults
        self.terminator: bytes = getattr(device, "terminator", b"\n")
        self._power_lock = asyncio.Lock()   # PDU and world callbacks may switch at once

    async def set_online(self, online: bool) -> None:
        """Power: off closes the port and drops every client; on listens again on the same port."""
        async with self._power_lock:
            if online and not self.online:
                await self.start(self.port or 0)
            elif not online and self.online:
                await self.stop()

    def _fault(self) -> str | None:
        return self.faults.instrument_fault(self.name) if self.faults is not None else None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._fault() == "INSTRUMENT_DISCONNECT":
            writer.close()
            return
        self._writers.add(writer)
        open_session = getattr(self.device, "open_session", None)
        session = open_session() if open_session is not None else None
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode("ascii", errors="replace").strip()
                if not line:
                    continue
                fault = self._fault()
                if fault == "INSTRUMENT_DISCONNECT":
                    break
                try:
                    reply = self.device.handle(line) if session is None else self.device.handle(line, session)
                except Exception:  # a simulator bug must not kill the bench
                    log.exception("%s: error handling %r", self.name, line)
                    self.device.push_error(DEVICE_ERROR)
                    reply = None
                if fault == "INSTRUMENT_TIMEOUT":
                    continue
                if fault == "INSTRUMENT_GARBAGE":
                    writer.write(GARBAGE_REPLY + self.terminator)
                    await writer.drain()
                    continue
                if reply is not None:
                    writer.write(reply.encode("ascii") + self.terminator)
                    await writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            pass
        except asyncio.CancelledError:
            pass  # the bench is shutting down; end quietly (a cancelled handler task is reported noisily)
        finally:
            if session is not None:
                self.device.close_session(session)
            self._writers.discard(writer)
            writer.close()
