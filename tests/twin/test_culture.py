"""The composed culture: compiled = reference, speed, volumes/pumps/load cell, and each plant fault."""

import time
from dataclasses import replace

import pytest

from mimedi_qual.twin.culture import Actuators, Culture, CultureFault

HOLD = Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0, o2_enrichment_pct=20.0)


def test_compiled_kernel_matches_the_pure_python_reference(profile):
    compiled = Culture.from_profile(profile, seed=3, viable_cells_per_ml=4e6)
    reference = Culture.from_profile(profile, seed=3, viable_cells_per_ml=4e6, pure_python=True)
    assert not compiled.pure_python and reference.pure_python
    plan = [
        (1800.0, Actuators(heater_pct=80.0, co2_valve_pct=30.0, feed_ml_min=5.0, rocking_rpm=15.0)),
        (1800.0, Actuators(heater_pct=10.0, co2_valve_pct=70.0, base_ml_min=0.3, perfusion_ml_min=1.0,
                           rocking_rpm=25.0, rocking_angle_deg=9.0, o2_enrichment_pct=60.0)),
        (600.0, None),   # faults on
        (1200.0, HOLD),
    ]
    for duration_s, actuators in plan:
        if actuators is None:
            for c in (compiled, reference):
                c.inject(CultureFault.DOOR_OPEN)
                c.inject(CultureFault.CO2_SUPPLY_LOST)
                c.inject(CultureFault.O2_SUPPLY_LOST)
                c.advance(duration_s, HOLD, dt_s=2.0)
            continue
        compiled.advance(duration_s, actuators)
        reference.advance(duration_s, actuators)
    for name, value in reference.state.items():
        assert compiled.state[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_fourteen_days_at_one_second_runs_compiled(profile):
    culture = Culture.from_profile(profile)
    start = time.perf_counter()
    culture.advance(14 * 86400.0, HOLD, dt_s=1.0)        # 1 209 600 steps
    elapsed_s = time.perf_counter() - start
    assert culture.time_s == pytest.approx(14 * 86400.0)
    # ~0.3 s on the 2-core CI machine; the bound only catches a Python fallback (~100 s).
    assert elapsed_s < 5.0


def test_advance_ends_exactly_on_the_duration(profile):
    culture = Culture.from_profile(profile)
    culture.advance(10.5, HOLD, dt_s=1.0)
    assert culture.time_s == pytest.approx(10.5)
    culture.step(0.25, HOLD)
    assert culture.time_s == pytest.approx(10.75)
    with pytest.raises(ValueError):
        culture.advance(-1.0, HOLD)


def test_feed_adds_volume_and_load_cell_mass_perfusion_does_not(profile):
    culture = Culture.from_profile(profile, volume_ml=300.0)
    p = culture.parameters
    assert culture.mass_g == pytest.approx(profile.vessel.bag_tare_g.value + 300.0 * p["medium_density_g_per_ml"])
    culture.advance(600.0, Actuators(feed_ml_min=10.0, perfusion_ml_min=2.0))
    assert culture.volume_ml == pytest.approx(400.0)
    assert culture.mass_g == pytest.approx(profile.vessel.bag_tare_g.value + 400.0 * p["medium_density_g_per_ml"])
    reading = culture.reading()
    assert reading.feed_delivered_ml == pytest.approx(100.0)
    assert reading.perfusion_delivered_ml == pytest.approx(20.0)
    assert reading.feed_flow_ml_min == 10.0


def test_perfusion_keeps_cells_and_renews_glucose(profile):
    hold = dict(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0, o2_enrichment_pct=40.0)
    batch = Culture.from_profile(profile, viable_cells_per_ml=3e6)
    perfused = Culture.from_profile(profile, viable_cells_per_ml=3e6)
    batch.advance(86400.0, Actuators(**hold))
    perfused.advance(86400.0, Actuators(perfusion_ml_min=0.5, **hold))
    assert perfused.volume_ml == batch.volume_ml
    assert perfused.viable_cells_per_ml == pytest.approx(batch.viable_cells_per_ml, rel=0.02)
    assert perfused.glucose_mm > batch.glucose_mm + 0.5
    assert perfused.lactate_mm < batch.lactate_mm


def test_remove_volume_takes_liquid_not_concentration(profile):
    culture = Culture.from_profile(profile, volume_ml=500.0)
    density = culture.viable_cells_per_ml
    culture.remove_volume(100.0)
    assert culture.volume_ml == 400.0 and culture.viable_cells_per_ml == density
    with pytest.raises(ValueError):
        culture.remove_volume(1000.0)


# ---------------------------------------------------------------- plant faults

def test_heater_failure_cools_the_culture_towards_ambient(profile):
    culture = Culture.from_profile(profile)
    culture.inject(CultureFault.HEATER_FAILED)
    culture.advance(3600.0, HOLD)
    assert culture.heater_w == 0.0
    assert culture.temperature_c < 35.0
    culture.advance(48 * 3600.0, HOLD)
    assert culture.temperature_c == pytest.approx(profile.thermal.ambient_c.value, abs=0.1)
    culture.clear(CultureFault.HEATER_FAILED)
    assert culture.active_faults == frozenset()
    culture.advance(60.0, HOLD)
    assert culture.heater_w > 0.0


def test_door_open_increases_heat_loss(profile):
    closed, opened = Culture.from_profile(profile), Culture.from_profile(profile)
    opened.inject(CultureFault.DOOR_OPEN)
    for c in (closed, opened):
        c.advance(2 * 3600.0, HOLD)
    assert closed.temperature_c == pytest.approx(37.0, abs=0.05)
    assert opened.temperature_c < 33.0


@pytest.mark.parametrize("fault, actuators, flow", [
    (CultureFault.BASE_PUMP_OCCLUDED, Actuators(base_ml_min=1.0), "base"),
    (CultureFault.FEED_PUMP_OCCLUDED, Actuators(feed_ml_min=1.0), "feed"),
    (CultureFault.PERFUSION_PUMP_OCCLUDED, Actuators(perfusion_ml_min=1.0), "perfusion"),
])
def test_pump_occlusion_stops_that_pump_only(profile, fault, actuators, flow):
    culture = Culture.from_profile(profile)
    both = Actuators(base_ml_min=1.0, feed_ml_min=1.0, perfusion_ml_min=1.0)
    culture.inject(fault)
    culture.advance(600.0, both)
    r = culture.reading()
    assert getattr(r, f"{flow}_flow_ml_min") == 0.0
    assert getattr(r, f"{flow}_delivered_ml") == 0.0
    others = {"base", "feed", "perfusion"} - {flow}
    for other in others:
        assert getattr(r, f"{other}_delivered_ml") == pytest.approx(10.0)


def test_a_lost_co2_cylinder_strips_the_co2_with_the_air_still_flowing_and_the_ph_rises(profile):
    """CO2 lost: the air (and its O2 enrichment) keeps flowing, the CO2 is stripped, pH goes where air takes it."""
    culture = Culture.from_profile(profile, viable_cells_per_ml=2e6)
    never_co2 = Culture.from_profile(profile, viable_cells_per_ml=2e6)
    for c in (culture, never_co2):
        c.advance(3600.0, HOLD)
    before = culture.reading()
    culture.inject(CultureFault.CO2_SUPPLY_LOST)
    culture.advance(2 * 3600.0, HOLD)
    never_co2.advance(2 * 3600.0, replace(HOLD, co2_valve_pct=0.0))
    r = culture.reading()
    assert r.gas_inflow_ml_min == profile.gas_transfer.gas_flow_ml_min.value   # not the vent's trickle
    assert before.headspace_co2_pct > 9.0 and r.headspace_co2_pct < 0.15      # ~8 exchanges: towards the air's 0.04 %
    assert r.ph > before.ph + 0.7
    # the valve's command no longer matters: exactly the culture whose valve stayed shut (air-equilibrated)
    assert culture.state == never_co2.state
    # the O2 side is untouched: the enriched air now fills what the CO2 took, DO does not fall
    air = profile.gas_transfer.air_o2_fraction.value
    # (less the little the cells take up)
    assert r.headspace_o2_pct == pytest.approx(100.0 * (air + (1.0 - air) * 0.20), rel=0.01)
    assert r.headspace_o2_pct > before.headspace_o2_pct and r.do_pct_air_sat >= before.do_pct_air_sat
    culture.clear(CultureFault.CO2_SUPPLY_LOST)
    culture.advance(2 * 3600.0, HOLD)
    assert culture.reading().headspace_co2_pct > 9.0                            # cylinder back: CO2 back


def test_a_lost_o2_cylinder_removes_the_enrichment_and_the_do_falls_to_what_air_gives(profile):
    enriched = Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0, o2_enrichment_pct=80.0)
    culture = Culture.from_profile(profile, viable_cells_per_ml=6e6)
    air_only = Culture.from_profile(profile, viable_cells_per_ml=6e6)
    for c in (culture, air_only):
        c.advance(2 * 3600.0, enriched)
    before = culture.reading()
    culture.inject(CultureFault.O2_SUPPLY_LOST)
    culture.advance(6 * 3600.0, enriched)
    air_only.advance(6 * 3600.0, replace(enriched, o2_enrichment_pct=0.0))
    r = culture.reading()
    assert r.gas_inflow_ml_min == profile.gas_transfer.gas_flow_ml_min.value
    assert r.do_pct_air_sat < before.do_pct_air_sat - 30.0
    assert culture.state == air_only.state                    # exactly what air alone gives
    # the CO2 side is untouched: still blended, the pH held
    assert r.headspace_co2_pct == pytest.approx(before.headspace_co2_pct, abs=0.3)
    assert r.ph == pytest.approx(before.ph, abs=0.1)


