"""The simulated bench's fault driver writes each injection positionally, as COMMANDS.md spells it."""

from __future__ import annotations

import pytest
from labgrid import Target

from mimedi_qual.lab.drivers.faults import SimulatedFaultDriver
from mimedi_qual.lab.resources import SimulationControlPort


def handler(line: str) -> str | None:
    return '0,"No error"' if line == "SYST:ERR?" else None


@pytest.mark.parametrize("fault, target, value, written", [
    ("HEATER_FAIL", "", "", "SIM:FAUL:INJ HEATER_FAIL"),
    ("GAS_LOSS", "CO2", "", "SIM:FAUL:INJ GAS_LOSS,CO2"),
    # an instrument by its bench-profile name, as written (it was upper-cased: the simulator answered -224)
    ("INSTRUMENT_DISCONNECT", "co2", "", "SIM:FAUL:INJ INSTRUMENT_DISCONNECT,co2"),
    ("SENSOR_DRIFT", "PH", "0.2", "SIM:FAUL:INJ SENSOR_DRIFT,PH,0.2"),
    ("acid_bolus", "", "10", "SIM:FAUL:INJ ACID_BOLUS,,10"),       # a value with no target keeps its place
])
def test_injections_are_written_positionally(line_device, fault, target, value, written):
    device = line_device(handler)
    bench = Target(f"t-faults-{device.port}-{fault}")
    SimulationControlPort(bench, "sim", host="127.0.0.1", port=device.port)
    driver = SimulatedFaultDriver(bench, "faults")
    bench.activate(driver)
    try:
        driver.inject(fault, target, value)
    finally:
        bench.deactivate(driver)
    assert device.received[0] == written
