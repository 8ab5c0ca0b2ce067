"""The simulated QC release laboratory, with standard clients: pyvisa, a plain socket, our labgrid driver.

Its results come from what the bench did to the bag (time on the plate,
plant faults, a contamination), through the twin's process and QC assay models.
"""

from __future__ import annotations

import pytest
from labgrid import Target

import mimedi_qual.lab  # noqa: F401  (registers our labgrid classes)
from bench_clients import Sim, host_port, open_scpi, query
from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.qc_lab import QcLabDriver
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.lab.resources import SCPITCPInstrument
from mimedi_qual.simbench.process import BenchThread
from bench_clients import SIM_PROFILE

DAYS_14 = 14 * 86400.0


def run_batch(bench, *faults: str) -> Sim:
    """A fresh bag, faults injected, 14 days on the plate."""
    sim = Sim(bench.addresses["simctl"])
    sim.write("SIM:BAG:LOAD")
    for fault in faults:
        sim.write(f"SIM:FAULT:INJ {fault}")
    sim.advance(DAYS_14)
    sim.write("SIM:FAULT:CLEAR")
    return sim


def results(address: str, sample_id: str) -> dict[str, str]:
    reply = query(address, f'RES? "{sample_id}"')
    return dict(item.split("=", 1) for item in reply.split(","))


@pytest.fixture(scope="module")
def batch(bench):
    run_batch(bench)
    return bench.addresses["qclab"]


def test_identity_with_pyvisa(bench, visa):
    session = open_scpi(visa, bench.addresses["qclab"])
    try:
        assert session.query("*IDN?") == "MIMEDI-SIM,QC-RELEASE-LAB,SIM-QC-0001,1.0"
    finally:
        session.close()


def test_release_results_of_a_batch(batch, visa):
    session = open_scpi(visa, batch)
    try:
        session.write('SAMP:SUBM "B1"')
        assert session.query("SAMP:STAT? B1") == "COMPLETE"
        assert session.query("SYST:ERR?") == '0,"No error"'
        assert session.query("samp:list?") == "B1"
        r = dict(item.split("=", 1) for item in session.query("RES? B1").split(","))
        assert set(r) == {"COUNT", "VIABILITY", "CD3", "CAR", "VCN", "ENDOTOXIN", "STERILITY", "MYCOPLASMA", "FOLD"}
        assert 80.0 < float(r["VIABILITY"]) <= 100.0
        assert 70.0 < float(r["CD3"]) <= 100.0
        assert 10.0 < float(r["CAR"]) < 60.0                  # ~37 % transduction [Zhu]
        assert 0.0 < float(r["VCN"]) < 5.0
        assert float(r["ENDOTOXIN"]) < 0.5
        assert r["STERILITY"] == r["MYCOPLASMA"] == "NEGATIVE"
        assert 10.0 < float(r["FOLD"]) < 80.0                 # ~30-fold [Zhu]
        assert 1e7 < float(r["COUNT"]) < 1e8                  # formulated at 5e7/mL
        assert session.query("RESult:VIABility? B1") == r["VIABILITY"]
        assert session.query("res:fold? B1") == r["FOLD"]
    finally:
        session.close()


def test_another_sample_is_another_donor(batch):
    assert query(batch, "SAMP:SUBM B2;SYST:ERR?") == '0,"No error"'
    assert results(batch, "B2")["CAR"] != results(batch, "B1")["CAR"]


def test_error_paths(batch):
    assert query(batch, "SAMP:SUBM B1;SYST:ERR?") == '-221,"Settings conflict;duplicate sample id"'
    assert query(batch, "SAMP:SUBM;SYST:ERR?") == '-109,"Missing parameter"'
    assert query(batch, "RES? NOPE;SYST:ERR?") == '-224,"Illegal parameter value"'
    assert query(batch, 'RES:CAR? "bad id!";SYST:ERR?') == '-224,"Illegal parameter value"'
    assert query(batch, "RES:HAPPINESS? B1;SYST:ERR?") == '-113,"Undefined header"'
    assert query(batch, "SAMP:STAT? NOPE") == "UNKNOWN"


def test_no_product_in_a_bag_just_loaded(fresh_bench):
    address = fresh_bench.addresses["qclab"]
    Sim(fresh_bench.addresses["simctl"]).write("SIM:BAG:LOAD")
    assert query(address, "SAMP:SUBM X;SYST:ERR?") == '-221,"Settings conflict;no product"'
    assert query(address, "SAMP:STAT? X") == "UNKNOWN"


def test_the_product_follows_what_the_bench_did(tmp_path):
    """Same sample id, same seed: a contaminated bag fails sterility; a heater failure or a day-long
    power cut (mains lost: controller off, the bag cools) costs expansion."""
    found = {}
    for case, faults in (("nominal", ()), ("contaminated", ("CONTAMINATION",)), ("heater", ("HEATER_FAIL",)),
                         ("power", ("POWER_LOSS",))):
        with BenchThread(SIM_PROFILE, tmp_path / case) as bench:
            sim = Sim(bench.addresses["simctl"])
            sim.write("SIM:BAG:LOAD")
            sim.advance(4 * 86400.0)
            for fault in faults:
                sim.write(f"SIM:FAULT:INJ {fault}")
            sim.advance(86400.0)
            sim.write("SIM:FAULT:CLEAR")
            sim.advance(9 * 86400.0)
            assert query(bench.addresses["qclab"], "SAMP:SUBM LOT-1;SYST:ERR?") == '0,"No error"'
            found[case] = results(bench.addresses["qclab"], "LOT-1")
    assert found["nominal"]["STERILITY"] == "NEGATIVE"
    assert found["contaminated"]["STERILITY"] == "POSITIVE"
    assert found["contaminated"]["FOLD"] == found["nominal"]["FOLD"]
    assert float(found["heater"]["FOLD"]) < 0.9 * float(found["nominal"]["FOLD"])
    assert float(found["power"]["FOLD"]) < 0.9 * float(found["nominal"]["FOLD"])
    assert found["power"]["STERILITY"] == "NEGATIVE"


def driver(address: str) -> QcLabDriver:
    target = Target(f"qclab-{address}")
    host, port = host_port(address)
    SCPITCPInstrument(target, "qclab", host=host, port=port, timeout_s=5.0)
    SCPIDriver(target, "qclab")
    lab = QcLabDriver(target, "qclab")
    target.activate(lab)
    return lab


def test_labgrid_driver_submits_and_reads(batch):
    lab = driver(batch)
    assert lab.identify().startswith("MIMEDI-SIM,QC-RELEASE-LAB,")
    lab.submit_sample("LOT-7")
    release = lab.results("LOT-7")
    assert release.sample_id == "LOT-7"
    assert release.sterility == "NEGATIVE" and release.mycoplasma == "NEGATIVE"
    assert 80.0 < release.viability_pct <= 100.0 and release.fold_expansion > 10.0
    with pytest.raises(CommandRefused) as refused:
        lab.submit_sample("LOT-7")
    assert refused.value.code == -221 and refused.value.reason == "duplicate sample id"
    with pytest.raises(InstrumentError, match="no results for sample NEVER"):
        lab.results("NEVER")