def test_both_cylinders_lost_leave_plain_air_flowing(profile):
    culture = Culture.from_profile(profile)
    culture.inject(CultureFault.CO2_SUPPLY_LOST)
    culture.inject(CultureFault.O2_SUPPLY_LOST)
    culture.advance(3600.0, HOLD)
    r = culture.reading()
    assert r.gas_inflow_ml_min == profile.gas_transfer.gas_flow_ml_min.value
    assert r.headspace_o2_pct == pytest.approx(100.0 * profile.gas_transfer.air_o2_fraction.value, rel=0.01)
    assert r.headspace_co2_pct < 0.5               # only what the medium still gives off


def test_power_loss_stops_every_actuator(profile):
    culture = Culture.from_profile(profile, viable_cells_per_ml=6e6)
    running = Actuators(heater_pct=40.0, co2_valve_pct=50.0, base_ml_min=0.1, feed_ml_min=1.0,
                        perfusion_ml_min=1.0, rocking_rpm=20.0, o2_enrichment_pct=50.0)
    culture.advance(3600.0, running)
    do_running = culture.do_pct_air_sat
    culture.inject(CultureFault.POWER_LOST)
    culture.advance(3 * 3600.0, running)
    r = culture.reading()
    assert (r.heater_w, r.rocking_rpm, r.base_flow_ml_min, r.feed_flow_ml_min, r.perfusion_flow_ml_min) == (0.0,) * 5
    assert r.temperature_c < 33.0                 # the culture cools
    assert r.do_pct_air_sat < 0.1 * do_running    # a still bag at 6e6 cells/mL runs out of O2
    culture.clear(CultureFault.POWER_LOST)
    culture.advance(3600.0, running)
    assert culture.rocking_rpm == 20.0 and culture.do_pct_air_sat > 20.0


