"""A plain-socket client for the simulation-only channel.

Deliberately not a labgrid step: advancing the virtual clock thousands of
times per scenario is bookkeeping, not instrument I/O worth showing in the
evidence.
"""

from __future__ import annotations

import socket

from mimedi_qual.errors import InstrumentError

TIMEOUT_S = 120.0  # a 14-day advance is one request


class SimulationChannel:
    def __init__(self, host: str, port: int):
        try:
            self._sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
        except OSError as exc:
            raise InstrumentError("simulation", f"cannot connect to {host}:{port}: {exc}") from exc
        self._file = self._sock.makefile("rwb")

    def query(self, command: str) -> str:
        try:
            self._file.write(command.encode("ascii") + b"\n")
            self._file.flush()
            reply = self._file.readline()
        except OSError as exc:
            raise InstrumentError("simulation", f"{command!r}: {exc}") from exc
        if not reply:
            raise InstrumentError("simulation", f"connection closed during {command!r}")
        return reply.decode("ascii").strip()

    def write(self, command: str) -> None:
        self._file.write(command.encode("ascii") + b"\n")
        self._file.flush()
        # Confirm it was accepted: the channel has an error queue like any SCPI device.
        error = self.query("SYST:ERR?")
        if not error.startswith("0,"):
            raise InstrumentError("simulation", f"{command!r} refused: {error}")

    def close(self) -> None:
        try:
            self._file.close()
            self._sock.close()
        except OSError:
            pass
