"""Thermal model of the culture bag on its heater plate.

First-order energy balance (UA has no published value: it is identified from a heating step)::

    m·c_p · dT/dt = P_heater − UA · (T − T_ambient)

integrated *exactly* over each step (the heater power is held constant over
the step), so any step length is stable:

    T_ss  = T_ambient + P / UA
    T(t+dt) = T_ss + (T(t) − T_ss) · exp(−dt · UA / (m·c_p))

The expansion culture (``culture.py``) integrates this same balance inside
its compiled step, with the heat capacity of its current liquid volume plus
the tray, and a door-open fault multiplying ``UA``. This standalone model is
what the simulated controller's thermal-only plant uses.

>>> bag = ThermalModel(ThermalParameters(mass_g=1000, ua_w_per_k=1.5,
...                    heater_max_w=60, ambient_c=22.0), temperature_c=22.0)
>>> bag.step(60.0, heater_w=30.0)
>>> round(bag.temperature_c, 3)
22.426
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WATER_HEAT_CAPACITY_J_PER_G_K = 4.18  # water c_p


@dataclass(frozen=True)
class ThermalParameters:
    """Physical parameters of the bag, medium and heater."""

    mass_g: float
    ua_w_per_k: float
    heater_max_w: float
    ambient_c: float
    heat_capacity_j_per_g_k: float = WATER_HEAT_CAPACITY_J_PER_G_K

    @property
    def heat_capacity_j_per_k(self) -> float:
        return self.mass_g * self.heat_capacity_j_per_g_k

    @property
    def time_constant_s(self) -> float:
        return self.heat_capacity_j_per_k / self.ua_w_per_k


class ThermalModel:
    """Culture temperature evolving under heater power and ambient loss."""

    def __init__(self, params: ThermalParameters, temperature_c: float):
        self.params = params
        self.temperature_c = float(temperature_c)
        self.heater_failed = False

    def heater_power_w(self, heater_pct: float) -> float:
        """Heater power for a command in percent (clamped, zero if failed)."""
        if self.heater_failed:
            return 0.0
        return self.params.heater_max_w * min(max(heater_pct, 0.0), 100.0) / 100.0

    def step(self, dt_s: float, heater_w: float) -> None:
        """Advance ``dt_s`` seconds with constant heater power."""
        p = self.params
        steady_c = p.ambient_c + heater_w / p.ua_w_per_k
        decay = math.exp(-dt_s / p.time_constant_s)
        self.temperature_c = steady_c + (self.temperature_c - steady_c) * decay
