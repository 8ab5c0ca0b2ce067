"""MiMédi controller over SCPI → BioreactorProtocol."""

from __future__ import annotations

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

from mimedi_qual.lab.protocols import BioreactorProtocol


@target_factory.reg_driver
@attr.s(eq=False)
class BioreactorDriver(Driver, BioreactorProtocol):
    bindings = {"scpi": "SCPIDriver"}

    def identify(self) -> str:
        return self.scpi.identify()

    @Driver.check_active
    @step(title="set temperature setpoint", args=["setpoint_c"])
    def set_temperature_setpoint_c(self, setpoint_c: float) -> None:
        self.scpi.write_checked(f"SOUR:TEMP {setpoint_c:.3f}")

    @Driver.check_active
    def temperature_setpoint_c(self) -> float:
        return self.scpi.query_float("SOUR:TEMP?")

    @Driver.check_active
    def read_temperature_c(self) -> float:
        return self.scpi.query_float("MEAS:TEMP?")

    @Driver.check_active
    def heater_output_pct(self) -> float:
        return self.scpi.query_float("OUTP:HEAT?")
