"""The SCPI driver stack against pyvisa-sim definitions kept in instruments/."""

from __future__ import annotations

from pathlib import Path

import pytest
from labgrid import Target

import mimedi_qual.lab  # noqa: F401  (registers our labgrid classes)
from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.bioreactor import BioreactorDriver
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.drivers.thermometer import ScpiThermometerDriver
from mimedi_qual.lab.resources import SCPITCPInstrument

DEFINITIONS = Path(__file__).resolve().parents[2] / "instruments" / "visa-sim" / "reference-instruments.yaml"


def make_target(port: int, kind: str) -> Target:
    target = Target(f"visa-sim-{kind}-{port}")
    SCPITCPInstrument(target, "inst", host="127.0.0.1", port=port, visa_library=f"{DEFINITIONS}@sim")
    SCPIDriver(target, "inst")
    if kind == "thermometer":
        ScpiThermometerDriver(target, "inst")
    else:
        BioreactorDriver(target, "inst")
    return target


def test_thermometer_identity_and_reading():
    target = make_target(5025, "thermometer")
    thermometer = target.get_driver("TemperatureSensorProtocol", name="inst")
    assert thermometer.identify() == "FLUKE,1529,A1529-0042,1.20"
    assert thermometer.read_temperature_c() == pytest.approx(37.0012)
    target.cleanup()


def test_garbled_reply_names_the_instrument():
    target = make_target(5027, "thermometer")
    thermometer = target.get_driver("TemperatureSensorProtocol", name="inst")
    with pytest.raises(InstrumentError, match=r"instrument 'inst': non-numeric reply 'OVLD'"):
        thermometer.read_temperature_c()
    target.cleanup()


def test_bioreactor_setpoint_roundtrip_and_refusal():
    target = make_target(5026, "bioreactor")
    controller = target.get_driver("BioreactorProtocol", name="inst")
    assert controller.identify().startswith("MIMEDI,BR1-CTRL")
    controller.set_temperature_setpoint_c(36.5)
    assert controller.temperature_setpoint_c() == pytest.approx(36.5)
    assert controller.heater_output_pct() == pytest.approx(37.5)
    target.cleanup()


def test_unreachable_instrument_is_an_instrument_error():
    target = Target("unreachable")
    SCPITCPInstrument(target, "ghost", host="127.0.0.1", port=1, timeout_s=0.5)
    SCPIDriver(target, "ghost")
    # pyvisa-py may connect on open or on first I/O: either way the error names the instrument.
    with pytest.raises(InstrumentError, match="instrument 'ghost'"):
        target.get_driver("SCPIProtocol", name="ghost").identify()
    target.cleanup()
