"""SCPI command set of the simulated MiMédi bioreactor controller.

The controller's own interface, the same on the real machine:

==============================  =============================================
``*IDN?``                       ``MIMEDI,BR1-CTRL,<serial>,<firmware>``
``SOURce:TEMPerature <°C>``     set the culture temperature setpoint
``SOURce:TEMPerature?``         the setpoint in °C
``MEASure:TEMPerature?``        the controller's own probe, °C
``OUTPut:HEATer?``              heater output, %
``SYSTem:TIME?``                controller uptime in seconds
==============================  =============================================
"""

from __future__ import annotations

from mimedi_qual.profiles.bench import Identity
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError, parse_float
from mimedi_qual.simbench.world import SimulatedWorld

SETPOINT_RANGE_C = (4.0, 42.0)  # what the firmware accepts; outside → -224


class ControllerDevice(ScpiDevice):
    def __init__(self, identity: Identity, world: SimulatedWorld):
        super().__init__(idn=identity.as_idn())
        self.world = world
        fw = world.firmware
        self.register("SOURce:TEMPerature", self._set_setpoint)
        self.register("SOURce:TEMPerature?", lambda a: f"{fw.setpoint_c:.3f}")
        self.register("MEASure:TEMPerature?", lambda a: f"{fw.read_probe(world.plant.temperature_c):.3f}")
        self.register("OUTPut:HEATer?", lambda a: f"{fw.heater_pct:.2f}")
        self.register("SYSTem:TIME?", lambda a: f"{world.time_s:.1f}")

    def _set_setpoint(self, args: list[str]) -> None:
        value = parse_float(args[0], "setpoint")
        low, high = SETPOINT_RANGE_C
        if not low <= value <= high:
            raise ScpiError(ILLEGAL_PARAMETER, f"setpoint {value} outside {low}..{high} °C")
        self.world.firmware.setpoint_c = value

    def reset(self) -> None:
        self.world.firmware.setpoint_c = self.world.firmware.config.initial_setpoint_c
