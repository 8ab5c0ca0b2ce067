"""The QC lab driver against in-test devices: what a LIMS gateway may answer, the awkward answers included."""

from __future__ import annotations

import pytest
from labgrid import Target

from fake_devices import ScpiDevice
from mimedi_qual.errors import InstrumentError
from mimedi_qual.lab.drivers.qc_lab import QcLabDriver, parse_results
from mimedi_qual.lab.drivers.scpi import SCPIDriver
from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.lab.resources import SCPITCPInstrument

GOOD = ("COUNT=4.9e7,VIABILITY=93.10,CD3=91.20,CAR=33.00,VCN=0.410,ENDOTOXIN=0.050,"
        "STERILITY=NEGATIVE,MYCOPLASMA=negative,FOLD=31.50")


def lab(device) -> QcLabDriver:
    target = Target(f"t-qclab-{device.port}")
    SCPITCPInstrument(target, "qclab", host="127.0.0.1", port=device.port, timeout_s=2.0)
    SCPIDriver(target, "qclab")
    driver = QcLabDriver(target, "qclab")
    target.activate(driver)
    return driver


def test_results_are_parsed_into_a_release(line_device):
    device = line_device(ScpiDevice({'SAMP:STAT? "S1"': "COMPLETE", 'RES? "S1"': GOOD}))
    release = lab(device).results("S1")
    assert release.viability_pct == 93.1 and release.car_pct == 33.0 and release.fold_expansion == 31.5
    assert release.mycoplasma == "NEGATIVE"


def test_refused_submission_is_command_refused(line_device):
    device = ScpiDevice({'SAMP:STAT? "S1"': "UNKNOWN"})
    device.on_write = lambda command: '-221,"Settings conflict;no product"'
    with pytest.raises(CommandRefused) as refused:
        lab(line_device(device)).submit_sample("S1")
    assert refused.value.reason == "no product"


@pytest.mark.parametrize("reply, message", [
    ("~#?@!%&*^", "malformed results"),
    (GOOD.replace(",FOLD=31.50", ""), "lack FOLD"),
    (GOOD.replace("CAR=33.00", "CAR=n/a"), "non-numeric CAR"),
    (GOOD.replace("STERILITY=NEGATIVE", "STERILITY=PENDING"), "STERILITY of S1 is 'PENDING'"),
])
def test_bad_results_are_instrument_errors(reply, message):
    with pytest.raises(InstrumentError, match=message):
        parse_results("qclab", "S1", reply)


def test_no_results_for_an_unknown_sample(line_device):
    device = line_device(ScpiDevice({'SAMP:STAT? "S9"': "UNKNOWN"}))
    with pytest.raises(InstrumentError, match="no results for sample S9"):
        lab(device).results("S9")
