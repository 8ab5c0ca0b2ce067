"""The pyvisa-sim catalog (instruments/visa-sim) answers the identities of every SCPI instrument kind."""

from __future__ import annotations

import pyvisa
import pytest

from bench_clients import ROOT

CATALOG = ROOT / "instruments" / "visa-sim" / "reference-instruments.yaml"


@pytest.mark.parametrize("port, idn_prefix, query", [
    (5025, "FLUKE,1529,", "FETC? 1"),
    (5026, "MIMEDI,BR1-CTRL,", "MEAS:TEMP?"),
    (5028, "MIMEDI-SIM,PHDO-REF,", "MEAS:PH?"),
    (5029, "VAISALA,GMP252-SIM,", "MEAS:CO2?"),
    (5030, "MONARCH,PLT200-SIM,", "MEAS:SPE?"),
    (5031, "KEYSIGHT,34465A,", "MEAS:VOLT:DC? 1"),
])
def test_catalog_identities_and_a_reading(port, idn_prefix, query):
    rm = pyvisa.ResourceManager(f"{CATALOG}@sim")
    try:
        session = rm.open_resource(f"TCPIP0::127.0.0.1::{port}::SOCKET", read_termination="\n",
                                   write_termination="\n")
        assert session.query("*IDN?").startswith(idn_prefix)
        float(session.query(query))
    finally:
        rm.close()
