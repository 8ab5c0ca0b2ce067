"""The OQ challenges on the culture: nitrogen on the gas inlets, an acid bolus through the sample port.

Both exist so that the low-DO and low-pH alarms can be forced by causing
their condition. The nitrogen purge is a plant fault of the kernel and must
run identically in C and in the pure-Python reference; the acid bolus is an
operation on the bag (``Culture.add_acid``) with the chemistry of the
culture's own lactic acid: each proton turns one bicarbonate into dissolved CO2.
"""

import math

import pytest

from mimedi_qual.twin.acid_base import MIN_CONCENTRATION_MM
from mimedi_qual.twin.culture import Actuators, Culture, CultureFault
from mimedi_qual.twin.gas_transfer import inlet_gas

HOLD = Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0)
CASCADE_SATURATED = Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=40.0, o2_enrichment_pct=50.0)


# ---------------------------------------------------------------- nitrogen purge
def test_nitrogen_on_the_inlets_lets_no_o2_in_and_blends_co2_as_usual(profile):
    from mimedi_qual.twin.culture import culture_parameters

    p = culture_parameters(profile)
    flow, y_co2, y_o2 = inlet_gas(p, 50.0, 50.0, supply_available=True, nitrogen_purge=True)
    assert (flow, y_o2) == (p["gas_flow_ml_min"], 0.0)
    assert y_co2 == 0.5 * p["co2_valve_full_scale_fraction"]       # the valve's CO2; no air, so none of the air's
    # no supply at all: the vent filter breathes room air, purge or not
    assert inlet_gas(p, 50.0, 50.0, supply_available=False, nitrogen_purge=True) == \
        inlet_gas(p, 50.0, 50.0, supply_available=False)


def test_a_nitrogen_purge_drains_the_do_even_with_the_cascade_at_its_maximum(profile):
    culture = Culture.from_profile(profile, viable_cells_per_ml=1e6)
    culture.advance(3600.0, CASCADE_SATURATED)
    assert culture.do_pct_air_sat > 60.0
    co2_before = culture.reading().headspace_co2_pct
    culture.inject(CultureFault.NITROGEN_PURGE)
    culture.advance(1800.0, CASCADE_SATURATED)
    r = culture.reading()
    assert r.do_pct_air_sat < 20.0                          # below the DO_LOW limit within half an hour
    assert r.headspace_o2_pct < 5.0                         # ~3 exchanges of the headspace
    assert r.headspace_co2_pct == pytest.approx(co2_before, abs=0.3)   # CO2 blending unchanged
    culture.clear(CultureFault.NITROGEN_PURGE)
    culture.advance(3600.0, CASCADE_SATURATED)
    assert culture.do_pct_air_sat > 60.0                    # air and O2 back: DO back


def test_at_the_inlet_a_lost_cylinder_removes_only_its_gas_and_the_purge_still_lets_no_o2_in(profile):
    from mimedi_qual.twin.culture import culture_parameters

    p = culture_parameters(profile)
    air, flow, room_co2 = p["air_o2_fraction"], p["gas_flow_ml_min"], p["ambient_co2_fraction"]
    valve_co2 = 0.5 * p["co2_valve_full_scale_fraction"]
    _, y_co2, _ = inlet_gas(p, 50.0, 50.0, supply_available=True)
    assert y_co2 == pytest.approx(valve_co2 + (1.0 - valve_co2) * 0.5 * room_co2)   # the air's share brings its CO2
    assert inlet_gas(p, 50.0, 50.0, True, co2_lost=True) == pytest.approx(
        (flow, 0.5 * room_co2, air + (1.0 - air) * 0.5))
    assert inlet_gas(p, 50.0, 50.0, True, o2_lost=True) == pytest.approx(
        (flow, valve_co2 + (1.0 - valve_co2) * room_co2, (1.0 - valve_co2) * air))
    assert inlet_gas(p, 50.0, 50.0, True, co2_lost=True, o2_lost=True) == pytest.approx((flow, room_co2, air))
    # purge: N2 on the air/O2 inlets whatever the O2 cylinder (no air: no room CO2); with the CO2 lost too, pure N2
    assert inlet_gas(p, 50.0, 50.0, True, nitrogen_purge=True, o2_lost=True) == (flow, valve_co2, 0.0)
    assert inlet_gas(p, 50.0, 50.0, True, nitrogen_purge=True, co2_lost=True) == (flow, 0.0, 0.0)


@pytest.mark.parametrize("also", [(), (CultureFault.NITROGEN_PURGE,), (CultureFault.CO2_SUPPLY_LOST,),
                                  (CultureFault.O2_SUPPLY_LOST, CultureFault.NITROGEN_PURGE)])
def test_a_power_loss_overrides_the_purge_and_the_lost_cylinders(profile, also):
    """The mixer is unpowered: only the vent filter breathes room air, whatever else is lost or purged."""
    off_and_more = Culture.from_profile(profile)
    off = Culture.from_profile(profile)
    for fault in also:
        off_and_more.inject(fault)
    for culture in (off_and_more, off):
        culture.inject(CultureFault.POWER_LOST)
        culture.advance(3600.0, CASCADE_SATURATED)
    assert off_and_more.state == off.state
    assert off.reading().gas_inflow_ml_min == profile.gas_transfer.passive_vent_ml_min.value


