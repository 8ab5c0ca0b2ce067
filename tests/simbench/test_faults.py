"""Fault injection through the simulation channel only: recorded, listable, with visible consequences."""

from __future__ import annotations

import socket
import time

import pytest

from bench_clients import Sim, host_port, open_scpi, query


def test_heater_failure_cools_the_culture_and_is_recorded(fresh_bench, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    sim.advance(3 * 3600)
    assert sim.query("SIM:FAULT:LIST?") == "NONE"
    sim.write("SIM:FAULT:INJ HEATER_FAIL")
    assert sim.query("SIM:FAULT:LIST?") == "10800.000,HEATER_FAIL,,,"
    held_c = sim.true("TEMP")
    sim.advance(3600)
    assert sim.true("TEMP") < held_c - 3.0
    ctl = open_scpi(visa, fresh_bench.addresses["controller"])
    try:
        assert float(ctl.query("OUTP:HEAT?")) == pytest.approx(100.0)   # the loop asks for everything
        assert "TEMPERATURE_LOW" in ctl.query("ALAR:ACT?").split(",")
    finally:
        ctl.close()
    sim.write("SIM:FAULT:CLE HEATER_FAIL")
    assert sim.query("SIM:FAULT:LIST?") == "10800.000,HEATER_FAIL,,,14400.000"
    assert sim.query("SIM:FAULT:ACT?") == "NONE"


def test_sensor_failure_and_drift_reach_the_controller(fresh_bench, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    ctl = open_scpi(visa, fresh_bench.addresses["controller"])
    try:
        sim.advance(3 * 3600)
        before = float(ctl.query("MEAS:PH?"))
        sim.write("SIM:FAULT:INJ SENSOR_DRIFT,PH,0.1")
        sim.advance(3600)
        # The loop follows its drifting probe: the probe stays near setpoint, the truth moves away.
        assert abs(float(ctl.query("MEAS:PH?")) - sim.true("PH") - 0.01) == pytest.approx(0.1, abs=0.02)
        assert before == pytest.approx(7.2, abs=0.1)
        sim.write("SIM:FAULT:INJ SENSOR_FAIL,TEMP")
        sim.advance(2)
        assert ctl.query("MEAS:TEMP?") == "nan"
        assert ctl.query("INT:ACT?") == "SENSOR_FAILED"
        assert "TEMPERATURE_SENSOR_FAILED" in ctl.query("ALAR:ACT?")
        assert float(ctl.query("OUTP:HEAT?")) == 0.0                   # the loop's safe output
        records = sim.query("SIM:FAULT:LIST?").split(";")
        assert [r.split(",")[1:4] for r in records] == [["SENSOR_DRIFT", "PH", "0.1"], ["SENSOR_FAIL", "TEMP", ""]]
    finally:
        ctl.close()


def test_bad_injections_are_refused(bench):
    sim = Sim(bench.addresses["simctl"])
    for command in ("SIM:FAULT:INJ MELTDOWN", "SIM:FAULT:INJ SENSOR_FAIL,PRESSURE",
                    "SIM:FAULT:INJ HEATER_FAIL,controller", "SIM:FAULT:INJ INSTRUMENT_TIMEOUT,nobody",
                    "SIM:FAULT:INJ SENSOR_DRIFT,TEMP,fast"):
        assert query(bench.addresses["simctl"], f"{command};SYST:ERR?") == '-224,"Illegal parameter value"'
    assert sim.query("SIM:FAULT:LIST?") == "NONE"


def test_instrument_timeout_garbage_and_disconnect(fresh_bench):
    sim = Sim(fresh_bench.addresses["simctl"])
    address = fresh_bench.addresses["thermometer"]

    sim.write("SIM:FAULT:INJ INSTRUMENT_TIMEOUT,thermometer")
    with pytest.raises(TimeoutError):
        query(address, "*IDN?", timeout_s=0.5)

    sim.write("SIM:FAULT:CLE;SIM:FAULT:INJ INSTRUMENT_GARBAGE,thermometer")
    reply = query(address, "FETC? 1")
    with pytest.raises(ValueError):
        float(reply)

    sim.write("SIM:FAULT:CLE;SIM:FAULT:INJ INSTRUMENT_DISCONNECT,thermometer")
    with socket.create_connection(host_port(address), timeout=2) as sock:
        sock.sendall(b"*IDN?\n")
        try:
            assert sock.recv(100) == b""          # hung up
        except ConnectionResetError:
            pass

    sim.write("SIM:FAULT:CLE")
    assert query(address, "*IDN?").startswith("FLUKE,1529,")
    assert [r.split(",")[1] for r in sim.query("SIM:FAULT:LIST?").split(";")] == [
        "INSTRUMENT_TIMEOUT", "INSTRUMENT_GARBAGE", "INSTRUMENT_DISCONNECT"]


def test_realtime_mode_follows_the_wall_clock(fresh_bench):
    sim = Sim(fresh_bench.addresses["simctl"])
    assert sim.query("SIM:MODE?") == "VIRTUAL"
    sim.write("SIM:MODE REAL")
    t0 = float(sim.query("SIM:TIME?"))
    time.sleep(1.6)
    elapsed_s = float(sim.query("SIM:TIME?")) - t0
    assert 1.0 <= elapsed_s <= 3.0                 # whole control periods of 1 s
    sim.write("SIM:MODE VIRT")
    t1 = float(sim.query("SIM:TIME?"))
    time.sleep(0.2)
    assert float(sim.query("SIM:TIME?")) == t1
    assert query(sim.address, "SIM:MODE SOMETIMES;SYST:ERR?") == '-224,"Illegal parameter value"'
