"""The simulated controller through pyvisa: its whole SCPI set, errors, access levels, audit trail."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bench_clients import SIM_PROFILE, Sim, open_scpi
from mimedi_qual.simbench.process import BenchThread


@pytest.fixture(scope="module")
def ctl(bench, visa):
    session = open_scpi(visa, bench.addresses["controller"])
    session.write("ACC:LOG op1,op1-sim")     # process writes need an operator (require_login)
    yield session
    session.close()


@pytest.fixture(scope="module")
def login_bench(tmp_path_factory):
    """A bench of its own, nobody logged in (the default bench requires a login)."""
    with BenchThread(SIM_PROFILE, tmp_path_factory.mktemp("login") / "state") as sim:
        yield sim


def test_identity_modules_firmware_and_checksum(ctl):
    assert ctl.query("*IDN?") == "MIMEDI,BR1-CTRL,SIM-0001,0.1.0"
    assert ctl.query("SYST:MOD:CAT?") == "SELECTION,TRANSDUCTION,EXPANSION,HARVEST"
    assert ctl.query("SYSTem:MODule:FIRMware? expansion") == "2.1.0"
    assert re.fullmatch(r"[0-9a-f]{64}", ctl.query("SYST:CONF:CHECK?"))
    assert ctl.query("*OPC?") == "1"


def test_long_short_and_lower_case_forms_agree(ctl):
    forms = ["SOUR:TEMP?", "SOURce:TEMPerature?", "source:temperature?", ":sour:temp?"]
    assert {ctl.query(f) for f in forms} == {"37.000"}


def test_every_query_of_the_contract_answers(ctl):
    for command in ("MEAS:TEMP?", "MEAS:PH?", "MEAS:DO?", "MEAS:ROCK?", "MEAS:WEIG?", "OUTP:HEAT?",
                    "OUTP:CO2?", "OUTP:O2?", "OUTP:BASE?", "OUTP:PERF?", "SOUR:PH?", "SOUR:DO?",
                    "SOUR:ROCK?", "SOUR:CO2?", "SYST:TIME?"):
        float(ctl.query(command))
    assert ctl.query("MOD:STAT? EXPANSION") in ("STARTING", "EXECUTE")
    assert ctl.query("MOD:STAT? HARVEST") == "IDLE"
    assert ctl.query("STAT:OPER?") == "RUNNING"
    assert ctl.query("PUMP:STAT? FEED") == "IDLE"
    assert ctl.query("SYST:ERR?") == '0,"No error"'


def test_probe_reads_the_twin_with_its_offset(bench, ctl):
    sim = Sim(bench.addresses["simctl"])
    sim.advance(600)
    true_c = sim.true("TEMP")
    assert float(ctl.query("MEAS:TEMP?")) == pytest.approx(true_c + 0.05, abs=0.06)
    assert float(ctl.query("MEAS:WEIG?")) == pytest.approx(sim.true("MASS"), abs=3.0)


def test_undefined_header_and_illegal_parameter(ctl):
    ctl.write("MEAS:PRESsure?")
    assert ctl.query("SYST:ERR?") == '-113,"Undefined header"'
    ctl.write("SOUR:TEMP 99")
    ctl.write("SOUR:TEMP warm")
    ctl.write("MOD:COMM FERMENTER,START")
    ctl.write("PUMP:DISP FEED,10")
    assert [ctl.query("SYST:ERR?") for _ in range(5)] == [
        '-224,"Illegal parameter value"', '-224,"Illegal parameter value"',
        '-224,"Illegal parameter value"', '-109,"Missing parameter"', '0,"No error"']


def test_refused_module_command_carries_its_reason(ctl):
    ctl.write("MOD:COMM HARVEST,UNHOLD")
    assert ctl.query("SYST:ERR?") == '-221,"Settings conflict;UNHOLD not allowed for HARVEST in state IDLE"'


def test_module_state_machine_through_scpi(bench, ctl):
    sim = Sim(bench.addresses["simctl"])
    ctl.write("MOD:COMM SELECTION,START")
    assert ctl.query("SYST:ERR?") == '0,"No error"'
    assert ctl.query("MOD:STAT? SELECTION") == "STARTING"
    sim.advance(2)
    assert ctl.query("MOD:STAT? SELECTION") == "EXECUTE"
    ctl.write("MOD:COMM SELECTION,COMPLETE")
    sim.advance(2)
    assert ctl.query("MOD:STAT? SELECTION") == "COMPLETED"


def test_writes_are_protected_until_an_operator_logs_in(login_bench, visa):
    ctl = open_scpi(visa, login_bench.addresses["controller"])
    try:
        assert ctl.query("ACC:LEV?") == "NONE"
        ctl.write("SOUR:TEMP 36.5")
        ctl.write("ALAR:ACKN")
        assert [ctl.query("SYST:ERR?") for _ in range(2)] == ['-203,"Command protected;needs OPERATOR or higher"'] * 2
        assert ctl.query("SOUR:TEMP?") == "37.000"
        ctl.write("ACC:LOG op1,wrong")
        assert ctl.query("SYST:ERR?").startswith("-224,")
        count = int(ctl.query("AUD:COUN?"))
        ctl.write("ACC:LOG op1,op1-sim")
        assert ctl.query("ACC:LEV?") == "OPERATOR"
        ctl.write("SOUR:TEMP 36.5")
        assert ctl.query("SYST:ERR?") == '0,"No error"'
        assert ctl.query("SOUR:TEMP?") == "36.500"
        assert int(ctl.query("AUD:COUN?")) == count + 2          # login, setpoint
        n, when, user, action, old, new, reason = ctl.query(f"AUD:ENTR? {count + 2}").split(",")
        assert (int(n), user, action, old, new) == (count + 2, "op1", "SETPOINT_TEMPERATURE_C", "37", "36.5")
        assert datetime.fromisoformat(when.replace("Z", "+00:00")).tzinfo is not None   # dated, in UTC
        ctl.write("ACC:LOGO")
        assert ctl.query("ACC:LEV?") == "NONE"
        ctl.write("AUD:ENTR? 9999")
        assert ctl.query("SYST:ERR?").startswith("-224,")
    finally:
        ctl.close()


def test_control_core_timing_report_has_its_fields(ctl):
    """DIAG:TIM? answers five fields at the profile's real-time period; the figures are judged by OQ, not here."""
    assert float(ctl.query("DIAG:TIM:PER?")) == pytest.approx(0.1)
    fields = ctl.query("DIAGnostic:TIMing? 3").split(",")
    assert len(fields) == 5
    assert all(float(f) >= 0 for f in fields[:4]) and int(fields[4]) >= 0
    assert ctl.query("SYST:ERR?") == '0,"No error"'
    ctl.write("DIAG:TIM? 0")
    assert ctl.query("SYST:ERR?").startswith("-224")


