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

Every login is in the controller's audit trail, like one over SCPI: ``CONSOLE_LOGIN``
(new: ``SERVICE``), ``CONSOLE_LOGIN_FAILED`` (the user name typed, never the
password), ``CONSOLE_LOGOUT`` (``logout``/``exit`` or the connection closed). The
console's account has the same lockout as the controller's accounts
(``simulation.controller.lockout``, :mod:`.lockout`, state in
``console-lockout.json``): after that many wrong passwords in a row it answers
``Account locked`` and records ``CONSOLE_LOGIN_REFUSED_LOCKED`` until the lock
releases by itself (``release_after_s``; the console has no ADMIN to unlock it —
a locked console with ``release_after_s: null`` stays locked).

>>> sock = socket.create_connection(("127.0.0.1", 40200)); sock.recv(100)
b'\\r\\nMiMedi BR1 service console\\r\\nlogin: '
"""

from __future__ import annotations

import asyncio

from mimedi_qual.control.codes import Module
from mimedi_qual.simbench.lockout import LoginLockout
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
        lockout = world.sim.controller.lockout
        self.lockout = LoginLockout(world.state_dir / "console-lockout.json",
                                    lockout.failed_logins, lockout.release_after_s)

    def _audit(self, user: str, action: str, old: str, new: str, reason: str = "") -> None:
        if self.world.controller_powered:       # a dead controller records nothing (and hears nothing)
            self.world.audit.append(self.world.time_s, user, action, old, new, reason)

    def _password(self, user: str, password: str) -> tuple[bool, str]:
        """Check a console login (audited, counted for the lockout): (accepted, what to print)."""
        lock = self.lockout
        if lock.release_if_due(user, self.world.utc_now()):
            self._audit("SYSTEM", "CONSOLE_UNLOCKED", f"{user}:LOCKED", f"{user}:UNLOCKED",
                        f"lockout released after {lock.release_after_s:g} s")
        if lock.is_locked(user):
            self._audit(user, "CONSOLE_LOGIN_REFUSED_LOCKED", "", "",
                        f"console account locked after {lock.failed_logins} failed logins")
            return False, "Account locked\r\nlogin: "
        if user == self.user and password == self.password:
            lock.success(user)
            self._audit(user, "CONSOLE_LOGIN", "", "SERVICE", "service console")
            return True, PROMPT
        if user == self.user:
            failed = lock.failure(user, self.world.utc_now())
            self._audit(user, "CONSOLE_LOGIN_FAILED", "", "",
                        f"wrong user or password; {failed} of {lock.failed_logins} before lockout")
            if lock.is_locked(user):
                self._audit("SYSTEM", "CONSOLE_LOCKED", f"{user}:UNLOCKED", f"{user}:LOCKED",
                            f"{failed} failed console logins in a row; {lock.release_text()}")
        else:
            self._audit(user, "CONSOLE_LOGIN_FAILED", "", "", "wrong user or password; no such account")
        return False, "Login incorrect\r\nlogin: "

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
                    accepted, reply = self._password(user, text)
                    state = "shell" if accepted else "login"
                    writer.write(reply.encode())
                else:
                    if text == "version":
                        writer.write((self.version() + "\r\n" + PROMPT).encode())
                    elif text == "status":
                        writer.write((self.status() + "\r\n" + PROMPT).encode())
                    elif text in ("logout", "exit"):
                        state = "login"
                        self._audit(user, "CONSOLE_LOGOUT", "SERVICE", "NONE", text)
                        writer.write(b"login: ")
                    elif text == "":
                        writer.write(PROMPT.encode())
                    else:
                        writer.write(f"unknown command: {text}\r\n{PROMPT}".encode())
                await writer.drain()
        except (ConnectionResetError, BrokenPipeError, asyncio.CancelledError):
            pass
        finally:
            if state == "shell":
                self._audit(user, "CONSOLE_LOGOUT", "SERVICE", "NONE", "connection closed")
            self._writers.discard(writer)
            writer.close()
