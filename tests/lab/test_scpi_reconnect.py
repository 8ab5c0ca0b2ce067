"""An instrument that comes back is reconnected: bounded attempts, each one told, the command sent again.

Issue 17 item 4: after an ``INSTRUMENT_DISCONNECT`` was cleared every later
command failed with ``Broken pipe`` (the driver kept its dead session). Against
the simulated bench in-process (a thread, fast): the thermometer's link is cut,
a reading fails, the link comes back, the next reading succeeds on a new
session — with each reconnection attempt recorded.
"""

from __future__ import annotations

import pytest
from labgrid import Target

import mimedi_qual.lab  # noqa: F401  (registers our labgrid classes)
from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers import scpi
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.drivers.thermometer import ScpiThermometerDriver
from mimedi_qual.lab.resources import SCPITCPInstrument
from mimedi_qual.simbench.process import BenchThread

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SIM_PROFILE = ROOT / "profiles" / "benches" / "sim.yaml"


def _sim(bench, command: str) -> str:
    import socket

    host, _, port = bench.addresses["simctl"].rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"{command};SYST:ERR?\n".encode())
        return sock.makefile("rb").readline().decode().strip()


@pytest.fixture
def thermometer(tmp_path, monkeypatch):
    monkeypatch.setattr(scpi, "RECONNECT_DELAY_S", 0.05, raising=False)
    with BenchThread(SIM_PROFILE, tmp_path / "state") as bench:
        host, _, port = bench.addresses["thermometer"].rpartition(":")
        target = Target("reconnect")
        SCPITCPInstrument(target, "thermometer", host=host, port=int(port), timeout_s=1.0)
        SCPIDriver(target, "thermometer")
        ScpiThermometerDriver(target, "thermometer")
        driver = target.get_driver("TemperatureSensorProtocol", name="thermometer")
        driver.bench = bench
        yield driver
        target.cleanup()


@pytest.fixture
def attempts(monkeypatch):
    seen: list[tuple[str, int, bool]] = []
    monkeypatch.setattr(scpi, "RECONNECT_LISTENERS", [lambda name, n, cause, ok: seen.append((name, n, ok))],
                        raising=False)
    return seen


def test_a_reading_after_the_link_came_back_reconnects_once_and_succeeds(thermometer, attempts):
    assert thermometer.read_temperature_c() > 0
    assert _sim(thermometer.bench, "SIM:FAUL:INJ INSTRUMENT_DISCONNECT,thermometer") == '0,"No error"'
    with pytest.raises(InstrumentError, match="thermometer"):
        thermometer.read_temperature_c()                  # the link is down: this reading is lost
    assert _sim(thermometer.bench, "SIM:FAUL:CLE INSTRUMENT_DISCONNECT") == '0,"No error"'
    attempts.clear()
    assert thermometer.read_temperature_c() > 0           # back: reconnected, no Broken pipe
    assert attempts == [("thermometer", 1, True)]         # one attempt, recorded, connected
    assert thermometer.read_temperature_c() > 0


def test_reconnection_is_bounded_and_every_attempt_is_told(thermometer, attempts):
    assert thermometer.read_temperature_c() > 0
    _sim(thermometer.bench, "SIM:FAUL:INJ INSTRUMENT_DISCONNECT,thermometer")
    with pytest.raises(InstrumentError, match="thermometer"):
        thermometer.read_temperature_c()
    with pytest.raises(InstrumentError, match="thermometer"):
        thermometer.read_temperature_c()
    assert len(attempts) <= 2 * scpi.RECONNECT_ATTEMPTS
    assert all(name == "thermometer" for name, _, _ in attempts)


def test_the_balance_comes_back_too(tmp_path, monkeypatch, attempts):
    """The MT-SICS balance has its own session: reconnected the same way, the attempt recorded."""
    from mimedi_qual.lab.drivers.balance import MTSICSBalanceDriver
    from mimedi_qual.lab.resources import MTSICSTCPInstrument

    monkeypatch.setattr(scpi, "RECONNECT_DELAY_S", 0.05, raising=False)
    with BenchThread(SIM_PROFILE, tmp_path / "state") as bench:
        host, _, port = bench.addresses["balance"].rpartition(":")
        target = Target("reconnect-balance")
        MTSICSTCPInstrument(target, "balance", host=host, port=int(port), timeout_s=1.0)
        MTSICSBalanceDriver(target, "balance")
        balance = target.get_driver("BalanceProtocol", name="balance")
        try:
            assert balance.identify().startswith("METTLER TOLEDO")
            _sim(bench, "SIM:FAUL:INJ INSTRUMENT_DISCONNECT,balance")
            with pytest.raises(InstrumentError, match="balance"):
                balance.identify()
            _sim(bench, "SIM:FAUL:CLE INSTRUMENT_DISCONNECT")
            attempts.clear()
            assert balance.identify().startswith("METTLER TOLEDO")
            assert attempts == [("balance", 1, True)]
        finally:
            target.cleanup()
