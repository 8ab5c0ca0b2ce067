"""Digital multimeter (Keysight 34465A type, SCPI over TCP) → MultimeterProtocol.

Utilities in IQ: mains voltage (AC) and the gas-supply pressure transducers
(DC, 1 V per bar, one channel each). The conversion to bar belongs to the
step that knows the transducer, not to the meter.
"""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.calibration import CalibratedMixin, calibrated
from mimedi_qual.lab.protocols import MultimeterProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class ScpiMultimeterDriver(CalibratedMixin, Driver, MultimeterProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @calibrated
    @step(title="read AC voltage", result=True)
    def read_ac_voltage_v(self) -> float:
        return self.scpi.query_float("MEAS:VOLT:AC?")

    @Driver.check_active
    @calibrated
    @step(title="read DC voltage", args=["channel"], result=True)
    def read_dc_voltage_v(self, channel: int) -> float:
        return self.scpi.query_float(f"MEAS:VOLT:DC? {int(channel)}")
