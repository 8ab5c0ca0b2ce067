"""Reference-instrument drivers against in-test device servers speaking COMMANDS.md."""

from __future__ import annotations

import pytest
from labgrid import Target

from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.balance import MTSICSBalanceDriver
from mimedi_qual.lab.drivers.gas_analyzer import ScpiGasAnalyzerDriver
from mimedi_qual.lab.drivers.multimeter import ScpiMultimeterDriver
from mimedi_qual.lab.drivers.phdo_meter import ScpiPhDoMeterDriver
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.drivers.tachometer import ScpiTachometerDriver
from mimedi_qual.lab.errors import BalanceOverload
from mimedi_qual.lab.protocols import Weighing
from mimedi_qual.lab.resources import MTSICSTCPInstrument, SCPITCPInstrument

from fake_devices import ScpiDevice


def scpi_target(device, driver_cls, name="inst") -> Target:
    target = Target(f"t-{name}-{device.port}")
    SCPITCPInstrument(target, name, host="127.0.0.1", port=device.port, timeout_s=2.0)
    SCPIDriver(target, name)
    driver_cls(target, name)
    return target


def test_phdo_meter_answers_as_ph_and_do_meter(line_device):
    device = line_device(ScpiDevice({"*IDN?": "MIMEDI-SIM,PHDO-REF,P1,1.0", "MEAS:PH?": "7.212",
                                     "MEAS:DO?": "48.5", "MEAS:TEMP?": "36.98"}))
    target = scpi_target(device, ScpiPhDoMeterDriver)
    assert target.get_driver("PhMeterProtocol", name="inst").read_ph() == pytest.approx(7.212)
    assert target.get_driver("DoMeterProtocol", name="inst").read_do_pct() == pytest.approx(48.5)
    assert target.get_driver("PhMeterProtocol", name="inst").read_temperature_c() == pytest.approx(36.98)
    target.cleanup()


def test_gas_analyzer_tachometer_multimeter(line_device):
    gas = line_device(ScpiDevice({"MEAS:CO2?": "5.02"}))
    tach = line_device(ScpiDevice({"MEAS:SPE?": "10.1"}))
    dmm = line_device(ScpiDevice({"MEAS:VOLT:AC?": "229.8", "MEAS:VOLT:DC? 2": "2.51"}))
    targets = [scpi_target(gas, ScpiGasAnalyzerDriver), scpi_target(tach, ScpiTachometerDriver),
               scpi_target(dmm, ScpiMultimeterDriver)]
    assert targets[0].get_driver("GasAnalyzerProtocol").read_co2_pct() == pytest.approx(5.02)
    assert targets[1].get_driver("SpeedSensorProtocol").read_speed_rpm() == pytest.approx(10.1)
    meter = targets[2].get_driver("MultimeterProtocol")
    assert meter.read_ac_voltage_v() == pytest.approx(229.8)
    assert meter.read_dc_voltage_v(2) == pytest.approx(2.51)
    assert dmm.received[-1] == "MEAS:VOLT:DC? 2"
    for target in targets:
        target.cleanup()


def test_garbage_reading_names_the_instrument(line_device):
    gas = line_device(ScpiDevice({"MEAS:CO2?": "#ERR"}))
    target = scpi_target(gas, ScpiGasAnalyzerDriver, name="co2")
    with pytest.raises(InstrumentError, match=r"instrument 'co2': non-numeric reply '#ERR'"):
        target.get_driver("GasAnalyzerProtocol").read_co2_pct()
    target.cleanup()


class FakeBalance:
    """MT-SICS: dynamic for the first ``settling`` S commands, then stable; overload on demand."""

    def __init__(self, settling: int = 2, load_g: float = 12.345):
        self.settling = settling
        self.load_g = load_g
        self.overload = False

    def __call__(self, line: str) -> str:
        if line == "I2":
            return 'I2 A "XS205DU 220.0000 g"'
        if line == "I4":
            return 'I4 A "B912345678"'
        if line == "I3":
            return 'I3 A "1.10"'
        if line in ("S", "SI"):
            if self.overload:
                return "S +"
            if line == "S" and self.settling > 0:
                self.settling -= 1
                return f"S D {self.load_g - 0.05:10.3f} g"
            return f"S S {self.load_g:10.3f} g"
        if line == "Z":
            return "Z A"
        if line == "T":
            return f"T S {self.load_g:10.3f} g"
        return "ES"


def balance_target(device) -> Target:
    target = Target(f"balance-{device.port}")
    MTSICSTCPInstrument(target, "balance", host="127.0.0.1", port=device.port, timeout_s=2.0)
    MTSICSBalanceDriver(target, "balance")
    return target