def test_the_purge_runs_the_same_in_c_and_in_the_reference(profile):
    compiled = Culture.from_profile(profile, seed=5, viable_cells_per_ml=3e6)
    reference = Culture.from_profile(profile, seed=5, viable_cells_per_ml=3e6, pure_python=True)
    for culture in (compiled, reference):
        culture.advance(1200.0, HOLD, dt_s=2.0)
        culture.inject(CultureFault.NITROGEN_PURGE)
        culture.advance(1800.0, CASCADE_SATURATED, dt_s=2.0)
        culture.clear(CultureFault.NITROGEN_PURGE)
        culture.advance(600.0, HOLD, dt_s=2.0)
    assert CultureFault.NITROGEN_PURGE not in compiled.active_faults
    for name, value in reference.state.items():
        assert compiled.state[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


# ---------------------------------------------------------------- acid bolus
@pytest.mark.parametrize("pure_python", [False, True])
def test_an_acid_bolus_titrates_bicarbonate_to_co2_and_the_ph_drops(profile, pure_python):
    culture = Culture.from_profile(profile, volume_ml=800.0, pure_python=pure_python)
    before = culture.state
    ph_before = culture.ph
    consumed_mmol = culture.add_acid(8.0)
    after = culture.state
    assert consumed_mmol == pytest.approx(8.0)
    assert after["bicarbonate_mm"] == pytest.approx(before["bicarbonate_mm"] - 10.0)      # 8 mmol in 0.8 L
    assert after["dissolved_co2_mm"] == pytest.approx(before["dissolved_co2_mm"] + 10.0)  # carbon conserved
    assert {k: v for k, v in after.items() if k not in ("bicarbonate_mm", "dissolved_co2_mm")} == \
        {k: v for k, v in before.items() if k not in ("bicarbonate_mm", "dissolved_co2_mm")}
    assert culture.ph < ph_before - 1.0


def test_an_acid_beyond_the_buffer_leaves_the_floor_not_a_negative_concentration(profile):
    culture = Culture.from_profile(profile, volume_ml=1000.0)
    bicarbonate_mmol = culture.bicarbonate_mm
    assert culture.add_acid(10 * bicarbonate_mmol) == pytest.approx(bicarbonate_mmol)
    assert culture.bicarbonate_mm == MIN_CONCENTRATION_MM
    assert math.isfinite(culture.ph)


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_a_negative_or_missing_amount_of_acid_is_refused(profile, bad):
    culture = Culture.from_profile(profile)
    with pytest.raises(ValueError, match="acid bolus"):
        culture.add_acid(bad)


def test_after_an_acid_bolus_the_co2_leaves_and_the_ph_recovers(profile):
    culture = Culture.from_profile(profile, volume_ml=1000.0)
    no_co2 = Actuators(heater_pct=37.5, co2_valve_pct=0.0, rocking_rpm=10.0)
    culture.advance(3600.0, no_co2)
    culture.add_acid(5.0)
    low = culture.ph
    culture.advance(4 * 3600.0, no_co2)
    assert culture.ph > low + 0.5


# ---------------------------------------------------------------- the batch record replays a purge
def test_a_purge_in_the_bags_batch_record_reaches_the_replayed_expansion():
    """The QC lab replays the bag's plant events (qc_lab → run_process): a nitrogen purge starves the culture."""
    from mimedi_qual.twin.expansion import FaultEvent
    from mimedi_qual.twin.process import run_process
    from mimedi_qual.twin.recipe import Recipe

    short = Recipe(expansion_duration_d=3.0)
    nominal = run_process(short, seed=5)
    purged = run_process(short, seed=5, fault_events=(
        FaultEvent(at_s=86400.0, fault=CultureFault.NITROGEN_PURGE),
        FaultEvent(at_s=86400.0 + 6 * 3600.0, fault=CultureFault.NITROGEN_PURGE, active=False)))
    assert nominal.expansion.do_min_pct_air_sat > 20.0
    assert purged.expansion.do_min_pct_air_sat < 5.0
    assert purged.expansion.fold_expansion < nominal.expansion.fold_expansion


def test_a_lost_cylinder_in_the_bags_batch_record_reaches_the_replayed_expansion():
    """GAS_LOSS on the bench is a per-gas plant fault in the batch record; the replay acts on that gas only."""
    from mimedi_qual.twin.expansion import FaultEvent
    from mimedi_qual.twin.process import run_process
    from mimedi_qual.twin.recipe import Recipe

    short = Recipe(expansion_duration_d=3.0)
    nominal = run_process(short, seed=5)

    def lost(fault):
        return run_process(short, seed=5, fault_events=(
            FaultEvent(at_s=86400.0, fault=fault), FaultEvent(at_s=86400.0 + 6 * 3600.0, fault=fault, active=False)))

    co2_lost, o2_lost = lost(CultureFault.CO2_SUPPLY_LOST), lost(CultureFault.O2_SUPPLY_LOST)
    assert co2_lost.expansion.ph_max > nominal.expansion.ph_max + 0.3     # the air strips the CO2
    assert co2_lost.expansion.do_min_pct_air_sat == pytest.approx(nominal.expansion.do_min_pct_air_sat, abs=5.0)
    assert o2_lost.expansion.ph_max == pytest.approx(nominal.expansion.ph_max, abs=0.05)
    assert o2_lost.expansion.do_min_pct_air_sat <= nominal.expansion.do_min_pct_air_sat