def test_unknown_fault_is_refused(profile):
    culture = Culture.from_profile(profile)
    with pytest.raises(ValueError):
        culture.inject("meteor_strike")


# ---------------------------------------------------------------- construction and determinism

def test_same_seed_same_donor_other_seed_plausibly_different(profile):
    a, again, b = (Culture.from_profile(profile, seed=s) for s in (1, 1, 2))
    nominal = Culture.from_profile(profile)
    assert a.parameters == again.parameters
    for name in ("mu_max_per_d", "lag_h", "q_o2_pmol_per_cell_h"):
        assert a.parameters[name] != b.parameters[name]
        assert 0.5 < a.parameters[name] / nominal.parameters[name] < 2.0
    a.advance(86400.0, HOLD)
    again.advance(86400.0, HOLD)
    assert a.state == again.state


def test_bench_overrides_and_imposed_state(profile):
    culture = Culture.from_profile(profile, overrides={"ambient_c": 18.0, "ua_w_per_k": 3.0})
    assert culture.parameters["ambient_c"] == 18.0
    culture.set_state(temperature_c=22.0)
    assert culture.temperature_c == 22.0
    culture.inject(CultureFault.HEATER_FAILED)
    culture.advance(48 * 3600.0, HOLD)
    assert culture.temperature_c == pytest.approx(18.0, abs=0.05)
    with pytest.raises(KeyError):
        Culture.from_profile(profile, overrides={"ua": 3.0})
    with pytest.raises(KeyError):
        culture.set_state(temperature=22.0)


def test_overfilling_past_the_working_volume_is_visible(profile):
    culture = Culture.from_profile(profile, volume_ml=990.0)
    assert not culture.overfilled
    culture.advance(120.0, Actuators(feed_ml_min=10.0))
    assert culture.volume_ml == pytest.approx(1010.0)
    assert culture.overfilled


def test_an_empty_bag_of_medium_is_a_valid_culture_and_nonsense_is_refused(profile):
    medium = Culture.from_profile(profile, viable_cells_per_ml=0.0)
    medium.advance(3600.0, HOLD)
    assert medium.viability == 0.0 and medium.glucose_mm == profile.metabolism.medium_glucose_mm.value
    with pytest.raises(ValueError):
        Culture.from_profile(profile, volume_ml=0.0)
    with pytest.raises(ValueError):
        Culture.from_profile(profile, viability=0.0)
