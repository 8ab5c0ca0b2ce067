"""Gas transfer: kLa against the published rocking-bag range, DO steady state against its closed form."""

import pytest

from mimedi_qual.twin.culture import Actuators, Culture
from mimedi_qual.twin.gas_transfer import kla_o2_per_h, o2_saturation_um, steady_state_o2_um


def test_kla_spans_the_published_rocking_bag_range(profile):
    p = Culture.from_profile(profile).parameters
    at_t_cell_settings = kla_o2_per_h(p, rpm=10.0, angle_deg=6.0)      # [Xuri] 10 rpm, 6°
    assert 0.8 <= at_t_cell_settings <= 3.7                             # [Bai, Bartczak] low rocking
    assert kla_o2_per_h(p, rpm=40.0, angle_deg=12.0) == pytest.approx(65.0, rel=0.1)   # [Bai]
    assert kla_o2_per_h(p, rpm=0.0, angle_deg=6.0) == p["kla_static_per_h"]
    speeds = [kla_o2_per_h(p, rpm, 6.0) for rpm in (5, 10, 15, 20, 30)]
    assert speeds == sorted(speeds)
    assert kla_o2_per_h(p, 10.0, 9.0) > kla_o2_per_h(p, 10.0, 6.0)


def test_domain_fact_50pct_do_at_1e10_cells_per_litre_needs_kla_22():
    # 1e10 cells/L · 0.2 pmol/cell/h = 2000 µM/h; C* 184 µM; half saturation left
    our_um_h = 1e7 * 0.2 * 1e-3
    assert steady_state_o2_um(22.0, 184.0, our_um_h, k_o2_um=0.0) == pytest.approx(92.0, rel=0.02)


def test_do_steady_state_equals_the_closed_form(profile):
    seeded = Culture.from_profile(profile, viable_cells_per_ml=3e6)
    # freeze the cells so the uptake is constant, then let DO settle at 20 rpm on air + 5 % CO2
    p = {**seeded.parameters, "mu_max_per_d": 0.0, "k_death_per_h": 0.0, "k_stress_death_per_h": 0.0}
    culture = Culture(p, seeded.state)
    culture.advance(4 * 3600.0, Actuators(heater_pct=40.0, co2_valve_pct=50.0, rocking_rpm=20.0))
    kla = culture.kla_per_h
    c_star = o2_saturation_um(p, culture.state["headspace_o2_fraction"])
    our_max = p["q_o2_pmol_per_cell_h"] * 1e-3 * culture.viable_cells_per_ml
    expected = steady_state_o2_um(kla, c_star, our_max, p["k_o2_um"])
    assert culture.dissolved_o2_um == pytest.approx(expected, rel=1e-3)
    assert 20.0 < culture.do_pct_air_sat < 90.0          # the test really has uptake in it


def test_o2_enrichment_and_faster_rocking_raise_do(profile):
    def do_after(**actuators):
        culture = Culture.from_profile(profile, viable_cells_per_ml=5e6)
        culture.advance(2 * 3600.0, Actuators(heater_pct=40.0, co2_valve_pct=50.0, **actuators))
        return culture.do_pct_air_sat

    base = do_after(rocking_rpm=10.0)
    assert do_after(rocking_rpm=10.0, o2_enrichment_pct=50.0) > base + 20.0
    assert do_after(rocking_rpm=20.0) > base + 20.0
    assert do_after(rocking_rpm=0.0) < 1.0            # a still bag at 5e6 cells/mL suffocates
