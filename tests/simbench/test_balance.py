"""The MT-SICS balance on a plain socket (CR LF), weighing what a pump delivers: ``S D`` then ``S S``."""

from __future__ import annotations

import re
import socket

import pytest

from bench_clients import Sim, host_port, open_scpi

WEIGHT_RE = re.compile(r"^S (?P<status>[SD]) +(?P<value>-?\d+\.\d+) g$")


class Balance:
    def __init__(self, address: str):
        self.sock = socket.create_connection(host_port(address), timeout=10)
        self.reader = self.sock.makefile("rb")

    def query(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\r\n")
        line = self.reader.readline()
        assert line.endswith(b"\r\n")
        return line.decode("ascii").rstrip("\r\n")

    def weight(self, command: str = "S") -> tuple[str, float]:
        match = WEIGHT_RE.match(self.query(command))
        assert match, command
        return match["status"], float(match["value"])

    def close(self):
        self.sock.close()


@pytest.fixture
def balance(fresh_bench):
    b = Balance(fresh_bench.addresses["balance"])
    yield b
    b.close()


def test_identity_and_errors(balance):
    assert balance.query("I4") == 'I4 A "SIM-B-0001"'
    assert balance.query("I2") == 'I2 A "XSR2002S 2200 g"'
    assert balance.query("XYZ") == "ES"
    assert balance.query("Z") == "Z A"
    assert balance.query("T") == "EL"            # nothing on the pan after zeroing: tare is not possible


def test_gravimetric_dispense_is_dynamic_then_stable(fresh_bench, balance, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    status, empty_g = balance.weight()
    assert status == "S" and empty_g == pytest.approx(120.0, abs=0.01)   # the receiving vessel
    assert balance.query("T").startswith("T S")
    ctl = open_scpi(visa, fresh_bench.addresses["controller"])
    ctl.write("ACC:LOG op1,op1-sim")                # process writes need an operator (require_login)
    try:
        ctl.write("PUMP:DISP HARV,10,5")
        assert ctl.query("SYST:ERR?") == '0,"No error"'
        sim.advance(60)
        assert ctl.query("PUMP:STAT? HARVEST") == "RUNNING,5.000"
        status, _ = balance.weight("SI")
        assert status == "D"
        sim.advance(61)                            # pump done at 120 s, 1 s of settling
        assert ctl.query("PUMP:STAT? HARV") == "IDLE"
        assert balance.weight()[0] == "D"
        sim.advance(10)
        status, net_g = balance.weight()
        assert status == "S"
        assert net_g == pytest.approx(10.0 * 0.998, abs=0.01)   # 10 mL of medium-density liquid
    finally:
        ctl.close()


def test_occluded_pump_delivers_nothing_and_is_stopped_by_the_occlusion_interlock(fresh_bench, balance, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    sim.write("SIM:FAULT:INJ PUMP_OCCLUSION,HARVEST")
    ctl = open_scpi(visa, fresh_bench.addresses["controller"])
    ctl.write("ACC:LOG op1,op1-sim")                # process writes need an operator (require_login)
    try:
        ctl.write("PUMP:DISP HARV,10,5")
        sim.advance(300)
        # 5 mL/min into a clamped line: +17 kPa/s, past the 150 kPa trip within 10 s
        assert ctl.query("PUMP:STAT? HARV") == "IDLE"
        assert "PUMP_OCCLUSION" in ctl.query("ALAR:ACT?").split(",")
        assert balance.weight()[1] == pytest.approx(120.0, abs=0.01)
    finally:
        ctl.close()
