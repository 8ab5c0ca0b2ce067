"""SCPI command set of the simulated DMM (a Keysight 34465A-like meter) wired to the bench's utilities.

``MEASure:VOLTage:AC?`` reads the mains; ``MEASure:VOLTage:DC? <ch>`` reads a
gas-supply pressure transducer (1 V per bar; channel 1 CO2, channel 2 O2 —
``GAS_LOSS`` drops it to 0). ``CONFigure[:VOLTage:AC|:VOLTage:DC <ch>]`` then
``READ?`` takes a reading of the configured function. Values and noise come
from ``simulation.utilities`` in the bench profile.

>>> dmm = MultimeterDevice(identity, world, "dmm")
>>> dmm.handle("CONF:VOLT:DC 1;READ?")
'1.5012'
"""

from __future__ import annotations

from mimedi_qual.profiles.bench import Identity
from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError
from mimedi_qual.simbench.error_model import seeded_rng
from mimedi_qual.simbench.world import SimulatedWorld

VOLTS_PER_BAR = 1.0
GAS_OF_CHANNEL = {"1": "CO2", "2": "O2"}


class MultimeterDevice(ScpiDevice):
    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(idn=identity.as_idn())
        self.world = world
        self.rng = seeded_rng(world.seed, f"{name}:readings")
        self.function: tuple[str, str] = ("AC", "")
        self.register("MEASure:VOLTage:AC?", lambda a: self._ac())
        self.register("MEASure:VOLTage:DC?", lambda a: self._dc(a[0] if a else "1"))
        self.register("CONFigure:VOLTage:AC", lambda a: self._configure("AC", ""))
        self.register("CONFigure:VOLTage:DC", lambda a: self._configure("DC", a[0] if a else "1"))
        self.register("CONFigure", lambda a: self._configure("AC", ""))
        self.register("CONFigure?", lambda a: f'"VOLT:{self.function[0]} {self.function[1]}"'.replace(" \"", "\""))
        self.register("READ?", lambda a: self._ac() if self.function[0] == "AC" else self._dc(self.function[1]))

    def _configure(self, function: str, channel: str) -> None:
        if function == "DC" and channel not in GAS_OF_CHANNEL:
            raise ScpiError(ILLEGAL_PARAMETER, f"no channel {channel}")
        self.function = (function, channel)

    def _ac(self) -> str:
        u = self.world.sim.utilities
        mains_v = u.mains_v if self.world.mains_ok else 0.0
        return f"{mains_v + self.rng.normal(0.0, u.mains_noise_v):.2f}"

    def _dc(self, channel: str) -> str:
        if channel not in GAS_OF_CHANNEL:
            raise ScpiError(ILLEGAL_PARAMETER, f"no channel {channel}")
        u = self.world.sim.utilities
        bar = self.world.supply_pressure_bar(GAS_OF_CHANNEL[channel])
        return f"{VOLTS_PER_BAR * bar + self.rng.normal(0.0, u.pressure_noise_bar * VOLTS_PER_BAR):.4f}"
