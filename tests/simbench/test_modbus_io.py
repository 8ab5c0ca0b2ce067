"""The rig's Modbus I/O through pyModbusTCP: door coil → interlock, stopped pumps, alarm relay coil."""

from __future__ import annotations

import pytest
from pyModbusTCP.client import ModbusClient

from bench_clients import Sim, host_port, open_scpi

DOOR_COIL, ALARM_RELAY_COIL = 0, 1
ILLEGAL_DATA_ADDRESS = 2


@pytest.fixture
def io(fresh_bench):
    host, port = host_port(fresh_bench.addresses["modbus"])
    client = ModbusClient(host=host, port=port, auto_open=True, timeout=5)
    yield client
    client.close()


def test_door_open_stops_pumps_sets_interlock_alarm_and_relay(fresh_bench, io, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    ctl = open_scpi(visa, fresh_bench.addresses["controller"])
    ctl.write("ACC:LOG op1,op1-sim")                # process writes need an operator (require_login)
    try:
        assert io.read_coils(DOOR_COIL, 2) == [False, False]
        ctl.write("PUMP:DISP FEED,50,5")
        sim.advance(60)
        assert ctl.query("PUMP:STAT? FEED") == "RUNNING,5.000"

        assert io.write_single_coil(DOOR_COIL, True)
        assert io.read_coils(DOOR_COIL, 1) == [True]          # read back: labgrid's ModbusCoilDriver.set misses a failed write
        sim.advance(2)
        assert ctl.query("INT:ACT?") == "DOOR_OPEN"
        assert "DOOR_OPEN" in ctl.query("ALAR:ACT?").split(",")
        assert "DOOR_OPEN" in ctl.query("ALAR:UNACK?").split(",")
        assert ctl.query("PUMP:STAT? FEED") == "IDLE"          # the running pump stopped
        stopped_at_ml = float(sim.query("SIM:TRUE:VOL?"))
        ctl.write("PUMP:DISP FEED,10,5")
        assert ctl.query("SYST:ERR?") == '-221,"Settings conflict;DOOR_OPEN interlock: pumps are stopped"'
        ctl.write("MOD:COMM HARVEST,START")
        assert ctl.query("SYST:ERR?").startswith('-221,"Settings conflict;START refused: an interlock is active')
        sim.advance(60)
        assert float(sim.query("SIM:TRUE:VOL?")) == pytest.approx(stopped_at_ml, abs=1e-6)
        assert io.read_coils(ALARM_RELAY_COIL, 1) == [True]

        assert io.write_single_coil(DOOR_COIL, False)
        sim.advance(2)
        assert ctl.query("INT:ACT?") == "NONE"
        assert io.read_coils(ALARM_RELAY_COIL, 1) == [True]    # latched until acknowledged
        ctl.write("ALAR:ACKN")
        assert ctl.query("SYST:ERR?") == '0,"No error"'
        assert ctl.query("ALAR:UNACK?") == "NONE"
        assert io.read_coils(ALARM_RELAY_COIL, 1) == [False]
    finally:
        ctl.close()


def test_door_open_fault_from_the_simulation_channel_shows_on_the_coil(fresh_bench, io):
    sim = Sim(fresh_bench.addresses["simctl"])
    sim.write("SIM:FAULT:INJ DOOR_OPEN")
    assert io.read_coils(DOOR_COIL, 1) == [True]
    sim.write("SIM:FAULT:CLE DOOR_OPEN")
    assert io.read_coils(DOOR_COIL, 1) == [False]


def test_alarm_relay_coil_is_read_only(io):
    assert io.write_single_coil(ALARM_RELAY_COIL, True) is False
    assert io.last_except == ILLEGAL_DATA_ADDRESS
    assert io.read_coils(5, 1) is None
    assert io.last_except == ILLEGAL_DATA_ADDRESS
