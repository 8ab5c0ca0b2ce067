"""The simulated world: virtual clock, thermal twin and controller firmware in lockstep.

Time only moves when the simulation channel says so (``advance``). Each
control period the controller firmware reads its own probe, the compiled PID
computes the heater output, and the twin integrates the period with that
power — the loop the real machine runs, on an accelerated clock. Every
instrument reads the twin at the current virtual time.

>>> world = SimulatedWorld.from_profile(load_bench("profiles/benches/sim.yaml"))
>>> world.advance(3600.0)
>>> round(world.plant.temperature_c, 1)
37.0
"""

from __future__ import annotations

import zlib

import numpy as np

from mimedi_qual.control import TemperaturePID
from mimedi_qual.profiles.bench import BenchProfile, SimulatedController
from mimedi_qual.twin.thermal import ThermalModel, ThermalParameters


def seeded_rng(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible noise stream per instrument."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


class ControllerFirmware:
    """The bioreactor controller's regulatory loop around the compiled core."""

    def __init__(self, config: SimulatedController, rng: np.random.Generator):
        self.config = config
        self.rng = rng
        self.pid = TemperaturePID(config.kp, config.ki, config.kd, 0.0, 100.0)
        self.setpoint_c = config.initial_setpoint_c
        self.heater_pct = 0.0
        self.probe_c = float("nan")

    def read_probe(self, true_temperature_c: float) -> float:
        noise = self.rng.normal(0.0, self.config.probe_noise_c) if self.config.probe_noise_c else 0.0
        self.probe_c = true_temperature_c + self.config.probe_offset_c + noise
        return self.probe_c

    def control(self, true_temperature_c: float) -> float:
        """One control period: read the probe, return the heater output in %."""
        measured = self.read_probe(true_temperature_c)
        self.heater_pct = self.pid.step(self.setpoint_c, measured, self.config.control_period_s)
        return self.heater_pct


class SimulatedWorld:
    """Owner of virtual time; everything simulated reads its state."""

    def __init__(self, plant: ThermalModel, firmware: ControllerFirmware, seed: int):
        self.plant = plant
        self.firmware = firmware
        self.seed = seed
        self.time_s = 0.0

    @classmethod
    def from_profile(cls, bench: BenchProfile) -> SimulatedWorld:
        sim = bench.simulation
        if sim is None:
            raise ValueError(f"bench {bench.bench.id} has no simulation section")
        p = sim.plant
        plant = ThermalModel(
            ThermalParameters(
                mass_g=p.mass_g,
                ua_w_per_k=p.ua_w_per_k,
                heater_max_w=p.heater_max_w,
                ambient_c=p.ambient_c,
            ),
            temperature_c=p.initial_temperature_c,
        )
        firmware = ControllerFirmware(sim.controller, seeded_rng(sim.seed, "controller-probe"))
        return cls(plant, firmware, sim.seed)

    def advance(self, duration_s: float) -> None:
        """Run controller and twin in lockstep for ``duration_s`` of virtual time."""
        if duration_s < 0:
            raise ValueError("time only moves forward")
        period_s = self.firmware.config.control_period_s
        end_s = self.time_s + duration_s
        plant, firmware = self.plant, self.firmware
        while self.time_s + period_s <= end_s + 1e-9:
            heater_pct = firmware.control(plant.temperature_c)
            plant.step(period_s, plant.heater_power_w(heater_pct))
            self.time_s += period_s
        remainder_s = end_s - self.time_s
        if remainder_s > 1e-9:
            # A partial period: the heater keeps its last output (zero-order hold).
            plant.step(remainder_s, plant.heater_power_w(firmware.heater_pct))
            self.time_s = end_s

    def load_fresh_bag(self) -> None:
        """A new bag, filled with medium at room temperature, is placed on the plate."""
        self.plant.temperature_c = self.plant.params.ambient_c
