"""pH/DO reference meter (SCPI over TCP) → PhMeterProtocol and DoMeterProtocol.

One box, two protocols: a scenario asks for ``PhMeterProtocol`` when it
checks pH and ``DoMeterProtocol`` when it checks DO, whichever model the
bench has. Readings pass the calibration gate.

>>> meter = target.get_driver("PhMeterProtocol", name="phdo_meter")
>>> meter.read_ph()
7.21
"""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.protocols import DoMeterProtocol, PhMeterProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ScpiPhDoMeterDriver(CalibratedMixin, Driver, PhMeterProtocol, DoMeterProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @calibrated
    @step(title="read pH", result=True)
    def read_ph(self) -> float:
        return self.scpi.query_float("MEAS:PH?")

    @Driver.check_active
    @calibrated
    @step(title="read DO", result=True)
    def read_do_pct(self) -> float:
        return self.scpi.query_float("MEAS:DO?")

    @Driver.check_active
    @calibrated
    @step(title="read sample temperature", result=True)
    def read_temperature_c(self) -> float:
        return self.scpi.query_float("MEAS:TEMP?")
