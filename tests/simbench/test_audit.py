"""The controller's audit trail: every entry on 'flash' as it is made; RAM loss loses nothing."""

from __future__ import annotations

from mimedi_qual.simbench.audit import AuditTrail
from mimedi_qual.simbench.faults import FaultLog


def test_entries_survive_losing_ram_and_a_new_trail_on_the_same_file(tmp_path):
    path = tmp_path / "nv" / "audit.jsonl"
    trail = AuditTrail(path)
    assert trail.append(12.04, "op1", "SETPOINT_TEMPERATURE_C", "37", "36.5", "") == 1
    assert trail.append(20.0, "op1", "MODULE_START", "EXPANSION:IDLE", "EXPANSION:STARTING", "") == 2
    trail.forget()
    assert trail.count == 0
    trail.load()
    assert trail.count == 2
    assert AuditTrail(path).entry(1) == "1,12.0,op1,SETPOINT_TEMPERATURE_C,37,36.5,"


def test_commas_inside_a_field_cannot_shift_the_columns(tmp_path):
    trail = AuditTrail(tmp_path / "audit.jsonl")
    trail.append(1.0, "SYSTEM", "RECOVERY", "", "EXPANSION", "policy resume, 2 modules")
    assert len(trail.entry(1).split(",")) == 7


def test_fault_log_keeps_cleared_faults_with_their_times():
    log = FaultLog()
    log.inject(10.0, "GAS_LOSS", "CO2", "")
    log.inject(20.0, "INSTRUMENT_TIMEOUT", "co2", "")
    assert log.instrument_fault("co2") == "INSTRUMENT_TIMEOUT"
    assert log.instrument_fault("dmm") is None
    log.clear(30.0, "INSTRUMENT_TIMEOUT")
    assert log.instrument_fault("co2") is None
    assert log.as_scpi() == "10.000,GAS_LOSS,CO2,,;20.000,INSTRUMENT_TIMEOUT,co2,,30.000"
