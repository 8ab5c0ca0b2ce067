"""BioreactorDriver: the controller's whole command set, refusals with reasons, no password in the record."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fake_devices import ScpiDevice
from labgrid.step import steps

from mimedi_qual.errors import InstrumentError

from mimedi_qual.lab.drivers.bioreactor import parse_audit_entry
from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.lab.protocols import AuditEntry, PumpState

CHECKSUM = "ab" * 32


class FakeController(ScpiDevice):
    """Just enough of BR1-CTRL: login gates writes, EXPANSION refuses UNHOLD unless HELD."""

    def __init__(self):
        self.level = "NONE"
        self.setpoints = {"SOUR:TEMP": 37.0}
        self.audit = ["1,2026-12-02T07:00:00.500Z,system,POWER ON,,,boot"]
        super().__init__({
            "*IDN?": "MIMEDI,BR1-CTRL,BR1-0001,2.3.0",
            "SYST:MOD:CAT?": "SELECTION,TRANSDUCTION,EXPANSION,HARVEST",
            "SYST:MOD:FIRM? EXPANSION": "1.4.2",
            "SYST:CONF:CHECK?": CHECKSUM,
            "SYST:TIME?": "3600.5",
            "SOUR:TEMP?": lambda q: f"{self.setpoints['SOUR:TEMP']:.3f}",
            "MEAS:WEIG?": "1012.5",
            "OUTP:PERF?": "0.35",
            "PUMP:STAT? FEED": "RUNNING,12.5",
            "PUMP:STAT? BASE": "IDLE",
            "MOD:STAT? EXPANSION": "EXECUTE",
            "ALAR:ACT?": "NONE",
            "ALAR:UNACK?": "TEMP_HIGH,DOOR_OPEN",
            "INT:ACT?": "DOOR_OPEN",
            "STAT:OPER?": "READY",
            "ACC:LEV?": lambda q: self.level,
            "AUD:COUN?": lambda q: str(len(self.audit)),
            "AUD:ENTR? 1": lambda q: self.audit[0],
            "AUD:ENTR? 2": lambda q: self.audit[1],
        }, on_write=self.write)

    def write(self, command: str) -> str | None:
        if command.startswith("ACC:LOG "):
            user, password = command[len("ACC:LOG "):].split(",")
            if password != "s3cret":
                return '-203,"Command protected;wrong password"'
            self.level = "OPERATOR"
            return None
        if self.level == "NONE":
            return '-203,"Command protected"'
        if command.startswith("SOUR:TEMP "):
            old = self.setpoints["SOUR:TEMP"]
            self.setpoints["SOUR:TEMP"] = float(command.split()[1])
            self.audit.append(f"{len(self.audit) + 1},2026-12-02T08:00:01.000Z,op1,SETPOINT TEMP,{old},"
                              f"{self.setpoints['SOUR:TEMP']},hold test, second run")
            return None
        if command == "MOD:COMM EXPANSION,UNHOLD":
            return '-221,"Settings conflict;module EXPANSION is EXECUTE, not HELD"'
        return None


@pytest.fixture
def controller(bioreactor_driver):
    return bioreactor_driver(FakeController())


def test_identity_modules_and_configuration(controller):
    assert controller.identify() == "MIMEDI,BR1-CTRL,BR1-0001,2.3.0"
    assert controller.module_catalog() == ["SELECTION", "TRANSDUCTION", "EXPANSION", "HARVEST"]
    assert controller.module_firmware("EXPANSION") == "1.4.2"
    assert controller.configuration_checksum() == CHECKSUM
    assert controller.controller_time_s() == pytest.approx(3600.5)


def test_process_write_without_login_is_access_denied(controller):
    with pytest.raises(AccessDenied) as refused:
        controller.set_temperature_setpoint_c(36.5)
    assert refused.value.code == -203
    assert controller.temperature_setpoint_c() == pytest.approx(37.0)


def test_login_then_setpoint_is_audited(controller):
    controller.login("op1", "s3cret")
    assert controller.access_level() == "OPERATOR"
    controller.set_temperature_setpoint_c(36.5)
    assert controller.temperature_setpoint_c() == pytest.approx(36.5)
    assert controller.audit_count() == 2
    entry = controller.audit_entries(first=2)[0]
    assert entry == AuditEntry(2, datetime(2026, 12, 2, 8, 0, 1, tzinfo=timezone.utc), "op1", "SETPOINT TEMP",
                               "37.0", "36.5", "hold test, second run")


def test_an_audit_entry_without_a_date_is_malformed():
    """Seconds since power-up (the old firmware's field) say nothing about when: refused, naming the instrument."""
    with pytest.raises(InstrumentError, match="controller.*malformed audit entry"):
        parse_audit_entry("controller", "3,120.5,op1,SETPOINT TEMP,37.0,36.5,")
    with pytest.raises(InstrumentError, match="malformed audit entry"):
        parse_audit_entry("controller", "3,2026-12-02T07:00:00,op1,SETPOINT TEMP,37.0,36.5,")   # no offset


def test_refused_module_command_carries_the_controllers_reason(controller):
    controller.login("op1", "s3cret")
    with pytest.raises(CommandRefused) as refused:
        controller.module_command("expansion", "unhold")
    assert refused.value.code == -221
    assert refused.value.reason == "module EXPANSION is EXECUTE, not HELD"
    assert "instrument 'controller'" in str(refused.value)
    assert controller.module_state("EXPANSION") == "EXECUTE"
    with pytest.raises(ValueError, match="unknown module command"):
        controller.module_command("EXPANSION", "JUMP")


def test_alarms_interlocks_status_pumps(controller):
    assert controller.active_alarms() == []
    assert controller.unacknowledged_alarms() == ["TEMP_HIGH", "DOOR_OPEN"]
    assert controller.active_interlocks() == ["DOOR_OPEN"]
    assert controller.operation_status() == "READY"
    assert controller.pump_state("feed") == PumpState("FEED", True, 12.5)
    assert controller.pump_state("BASE") == PumpState("BASE", False, 0.0)
    assert controller.read_weight_g() == pytest.approx(1012.5)
    assert controller.perfusion_flow_ml_min() == pytest.approx(0.35)
    controller.login("op1", "s3cret")
    controller.dispense("FEED", 20.0, 5.0)
    controller.acknowledge_alarms()
    assert "PUMP:DISP FEED,20.0000,5.0000" in controller.fake.writes
    assert "ALAR:ACKN" in controller.fake.writes


def test_the_password_never_reaches_the_step_record(controller):
    events = []
    steps.subscribe(events.append)
    try:
        controller.login("op1", "s3cret")
        with pytest.raises(AccessDenied, match=r"wrong password"):
            controller.login("op1", "wrong")
    finally:
        steps.unsubscribe(events.append)
    recorded = " ".join(str(event) for event in events)
    assert "ACC:LOG op1,********" in recorded
    assert "s3cret" not in recorded and "wrong'" not in recorded


def test_malformed_checksum_is_an_instrument_error(controller):
    controller.fake.answers["SYST:CONF:CHECK?"] = "not-a-hash"
    with pytest.raises(InstrumentError, match="not a SHA-256"):
        controller.configuration_checksum()


def test_control_timing_parses_the_controllers_report(controller):
    controller.fake.answers["DIAG:TIM:PER?"] = "0.1"
    controller.fake.answers["DIAG:TIM? 30"] = "812.4,1530.0,35.2,61.7,0"
    timing = controller.control_timing(30)
    assert (timing.period_s, timing.periods, timing.missed_deadlines) == (0.1, 30, 0)
    assert (timing.period_jitter_p99_us, timing.period_jitter_max_us) == (812.4, 1530.0)
    assert (timing.step_latency_p99_us, timing.step_latency_max_us) == (35.2, 61.7)


def test_malformed_timing_report_is_an_instrument_error(controller):
    controller.fake.answers["DIAG:TIM:PER?"] = "0.1"
    controller.fake.answers["DIAG:TIM? 5"] = "812.4,1530.0"
    with pytest.raises(InstrumentError, match="malformed timing report"):
        controller.control_timing(5)


def test_co2_returned_to_the_ph_loop_is_one_checked_write(controller):
    controller.login("op1", "s3cret")
    controller.set_co2_automatic()
    assert controller.fake.writes[-1] == "SOUR:CO2 AUTO"


def test_co2_returned_to_the_ph_loop_without_login_is_access_denied(controller):
    with pytest.raises(AccessDenied):
        controller.set_co2_automatic()
    assert controller.fake.writes == ["SOUR:CO2 AUTO"]