def test_an_occluded_line_shows_its_pressure_is_interlocked_and_refuses_new_pump_runs(tmp_path):
    from bench_clients import SIM_PROFILE
    from mimedi_qual.profiles import load_bench
    from mimedi_qual.simbench.process import SimulatedBench

    bench = SimulatedBench(load_bench(SIM_PROFILE), tmp_path)
    ctl = {s.name: s.device for s in bench.instruments}["controller"]
    world = bench.world
    assert ctl.handle("ACC:LOG op1,op1-sim;PUMP:PRES? FEED") == "0.0"
    world.inject_fault("PUMP_OCCLUSION", "FEED")
    ctl.handle("PUMP:DISP FEED,20,5")
    world.advance(30)
    assert float(ctl.handle("PUMP:PRES? FEED")) > 150.0
    assert ctl.handle("INT:ACT?") == "PUMP_OCCLUSION"
    assert ctl.handle("PUMP:STAT? FEED") == "IDLE"
    ctl.handle("PUMP:DISP HARV,5,5")
    assert ctl.handle("SYST:ERR?").startswith('-221,"Settings conflict;PUMP_OCCLUSION interlock')
    world.clear_fault("PUMP_OCCLUSION")
    world.advance(2)                      # released during one period, seen by the controller at the next
    assert ctl.handle("INT:ACT?") == "NONE" and ctl.handle("PUMP:PRES? FEED") == "0.0"


def test_a_pump_run_can_be_stopped_early_and_the_stop_is_audit_trailed(tmp_path):
    from bench_clients import SIM_PROFILE
    from mimedi_qual.profiles import load_bench
    from mimedi_qual.simbench.process import SimulatedBench

    bench = SimulatedBench(load_bench(SIM_PROFILE), tmp_path)
    ctl = {s.name: s.device for s in bench.instruments}["controller"]
    ctl.handle("PUMP:STOP FEED")
    assert ctl.handle("SYST:ERR?").startswith("-203")          # an operator's action
    ctl.handle("ACC:LOG op1,op1-sim;PUMP:DISP HARV,20,5")
    bench.world.advance(60)
    ctl.handle("PUMP:STOP HARV")
    assert ctl.handle("PUMP:STAT? HARV") == "IDLE"
    bench.world.advance(60)
    assert bench.world.core.pump_state(3) == (False, pytest.approx(5.0))
    last = ctl.handle(f"AUD:ENTR? {ctl.handle('AUD:COUN?')}").split(",")
    assert last[2:5] == ["op1", "PUMP_STOP_HARVEST", "RUNNING"]
    count = ctl.handle("AUD:COUN?")
    ctl.handle("PUMP:STOP HARV")                              # idle: nothing to stop, nothing recorded
    assert ctl.handle("SYST:ERR?").startswith("0") and ctl.handle("AUD:COUN?") == count