def test_balance_waits_for_a_stable_weight_over_crlf(line_device):
    fake = FakeBalance(settling=2)
    device = line_device(fake, newline=b"\r\n")
    balance = balance_target(device).get_driver("BalanceProtocol")
    assert balance.identify() == "METTLER TOLEDO,XS205DU,B912345678,1.10"
    assert balance.read_stable_mass_g(timeout_s=5) == pytest.approx(12.345)
    assert device.received.count("S") == 3  # two dynamic answers were not taken as a weight
    assert balance.read_immediate() == Weighing(12.345, True)
    balance.zero()
    assert balance.tare() == pytest.approx(12.345)
    balance.target.cleanup()


def test_balance_overload_and_syntax_error_are_errors_not_numbers(line_device):
    fake = FakeBalance(settling=0)
    device = line_device(fake, newline=b"\r\n")
    balance = balance_target(device).get_driver("BalanceProtocol")
    fake.overload = True
    with pytest.raises(BalanceOverload, match="overload"):
        balance.read_stable_mass_g()
    with pytest.raises(InstrumentError, match="ES syntax error"):
        balance.command("XYZ")
    balance.target.cleanup()


def test_balance_that_never_settles_times_out(line_device):
    device = line_device(FakeBalance(settling=10_000), newline=b"\r\n")
    balance = balance_target(device).get_driver("BalanceProtocol")
    with pytest.raises(InstrumentError, match="no stable weight within 0.3 s"):
        balance.read_stable_mass_g(timeout_s=0.3)
    balance.target.cleanup()


def test_reconnecting_one_instrument_leaves_the_others_connected(line_device):
    """PyVISA shares one ResourceManager per backend: deactivating one driver must not close it."""
    gas = line_device(ScpiDevice({"MEAS:CO2?": "5.02"}))
    tach = line_device(ScpiDevice({"MEAS:SPE?": "10.1"}))
    first, second = scpi_target(gas, ScpiGasAnalyzerDriver), scpi_target(tach, ScpiTachometerDriver)
    analyzer = first.get_driver("GasAnalyzerProtocol")
    tachometer = second.get_driver("SpeedSensorProtocol")
    assert analyzer.read_co2_pct() == pytest.approx(5.02)
    assert tachometer.read_speed_rpm() == pytest.approx(10.1)
    first.deactivate(first.get_driver("SCPIDriver", activate=False))
    assert tachometer.read_speed_rpm() == pytest.approx(10.1)
    assert first.get_driver("GasAnalyzerProtocol").read_co2_pct() == pytest.approx(5.02)  # reconnects
    first.cleanup()
    second.cleanup()


def test_reconnecting_the_balance_leaves_the_scpi_instruments_connected(line_device):
    """The balance opens and closes its session through the same helper as SCPIDriver: never the shared RM."""
    gas = line_device(ScpiDevice({"MEAS:CO2?": "5.02"}))
    scale = line_device(FakeBalance(settling=0), newline=b"\r\n")
    first, second = balance_target(scale), scpi_target(gas, ScpiGasAnalyzerDriver)
    analyzer = second.get_driver("GasAnalyzerProtocol")
    assert first.get_driver("BalanceProtocol").read_immediate() == Weighing(12.345, True)
    assert analyzer.read_co2_pct() == pytest.approx(5.02)
    first.deactivate(first.get_driver("MTSICSBalanceDriver", activate=False))
    assert analyzer.read_co2_pct() == pytest.approx(5.02)
    assert first.get_driver("BalanceProtocol").read_immediate() == Weighing(12.345, True)  # reconnects
    first.cleanup()
    second.cleanup()


class RefusingResourceManager:
    def __init__(self, visa_library):
        pass

    def open_resource(self, address, **kwargs):
        raise OSError("connection refused")


@pytest.mark.parametrize("resource_cls, driver_cls, name", [
    (SCPITCPInstrument, SCPIDriver, "co2"), (MTSICSTCPInstrument, MTSICSBalanceDriver, "balance")])
def test_an_instrument_that_cannot_be_reached_is_named(monkeypatch, resource_cls, driver_cls, name):
    monkeypatch.setattr("mimedi_qual.lab.drivers.scpi.pyvisa.ResourceManager", RefusingResourceManager)
    target = Target(f"unreachable-{name}")
    resource_cls(target, name, host="127.0.0.1", port=1, timeout_s=0.5)
    driver_cls(target, name)
    refused = rf"instrument '{name}': cannot connect to 127.0.0.1:1: connection refused"
    with pytest.raises(InstrumentError, match=refused):
        target.activate(target.get_driver(driver_cls.__name__, activate=False))
