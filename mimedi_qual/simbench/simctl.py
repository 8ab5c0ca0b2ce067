"""The simulation-only control channel.

Not part of any device: it is how the harness's *simulated* clock and
fault-injection drivers reach the twin, the way a test engineer's hands reach
a real bench. A real bench has no such port; its clock driver sleeps instead.

==============================  =============================================
``SIMulation:TIME?``            virtual time in seconds
``SIMulation:ADVance <s>``      run controller and twin for <s> seconds
``SIMulation:BAG:LOAD``         a fresh bag at room temperature
``SIMulation:PLANt:TEMPerature?`` true culture temperature (for diagnostics)
==============================  =============================================
"""

from __future__ import annotations

from mimedi_qual.simbench.scpi import ILLEGAL_PARAMETER, ScpiDevice, ScpiError, parse_float
from mimedi_qual.simbench.world import SimulatedWorld

MAX_ADVANCE_S = 30 * 24 * 3600.0


class SimulationControlDevice(ScpiDevice):
    def __init__(self, world: SimulatedWorld):
        super().__init__(idn="MIMEDI-QUAL,SIMCTL,0,0.1.0")
        self.world = world
        self.register("SIMulation:TIME?", lambda a: f"{world.time_s:.3f}")
        self.register("SIMulation:ADVance", self._advance)
        self.register("SIMulation:BAG:LOAD", lambda a: world.load_fresh_bag())
        self.register("SIMulation:PLANt:TEMPerature?", lambda a: f"{world.plant.temperature_c:.6f}")

    def _advance(self, args: list[str]) -> None:
        duration_s = parse_float(args[0], "duration")
        if not 0 <= duration_s <= MAX_ADVANCE_S:
            raise ScpiError(ILLEGAL_PARAMETER, f"advance {duration_s} s outside 0..{MAX_ADVANCE_S}")
        self.world.advance(duration_s)
