"""Reference instruments through pyvisa: each reads the twin at the current virtual time, with its own errors."""

from __future__ import annotations

import pytest

from bench_clients import Sim, open_scpi


@pytest.fixture(scope="module")
def sim(bench):
    s = Sim(bench.addresses["simctl"])
    s.advance(3600)
    return s


def read(visa, address, command):
    session = open_scpi(visa, address)
    try:
        return session.query(command)
    finally:
        session.close()


def test_identities(bench, visa):
    assert read(visa, bench.addresses["phdo"], "*IDN?") == "MIMEDI-SIM,PHDO-REF,SIM-P-0001,2.3"
    assert read(visa, bench.addresses["co2"], "*IDN?").startswith("VAISALA,GMP252-SIM,")
    assert read(visa, bench.addresses["tachometer"], "*IDN?").startswith("MONARCH,PLT200-SIM,")
    assert read(visa, bench.addresses["dmm"], "*IDN?").startswith("KEYSIGHT,34465A,")


def test_ph_do_meter_reads_the_twin(bench, visa, sim):
    assert float(read(visa, bench.addresses["phdo"], "MEAS:PH?")) == pytest.approx(sim.true("PH") - 0.005, abs=0.01)
    assert float(read(visa, bench.addresses["phdo"], "meas:do?")) == pytest.approx(sim.true("DO") + 0.2, abs=1.0)
    assert float(read(visa, bench.addresses["phdo"], "MEAS:TEMP?")) == pytest.approx(sim.true("TEMP"), abs=0.1)


def test_co2_analyser_and_tachometer_read_the_twin(bench, visa, sim):
    assert float(read(visa, bench.addresses["co2"], "MEAS:CO2?")) == pytest.approx(sim.true("CO2") + 0.02, abs=0.05)
    rpm = float(read(visa, bench.addresses["tachometer"], "MEASure:SPEed?"))
    assert rpm == pytest.approx(sim.true("ROCK"), abs=0.1)
    assert rpm >= 10.0          # the DO cascade rocks at least at the base speed


def test_thermometer_reads_the_twin(bench, visa, sim):
    assert float(read(visa, bench.addresses["thermometer"], "FETC? 1")) == pytest.approx(sim.true("TEMP"), abs=0.02)
    session = open_scpi(visa, bench.addresses["thermometer"])
    try:
        session.write("FETC? 7")
        assert session.query("SYST:ERR?") == '-224,"Illegal parameter value"'
    finally:
        session.close()


def test_dmm_reads_mains_and_gas_supply_pressures(bench, visa):
    dmm = open_scpi(visa, bench.addresses["dmm"])
    try:
        assert float(dmm.query("MEAS:VOLT:AC?")) == pytest.approx(230.0, abs=2.0)
        assert float(dmm.query("MEAS:VOLT:DC? 1")) == pytest.approx(1.5, abs=0.05)   # 1 V per bar
        dmm.write("CONF:VOLT:DC 2")
        assert float(dmm.query("READ?")) == pytest.approx(1.5, abs=0.05)
        dmm.write("MEAS:VOLT:DC? 9")
        assert dmm.query("SYST:ERR?") == '-224,"Illegal parameter value"'
    finally:
        dmm.close()


def test_gas_loss_reaches_the_dmm_and_the_culture(fresh_bench, visa):
    sim = Sim(fresh_bench.addresses["simctl"])
    sim.advance(1800)
    sim.write("SIM:FAULT:INJ GAS_LOSS,CO2")
    assert float(read(visa, fresh_bench.addresses["dmm"], "MEAS:VOLT:DC? 1")) == pytest.approx(0.0, abs=0.05)
    before = sim.true("CO2")
    sim.advance(3 * 3600)
    assert sim.true("CO2") < before - 1.0            # overlay loses its CO2 to the vent
