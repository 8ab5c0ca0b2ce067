"""Thermal: the first-order heat-up of the culture bag and the kept ThermalModel API."""

import math

import pytest

from mimedi_qual.twin.culture import Actuators, Culture
from mimedi_qual.twin.thermal import ThermalModel, ThermalParameters


def test_culture_heats_up_with_the_first_order_time_constant(profile):
    culture = Culture.from_profile(profile, temperature_c=22.0, viable_cells_per_ml=1e-9)
    p = culture.parameters
    heat_capacity_j_per_k = (culture.volume_ml * p["medium_density_g_per_ml"] * p["medium_heat_capacity_j_per_g_k"]
                             + p["tray_heat_capacity_j_per_k"])
    tau_s = heat_capacity_j_per_k / p["ua_w_per_k"]
    steady_c = p["ambient_c"] + 0.5 * p["heater_max_w"] / p["ua_w_per_k"]
    culture.advance(tau_s, Actuators(heater_pct=50.0))
    rise = (culture.temperature_c - 22.0) / (steady_c - 22.0)
    assert rise == pytest.approx(1.0 - math.exp(-1.0), abs=1e-3)
    culture.advance(9 * tau_s, Actuators(heater_pct=50.0))
    assert culture.temperature_c == pytest.approx(steady_c, abs=0.01)


def test_heater_power_holds_37_c_at_the_steady_loss(profile):
    culture = Culture.from_profile(profile)
    p = culture.parameters
    hold_pct = 100.0 * p["ua_w_per_k"] * (37.0 - p["ambient_c"]) / p["heater_max_w"]
    culture.advance(6 * 3600.0, Actuators(heater_pct=hold_pct))
    assert culture.temperature_c == pytest.approx(37.0, abs=1e-6)


def test_thermal_model_api_used_by_the_simulated_controller():
    bag = ThermalModel(ThermalParameters(mass_g=1000, ua_w_per_k=1.5, heater_max_w=60, ambient_c=22.0),
                       temperature_c=22.0)
    assert bag.heater_power_w(50.0) == 30.0
    assert bag.heater_power_w(150.0) == 60.0
    bag.step(60.0, heater_w=30.0)
    assert bag.temperature_c == pytest.approx(22.426, abs=1e-3)
    bag.heater_failed = True
    assert bag.heater_power_w(100.0) == 0.0
