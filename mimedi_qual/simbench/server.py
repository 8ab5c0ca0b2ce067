"""Serve one simulated instrument on a loopback TCP port, one line per command.

Like a LAN instrument's raw SCPI socket (port 5025 on most vendors): commands
end with LF (CR LF tolerated), replies end with LF. The port is picked by the
OS (bind to port 0), so simulators never collide.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from mimedi_qual.simbench.scpi import DEVICE_ERROR, ScpiDevice

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class LineServer:
    """Host ``device`` on ``LOOPBACK``; ``address`` is ``host:port`` once started."""

    def __init__(self, name: str, device: ScpiDevice, on_line: Callable[[str], None] | None = None):
        self.name = name
        self.device = device
        self.on_line = on_line
        self._server: asyncio.AbstractServer | None = None
        self.port: int | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode("ascii", errors="replace").strip()
                if not line:
                    continue
                if self.on_line:
                    self.on_line(line)
                try:
                    reply = self.device.handle(line)
                except Exception:  # a simulator bug must not kill the bench
                    log.exception("%s: error handling %r", self.name, line)
                    self.device.push_error(DEVICE_ERROR)
                    reply = None
                if reply is not None:
                    writer.write(reply.encode("ascii") + b"\n")
                    await writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            writer.close()
