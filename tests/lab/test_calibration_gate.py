"""The calibration gate: an instrument past its due date produces no evidence."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from fake_devices import ScpiDevice
from labgrid import Target

from mimedi_qual.lab import calibration
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.drivers.thermometer import ScpiThermometerDriver
from mimedi_qual.lab.errors import CalibrationExpired
from mimedi_qual.lab.resources import SCPITCPInstrument

ROOT = Path(__file__).resolve().parents[2]


def thermometer(device, due_on: str) -> Target:
    target = Target(f"cal-{device.port}-{due_on}")
    SCPITCPInstrument(target, "thermometer", host="127.0.0.1", port=device.port, timeout_s=2.0)
    SCPIDriver(target, "thermometer")
    ScpiThermometerDriver(target, "thermometer", certificate="CAL-2026-0412-T", due_on=due_on)
    return target


def test_in_date_instrument_reads(line_device):
    device = line_device(ScpiDevice({"FETC? 1": "37.001"}))
    target = thermometer(device, due_on=(calibration.today_utc() + dt.timedelta(days=1)).isoformat())
    assert target.get_driver("TemperatureSensorProtocol").read_temperature_c() == pytest.approx(37.001)
    target.cleanup()


def test_due_date_itself_is_still_in_date(line_device, monkeypatch):
    device = line_device(ScpiDevice({"FETC? 1": "37.001"}))
    monkeypatch.setattr(calibration, "today_utc", lambda: dt.date(2027, 4, 12))
    target = thermometer(device, due_on="2027-04-12")
    assert target.get_driver("TemperatureSensorProtocol").read_temperature_c() == pytest.approx(37.001)
    target.cleanup()


def test_past_due_instrument_refuses_before_touching_the_instrument(line_device, monkeypatch):
    device = line_device(ScpiDevice({"*IDN?": "FLUKE,1529,A1529-0042,1.20", "FETC? 1": "37.001"}))
    monkeypatch.setattr(calibration, "today_utc", lambda: dt.date(2027, 4, 13))
    target = thermometer(device, due_on="2027-04-12")
    driver = target.get_driver("TemperatureSensorProtocol")
    with pytest.raises(CalibrationExpired) as expired:
        driver.read_temperature_c()
    assert expired.value.instrument == "thermometer"
    assert expired.value.certificate == "CAL-2026-0412-T"
    assert expired.value.due_on == dt.date(2027, 4, 12)
    assert "CAL-2026-0412-T" in str(expired.value) and "2027-04-12" in str(expired.value)
    assert "FETC? 1" not in device.received
    # identity is not evidence of a measurement: IQ may still ask who the instrument is
    assert driver.identify() == "FLUKE,1529,A1529-0042,1.20"
    target.cleanup()


@pytest.mark.campaign
def test_a_protocol_step_on_an_expired_instrument_becomes_a_deviation(tmp_path):
    """The OQ temperature hold on the simulated bench with the thermometer's certificate run out.

    One feature file whose every scenario reads the thermometer is enough: the
    rest of OQ would only add scenarios that fail the same way or never touch it.
    """
    profile = (ROOT / "profiles" / "benches" / "sim.yaml").read_text()
    expired = profile.replace("due_on: 2027-04-12", "due_on: 2026-01-31")
    assert expired != profile, "sim.yaml's thermometer due date moved: update this test"
    bench = tmp_path / "expired.yaml"
    bench.write_text(expired)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "features" / "pytest.ini"),
         "--rootdir", str(ROOT / "features"), f"--bench={bench}", f"--campaign-dir={tmp_path / 'campaign'}",
         "--no-views", "-q", "-p", "no:randomly",  # only the console is read
         str(ROOT / "features" / "oq" / "temperature_hold.feature")],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CalibrationExpired" in result.stdout
    assert "thermometer" in result.stdout
    assert "certificate CAL-2026-0412-T was due on 2026-01-31" in result.stdout
