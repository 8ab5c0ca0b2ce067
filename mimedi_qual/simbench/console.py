"""The controller's service console on raw TCP (labgrid ``NetworkSerialPort``, ``protocol: raw``).

Like a serial console behind a terminal server: the TCP port stays open
while the controller is off, but nothing answers; when it powers up it
prints its boot banner and ``login: ``. After ``login: `` / ``password: ``
the prompt is ``mimedi> ``:

==========  ===================================================================
``version`` ``MiMedi BR1 firmware <firmware> modules SELECTION=<v> ...``
``status``  ``power=on state=<READY|RUNNING|RECOVERING> alarms=<n active>``
``logout``  back to ``login: ``
==========  ===================================================================

Credentials: the bench profile's ``console`` section (``user``/``password``)
when present, else ``simulation.services``.

>>> sock = socket.create_connection(("127.0.0.1", 40200)); sock.recv(100)
b'\\r\\nMiMedi BR1 service console\\r\\nlogin: '
"""

from __future__ import annotations

import asyncio

from mimedi_qual.control.codes import Module
from mimedi_qual.simbench.server import LoopbackServer
from mimedi_qual.simbench.world import SimulatedWorld

PROMPT = "mimedi> "
BANNER = "\r\nMiMedi BR1 service console\r\n"


class ConsoleServer(LoopbackServer):
    def __init__(self, name: str, world: SimulatedWorld):
        super().__init__(name)
        self.world = world
        bench = world.bench
        services = world.sim.services
        if bench.console is not None and bench.console.password is not None:
            self.user, self.password = bench.console.user, bench.console.password
        else:
            self.user, self.password = services.console_user, services.console_password
        self.firmware = bench.instruments[bench.instrument_of_kind("bioreactor")[0]].identity.firmware

    async def power_changed(self, powered: bool) -> None:
        """Boot banner on every open session when the controller powers up."""
        if powered:
            for writer in list(self._writers):
                writer.write((BANNER + "login: ").encode())

    def version(self) -> str:
        modules = " ".join(f"{m.name}={self.world.sim.controller.module_firmware.get(m.name, '1.0.0')}"
                           for m in Module)
        return f"MiMedi BR1 firmware {self.firmware} modules {modules}"

    def status(self) -> str:
        alarms = bin(self.world.controller.alarm_active_mask).count("1")
        return f"power=on state={self.world.operation_status()} alarms={alarms}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        state, user = "login", ""
        try:
            if self.world.controller_powered:
                writer.write((BANNER + "login: ").encode())
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                if not self.world.controller_powered:
                    continue  # a dead controller says nothing
                text = raw.decode("ascii", errors="replace").strip()
                if state == "login":
                    if text:
                        user, state = text, "password"
                        writer.write(b"password: ")
                    else:
                        writer.write(b"login: ")
                elif state == "password":
                    if user == self.user and text == self.password:
                        state = "shell"
                        writer.write(PROMPT.encode())
                    else:
                        state = "login"
                        writer.write(b"Login incorrect\r\nlogin: ")
                else:
                    if text == "version":
                        writer.write((self.version() + "\r\n" + PROMPT).encode())
                    elif text == "status":
                        writer.write((self.status() + "\r\n" + PROMPT).encode())
                    elif text in ("logout", "exit"):
                        state = "login"
                        writer.write(b"login: ")
                    elif text == "":
                        writer.write(PROMPT.encode())
                    else:
                        writer.write(f"unknown command: {text}\r\n{PROMPT}".encode())
                await writer.drain()
        except (ConnectionResetError, BrokenPipeError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
