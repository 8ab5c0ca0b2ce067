"""The simulated PDU, served for labgrid's ``NetworkPowerPort`` ``rest`` backend.

``GET /outlet/<n>`` → ``1`` or ``0``; ``PUT /outlet/<n>`` with body exactly
``1`` (on) or ``0`` (off). The outlet that feeds the controller
(``simulation.services.controller_outlet``) really powers it: off → the
controller's port closes and it stops controlling while the twin keeps
evolving (the culture cools); on → it boots and recovers (:mod:`.world`).

A minimal HTTP/1.1 server on asyncio streams (one request per connection,
``Connection: close``) — what the ``rest`` backend needs, nothing more.

>>> requests.put("http://127.0.0.1:40100/outlet/1", data="0")   # power cut
>>> requests.get("http://127.0.0.1:40100/outlet/1").text
'0'
"""

from __future__ import annotations

import asyncio
import re

from mimedi_qual.simbench.server import LOOPBACK, LoopbackServer
from mimedi_qual.simbench.world import SimulatedWorld

_PATH_RE = re.compile(r"^/outlet/(\d+)/?$")
MAX_BODY_BYTES = 1024


class PduServer(LoopbackServer):
    def __init__(self, name: str, world: SimulatedWorld, on_change):
        super().__init__(name)
        self.world = world
        self.on_change = on_change      # coroutine function: called after a switch

    @property
    def address(self) -> str:
        """The ``rest`` backend's URL template."""
        return f"http://{LOOPBACK}:{self.port}/outlet/{{index}}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode("latin-1").split()
            headers = {}
            while True:
                line = (await reader.readline()).decode("latin-1").strip()
                if not line:
                    break
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = min(int(headers.get("content-length", "0") or 0), MAX_BODY_BYTES)
            body = (await reader.readexactly(length)).decode("latin-1") if length else ""
            status, text = await self._respond(request, body)
            payload = text.encode()
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(payload)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError, ValueError,
                asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _respond(self, request: list[str], body: str) -> tuple[str, str]:
        if len(request) < 2:
            return "400 Bad Request", "bad request\n"
        method, path = request[0].upper(), request[1]
        match = _PATH_RE.match(path)
        if not match or int(match.group(1)) not in self.world.outlets:
            return "404 Not Found", f"no outlet at {path}\n"
        index = int(match.group(1))
        if method == "GET":
            return "200 OK", "1" if self.world.outlets[index] else "0"
        if method in ("PUT", "POST"):
            value = body.strip()
            if value not in ("0", "1"):
                return "400 Bad Request", "body must be exactly 1 (on) or 0 (off)\n"
            self.world.set_outlet(index, value == "1")
            await self.on_change()
            return "200 OK", value
        return "405 Method Not Allowed", "GET or PUT\n"
