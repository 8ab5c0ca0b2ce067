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


def _last_entries(address: str, n: int) -> list[list[str]]:
    from bench_clients import query

    count = int(query(address, "AUD:COUN?"))
    return [query(address, f"AUD:ENTR? {k}").split(",") for k in range(count - n + 1, count + 1)]


def _log_in(console: Console, user: str, password: str) -> str:
    console.send(user)
    console.expect("password: ")
    console.send(password)
    return console.expect("login: " if password != "mimedi-sim" else "mimedi> ")


def test_console_logins_are_audited_success_and_failure(fresh_bench):
    """Old firmware: neither a failed nor a good service-console login left an audit entry."""
    controller = fresh_bench.addresses["controller"]
    console = Console(fresh_bench.addresses["console"])
    try:
        console.expect("login: ")
        assert "Login incorrect" in _log_in(console, "service", "not-it-7q")
        _log_in(console, "service", "mimedi-sim")
        console.send("logout")
        console.expect("login: ")
        time.sleep(0.2)
        assert [e[2:4] for e in _last_entries(controller, 3)] == [
            ["service", "CONSOLE_LOGIN_FAILED"], ["service", "CONSOLE_LOGIN"], ["service", "CONSOLE_LOGOUT"]]
        assert not any("not-it-7q" in field for e in _last_entries(controller, 3) for field in e)   # never the password
    finally:
        console.close()


def test_the_console_locks_after_the_profiles_failed_logins(fresh_bench):
    from bench_clients import SIM_PROFILE
    from mimedi_qual.profiles import load_bench

    failed_logins = load_bench(SIM_PROFILE).simulation.controller.lockout.failed_logins
    controller = fresh_bench.addresses["controller"]
    console = Console(fresh_bench.addresses["console"])
    try:
        console.expect("login: ")
        for _ in range(failed_logins):
            assert "Login incorrect" in _log_in(console, "service", "wrong")
        console.send("service")
        console.expect("password: ")
        console.send("mimedi-sim")
        assert "Account locked" in console.expect("login: ")
        actions = [e[3] for e in _last_entries(controller, 3)]
        assert actions == ["CONSOLE_LOGIN_FAILED", "CONSOLE_LOCKED", "CONSOLE_LOGIN_REFUSED_LOCKED"]
    finally:
        console.close()
