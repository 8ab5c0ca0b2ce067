"""The service console on raw TCP (plain socket): login, version, status, logout; silent when unpowered."""

from __future__ import annotations

import socket
import time

import requests

from bench_clients import host_port


class Console:
    def __init__(self, address: str):
        self.sock = socket.create_connection(host_port(address), timeout=5)
        self.buffer = b""

    def expect(self, text: str, timeout_s: float = 5.0) -> str:
        deadline = time.monotonic() + timeout_s
        while text.encode() not in self.buffer:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                raise AssertionError(f"no {text!r} in {self.buffer!r}") from None
            if not chunk:
                raise AssertionError(f"closed before {text!r}")
            self.buffer += chunk
        seen, _, self.buffer = self.buffer.partition(text.encode())
        return seen.decode()

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\n")

    def close(self):
        self.sock.close()


def test_login_version_status_logout(bench):
    console = Console(bench.addresses["console"])
    try:
        console.expect("login: ")
        console.send("service")
        console.expect("password: ")
        console.send("wrong")
        assert "Login incorrect" in console.expect("login: ")
        console.send("service")
        console.expect("password: ")
        console.send("mimedi-sim")
        console.expect("mimedi> ")
        console.send("version")
        assert console.expect("mimedi> ").strip() == (
            "MiMedi BR1 firmware 0.1.0 modules SELECTION=1.4.2 TRANSDUCTION=1.3.0 EXPANSION=2.1.0 HARVEST=1.2.1")
        console.send("status")
        assert console.expect("mimedi> ").strip() == "power=on state=RUNNING alarms=0"
        console.send("logout")
        console.expect("login: ")
    finally:
        console.close()


def test_console_is_silent_without_power_and_boots_with_it(fresh_bench):
    outlet = fresh_bench.addresses["pdu"].format(index=1)
    console = Console(fresh_bench.addresses["console"])
    try:
        console.expect("login: ")
        requests.put(outlet, data="0", timeout=5)
        console.send("service")
        console.sock.settimeout(0.3)
        try:
            assert console.sock.recv(100) == b""
        except TimeoutError:
            pass                                  # nothing: the controller is dead
        requests.put(outlet, data="1", timeout=5)
        assert "MiMedi BR1 service console" in console.expect("login: ")
        console.send("service")
        console.expect("password: ")
        console.send("mimedi-sim")
        console.expect("mimedi> ")
        console.send("status")
        assert console.expect("mimedi> ").strip().startswith("power=on state=RECOVERING")
    finally:
        console.close()
