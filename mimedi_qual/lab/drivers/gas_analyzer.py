"""CO2 gas analyser (Vaisala GMP252 type, SCPI over TCP) → GasAnalyzerProtocol."""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.protocols import GasAnalyzerProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ScpiGasAnalyzerDriver(CalibratedMixin, Driver, GasAnalyzerProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @calibrated
    @step(title="read CO2", result=True)
    def read_co2_pct(self) -> float:
        return self.scpi.query_float("MEAS:CO2?")
