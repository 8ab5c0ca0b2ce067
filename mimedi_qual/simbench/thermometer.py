"""SCPI command set of the simulated reference thermometer (a Fluke 1529-like PRT readout).

It reads the twin's true culture temperature at the current virtual time,
with its own calibration offset and noise from the bench profile
(``simulation.thermometer``):

``*IDN?``, ``FETCh? [channel]``, ``MEASure:TEMPerature?``, ``SYSTem:DATE?``.

>>> dev = ThermometerDevice(identity, bench.simulation.thermometer, world, seeded_rng(seed, "thermometer"))
>>> dev.handle("FETC? 1")
'37.0012'
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mimedi_qual.profiles.bench import Identity, SimulatedThermometer
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError
from mimedi_qual.simbench.world import SimulatedWorld

CHANNELS = ("1",)


class ThermometerDevice(ScpiDevice):
    def __init__(self, identity: Identity, spec: SimulatedThermometer,
                 world: SimulatedWorld, rng: np.random.Generator):
        super().__init__(idn=identity.as_idn())
        self.world = world
        self.spec = spec
        self.rng = rng
        self.register("FETCh?", self._fetch)
        self.register("MEASure:TEMPerature?", lambda a: self._reading())
        self.register("SYSTem:DATE?", lambda a: dt.datetime.now(dt.timezone.utc).strftime("%Y,%m,%d"))

    def _reading(self) -> str:
        noise = self.rng.normal(0.0, self.spec.noise_c) if self.spec.noise_c else 0.0
        return f"{self.world.culture.temperature_c + self.spec.offset_c + noise:.4f}"

    def _fetch(self, args: list[str]) -> str:
        channel = args[0] if args else "1"
        if channel not in CHANNELS:
            raise ScpiError(ILLEGAL_PARAMETER, f"no channel {channel}")
        return self._reading()
