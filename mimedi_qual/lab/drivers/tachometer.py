"""Optical tachometer on the rocker (Monarch PLT200 type, SCPI over TCP) → SpeedSensorProtocol."""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.protocols import SpeedSensorProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ScpiTachometerDriver(CalibratedMixin, Driver, SpeedSensorProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @calibrated
    @step(title="read speed", result=True)
    def read_speed_rpm(self) -> float:
        return self.scpi.query_float("MEAS:SPE?")
