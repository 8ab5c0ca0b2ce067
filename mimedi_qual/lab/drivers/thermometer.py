"""Reference thermometer (SCPI PRT readout, e.g. Fluke 1529) → TemperatureSensorProtocol.

A reference instrument: readings pass the calibration gate
(:mod:`mimedi_qual.lab.calibration`) first.
"""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.protocols import TemperatureSensorProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ScpiThermometerDriver(CalibratedMixin, Driver, TemperatureSensorProtocol):
    bindings = {"scpi": "SCPIDriver"}
    channel = attr.ib(default=1, converter=int)

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @calibrated
    @step(title="read temperature", result=True)
    def read_temperature_c(self) -> float:
        return self.scpi.query_float(f"FETC? {self.channel}")
