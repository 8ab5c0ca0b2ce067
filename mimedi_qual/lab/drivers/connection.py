"""Another connection to a SCPI instrument, beside the bench's own driver: a second user at the controller.

The controller keeps a login per connection (``instruments/COMMANDS.md``):
what the bench's driver is logged in as says nothing about another socket. An
OQ scenario showing two users at once opens a second connection with its own
login, acts through it and closes it::

    with bench.open_connection("controller") as second:
        second.login("op1", password)            # the password is never logged
        second.write_checked("SOUR:TEMP 36.8")   # CommandRefused / AccessDenied as for the driver
        second.access_level()                    # 'OPERATOR', whatever the driver's login

Each exchange is a labgrid step like the driver's (the report shows what was
sent on which connection), with the password masked.
"""

from __future__ import annotations

import pyvisa
from labgrid.step import step

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.scpi import MAX_ERRORS_DRAINED, close_visa_session, open_visa_session, refusal


class ScpiConnection:
    """A PyVISA session of its own on an ``SCPITCPInstrument`` resource; a context manager that closes it."""

    def __init__(self, name: str, resource):
        self.name = name
        self._session = open_visa_session(name, resource, read_termination=resource.read_termination,
                                          write_termination=resource.write_termination)

    def __repr__(self) -> str:
        return f"<second connection to {self.name}>"

    def __enter__(self) -> ScpiConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        close_visa_session(self._session)
        self._session = None

    @step(title="scpi query (second connection)", args=["command"], result=True)
    def query(self, command: str) -> str:
        try:
            return self._session.query(command).strip()
        except (pyvisa.Error, OSError, AttributeError) as exc:
            raise InstrumentError(self.name, f"no reply to {command!r} on the second connection: {exc}") from exc

    @step(title="scpi write (second connection)", args=["shown"])
    def _write(self, command: str, shown: str) -> None:
        try:
            self._session.write(command)
        except (pyvisa.Error, OSError, AttributeError) as exc:
            raise InstrumentError(self.name, f"cannot send {shown!r} on the second connection: {exc}") from exc

    def write_checked(self, command: str, shown: str | None = None) -> None:
        """Write, then drain this connection's error queue: a refusal raises as the driver's would."""
        self._write(command, shown or command)
        errors = []
        for _ in range(MAX_ERRORS_DRAINED):
            reply = self.query("SYST:ERR?")
            if reply.split(",", 1)[0].strip() in ("0", "+0"):
                break
            errors.append(reply)
        if errors:
            raise refusal(self.name, shown or command, errors)

    def login(self, user: str, password: str) -> None:
        self.write_checked(f"ACC:LOG {user},{password}", shown=f"ACC:LOG {user},********")

    def logout(self) -> None:
        self.write_checked("ACC:LOGO")

    def access_level(self) -> str:
        return self.query("ACC:LEV?").upper()
