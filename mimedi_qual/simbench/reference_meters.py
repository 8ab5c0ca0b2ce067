"""SCPI command sets of the simulated single-purpose reference meters.

Each reads the twin's true value at the current virtual time through its own
error model (``simulation.reference.<instrument name>.<quantity>`` in the
bench profile: offset and noise, seeded per instrument and quantity):

==========================  ===============================================  =========================
kind                        commands                                         quantity keys
==========================  ===============================================  =========================
``ph_do_meter``             ``MEAS:PH?``, ``MEAS:DO?`` (% air sat),          ``ph``, ``do_pct``,
                            ``MEAS:TEMP?``                                   ``temperature_c``
``gas_analyzer``            ``MEAS:CO2?`` (% vol in the bag's overlay gas)   ``co2_pct``
``tachometer``              ``MEAS:SPEed?`` (rpm of the rocker)              ``speed_rpm``
==========================  ===============================================  =========================

>>> meter = PhDoMeterDevice(identity, world, "phdo")
>>> meter.handle("MEAS:PH?")
'7.204'
"""

from __future__ import annotations

from mimedi_qual.profiles.bench import Identity, SimulatedProbe
from mimedi_qual.simbench.scpi import ScpiDevice
from mimedi_qual.simbench.error_model import Reading, seeded_rng
from mimedi_qual.simbench.world import SimulatedWorld


class ReferenceMeter(ScpiDevice):
    """A meter whose every query is one quantity of the twin through one error model."""

    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(idn=identity.as_idn())
        self.world = world
        self.name = name
        self._errors = world.sim.reference.get(name, {})
        self.quantities: set[str] = set()

    def quantity(self, header: str, key: str, true_value, fmt: str, minimum: float | None = None) -> None:
        """Declare ``header`` as reading ``true_value()`` with the error model ``key``."""
        self.quantities.add(key)
        reading = Reading(self._errors.get(key, SimulatedProbe()), seeded_rng(self.world.seed, f"{self.name}:{key}"))

        def read(args: list[str]) -> str:
            value = reading(true_value())
            return fmt.format(value if minimum is None else max(minimum, value))

        self.register(header, read)


    def check_error_models(self) -> None:
        """Every error model in the profile must belong to a quantity this meter reads."""
        unknown = sorted(set(self._errors) - self.quantities)
        if unknown:
            raise ValueError(f"simulation.reference.{self.name}: {', '.join(unknown)} not read by this instrument "
                             f"(it reads {', '.join(sorted(self.quantities))})")


class PhDoMeterDevice(ReferenceMeter):
    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(identity, world, name)
        culture = world.culture
        self.quantity("MEASure:PH?", "ph", lambda: culture.ph, "{:.3f}")
        self.quantity("MEASure:DO?", "do_pct", lambda: culture.do_pct_air_sat, "{:.2f}", minimum=0.0)
        self.quantity("MEASure:TEMPerature?", "temperature_c", lambda: culture.temperature_c, "{:.2f}")


class GasAnalyzerDevice(ReferenceMeter):
    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(identity, world, name)
        culture = world.culture
        self.quantity("MEASure:CO2?", "co2_pct", lambda: 100.0 * culture.state["headspace_co2_fraction"], "{:.3f}",
                      minimum=0.0)


class TachometerDevice(ReferenceMeter):
    def __init__(self, identity: Identity, world: SimulatedWorld, name: str):
        super().__init__(identity, world, name)
        culture = world.culture
        self.quantity("MEASure:SPEed?", "speed_rpm", lambda: culture.rocking_rpm, "{:.2f}", minimum=0.0)
