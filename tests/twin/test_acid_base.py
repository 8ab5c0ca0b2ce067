"""pH through the bicarbonate/CO2 buffer ([HH]), alone and inside the culture."""

import pytest

from mimedi_qual.twin.acid_base import bicarbonate_for_ph, ph_from_pco2
from mimedi_qual.twin.culture import Actuators, Culture

DRY_5PCT_CO2_MMHG = 0.05 * (760.0 - 47.0)   # 5 % CO2 in gas saturated with water at 37 °C


def test_domain_fact_23_8_mm_bicarbonate_at_5pct_co2_is_ph_7_45():
    assert ph_from_pco2(23.8, DRY_5PCT_CO2_MMHG) == pytest.approx(7.45, abs=0.01)


def test_bicarbonate_for_ph_inverts_henderson_hasselbalch():
    assert bicarbonate_for_ph(7.45, DRY_5PCT_CO2_MMHG) == pytest.approx(23.8, rel=0.01)
    assert ph_from_pco2(bicarbonate_for_ph(7.1, 40.0), 40.0) == pytest.approx(7.1)


def test_cell_free_medium_under_5pct_co2_settles_at_ph_7_45(profile):
    # Start the medium degassed (1 % CO2) so the test shows the gas transfer bringing it there.
    culture = Culture.from_profile(profile, viable_cells_per_ml=1e-9, co2_fraction=0.01)
    assert culture.ph > 7.9
    five_pct_valve = 100.0 * 0.05 / culture.parameters["co2_valve_full_scale_fraction"]
    culture.advance(12 * 3600.0, Actuators(heater_pct=40.0, co2_valve_pct=five_pct_valve, rocking_rpm=10.0))
    assert culture.state["headspace_co2_fraction"] == pytest.approx(0.05, abs=5e-4)   # + the air's own 0.04 %
    assert culture.pco2_mmhg == pytest.approx(DRY_5PCT_CO2_MMHG, rel=0.01)
    assert culture.ph == pytest.approx(7.45, abs=0.01)


def test_more_co2_lowers_ph_and_base_raises_it(profile):
    hold = dict(heater_pct=40.0, rocking_rpm=10.0)
    low, high, based = (Culture.from_profile(profile, viable_cells_per_ml=1e-9) for _ in range(3))
    low.advance(6 * 3600.0, Actuators(co2_valve_pct=50.0, **hold))
    high.advance(6 * 3600.0, Actuators(co2_valve_pct=80.0, **hold))
    based.advance(6 * 3600.0, Actuators(co2_valve_pct=50.0, base_ml_min=0.05, **hold))
    assert high.ph < low.ph - 0.15
    assert based.ph > low.ph + 0.05
    assert based.bicarbonate_mm > low.bicarbonate_mm


def test_lactate_acidifies_the_culture(profile):
    culture = Culture.from_profile(profile, viable_cells_per_ml=2e6)
    culture.advance(3 * 86400.0, Actuators(heater_pct=40.0, co2_valve_pct=50.0, rocking_rpm=10.0,
                                           o2_enrichment_pct=50.0))
    assert culture.lactate_mm > 1.0
    # each lactic acid titrates one bicarbonate
    assert culture.bicarbonate_mm == pytest.approx(23.8 - culture.lactate_mm, abs=0.05)
    assert culture.ph < 7.40
