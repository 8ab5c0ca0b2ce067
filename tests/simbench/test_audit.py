"""The controller's audit trail: every entry on 'flash' as it is made; RAM loss loses nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mimedi_qual.simbench.audit import AuditTrail, parse_iso_utc
from mimedi_qual.simbench.faults import FaultLog

EPOCH = datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)


def test_entries_survive_losing_ram_and_a_new_trail_on_the_same_file(tmp_path):
    path = tmp_path / "nv" / "audit.jsonl"
    trail = AuditTrail(path)
    trail.epoch_utc = EPOCH
    assert trail.append(12.04, "op1", "SETPOINT_TEMPERATURE_C", "37", "36.5", "") == 1
    assert trail.append(20.0, "op1", "MODULE_START", "EXPANSION:IDLE", "EXPANSION:STARTING", "") == 2
    trail.forget()
    assert trail.count == 0
    trail.load()
    assert trail.count == 2
    assert AuditTrail(path).entry(1) == "1,2026-12-02T07:00:12.040Z,op1,SETPOINT_TEMPERATURE_C,37,36.5,"


def test_an_entry_is_dated_in_utc_by_bench_time_from_the_wall_clock_at_opening(tmp_path):
    """Old firmware: ``12.0`` seconds since power-up, no date. Now ISO 8601 UTC, bench time after the epoch."""
    before = datetime.now(timezone.utc)
    trail = AuditTrail(tmp_path / "audit.jsonl")
    after = datetime.now(timezone.utc)
    trail.append(3600.0, "op1", "SETPOINT_TEMPERATURE_C", "37", "36.5", "")
    n, when, *_ = trail.entry(1).split(",")
    assert when.endswith("Z") and "T" in when
    stamp = parse_iso_utc(when)
    assert before + timedelta(seconds=3600) - timedelta(milliseconds=1) <= stamp
    assert stamp <= after + timedelta(seconds=3600) + timedelta(milliseconds=1)


def test_a_restarted_trail_never_dates_an_entry_before_the_newest_one(tmp_path):
    path = tmp_path / "audit.jsonl"
    first = AuditTrail(path)
    first.append(14 * 86400.0, "op1", "MODULE_START", "", "", "")     # a fast virtual fortnight
    newest = parse_iso_utc(first.entry(1).split(",")[1])
    again = AuditTrail(path)                                           # simulator restarted: bench time 0
    again.append(0.0, "SYSTEM", "RECOVERY", "", "", "")
    assert parse_iso_utc(again.entry(2).split(",")[1]) > newest


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
