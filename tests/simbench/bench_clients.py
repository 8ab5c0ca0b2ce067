"""Standard clients for the simulated-bench tests (the fixtures are in ``conftest.py``).

Every simulator is checked the way the harness (or a person) reaches it:
pyvisa ``@py`` TCPIP SOCKET for SCPI devices, pyModbusTCP for the I/O
module, plain sockets for the console and the MT-SICS balance, HTTP for the
PDU. The bench runs on a thread of the test process (same services, same
sockets, no start-up cost; the bench *process* and its no-orphan guarantees
are tested in ``test_bench_process``): one per test module (``bench``), or a
fresh one per test that changes the world for good (``fresh_bench``).
"""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIM_PROFILE = ROOT / "profiles" / "benches" / "sim.yaml"
TIMEOUT_S = 10.0


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def query(address: str, command: str, terminator: bytes = b"\n", timeout_s: float = TIMEOUT_S) -> str:
    """One line out, one line back, on a fresh plain socket."""
    with socket.create_connection(host_port(address), timeout=timeout_s) as sock:
        sock.sendall(command.encode() + terminator)
        return sock.makefile("rb").readline().decode("ascii").strip()


class Sim:
    """The simulation channel of a running bench (a plain socket, like the clock driver)."""

    def __init__(self, address: str):
        self.address = address

    def query(self, command: str) -> str:
        return query(self.address, command)

    def write(self, command: str) -> None:
        """Send and confirm through the error queue (the channel is SCPI too)."""
        error = query(self.address, f"{command};SYST:ERR?")
        assert error == '0,"No error"', f"{command}: {error}"

    def advance(self, duration_s: float) -> float:
        return float(query(self.address, f"SIM:ADV {duration_s};SIM:TIME?"))

    def true(self, quantity: str) -> float:
        return float(self.query(f"SIM:TRUE:{quantity}?"))


def open_scpi(visa, address: str):
    """A pyvisa SOCKET session with the explicit terminations SOCKET resources need (without them every query times out)."""
    host, port = host_port(address)
    return visa.open_resource(f"TCPIP0::{host}::{port}::SOCKET", read_termination="\n",
                              write_termination="\n", timeout=int(TIMEOUT_S * 1000))


def profile_with(tmp_path: Path, replacements: dict[str, str]) -> Path:
    """sim.yaml with some lines replaced (a variant bench for one test)."""
    text = SIM_PROFILE.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "bench.yaml"
    path.write_text(text)
    return path
