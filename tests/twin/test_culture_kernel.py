"""The compiled kernel equals its pure-Python reference for any actuators, faults and step."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimedi_qual.twin.culture import Actuators, Culture, CultureFault
from mimedi_qual.twin.parameters import load_twin_profile

PROFILE = load_twin_profile()

actuators = st.builds(
    Actuators,
    heater_pct=st.floats(-10.0, 120.0),
    co2_valve_pct=st.floats(-10.0, 120.0),
    base_ml_min=st.floats(0.0, 2.0),
    feed_ml_min=st.floats(0.0, 20.0),
    perfusion_ml_min=st.floats(0.0, 5.0),
    rocking_rpm=st.floats(0.0, 50.0),
    rocking_angle_deg=st.floats(0.0, 15.0),
    o2_enrichment_pct=st.floats(0.0, 100.0),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(st.tuples(actuators, st.sets(st.sampled_from(list(CultureFault))),
                               st.sampled_from([0.5, 1.0, 10.0, 60.0])), min_size=1, max_size=4),
       density=st.floats(1e5, 2e7), seed=st.integers(0, 2**32 - 1))
def test_compiled_equals_reference(plan, density, seed):
    compiled = Culture.from_profile(PROFILE, seed=seed, viable_cells_per_ml=density)
    reference = Culture.from_profile(PROFILE, seed=seed, viable_cells_per_ml=density, pure_python=True)
    for acts, faults, dt_s in plan:
        for c in (compiled, reference):
            for fault in CultureFault:
                (c.inject if fault in faults else c.clear)(fault)
            c.advance(300.0, acts, dt_s=dt_s)
    for name, value in reference.state.items():
        assert compiled.state[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


GAS_FAULTS = (CultureFault.CO2_SUPPLY_LOST, CultureFault.O2_SUPPLY_LOST,
              CultureFault.NITROGEN_PURGE, CultureFault.POWER_LOST)


@pytest.mark.parametrize("gas_faults", [frozenset(f for f, on in zip(GAS_FAULTS, mask) if on)
                                        for mask in itertools.product((False, True), repeat=len(GAS_FAULTS))],
                         ids=lambda fs: "+".join(sorted(f.name for f in fs)) or "none")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=actuators, during=actuators, density=st.floats(1e5, 2e7),
       dt_s=st.sampled_from([0.5, 1.0, 10.0, 60.0]), seed=st.integers(0, 2**32 - 1))
def test_every_combination_of_gas_faults_runs_the_same_in_c_and_in_the_reference(gas_faults, before, during,
                                                                                   density, dt_s, seed):
    """Each cylinder lost on its own, with the purge and power loss: every one of the 16 combinations."""
    compiled = Culture.from_profile(PROFILE, seed=seed, viable_cells_per_ml=density)
    reference = Culture.from_profile(PROFILE, seed=seed, viable_cells_per_ml=density, pure_python=True)
    for c in (compiled, reference):
        c.advance(300.0, before, dt_s=dt_s)
        for fault in gas_faults:
            c.inject(fault)
        c.advance(600.0, during, dt_s=dt_s)
        for fault in gas_faults:
            c.clear(fault)
        c.advance(300.0, before, dt_s=dt_s)
    for name, value in reference.state.items():
        assert compiled.state[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


def test_a_60_s_step_stays_close_to_a_1_s_step():
    fine, coarse = Culture.from_profile(PROFILE, viable_cells_per_ml=3e6), Culture.from_profile(PROFILE, viable_cells_per_ml=3e6)
    plan = Actuators(heater_pct=37.5, co2_valve_pct=50.0, perfusion_ml_min=0.5, rocking_rpm=15.0, o2_enrichment_pct=30.0)
    fine.advance(2 * 86400.0, plan, dt_s=1.0)
    coarse.advance(2 * 86400.0, plan, dt_s=60.0)
    for name in ("temperature_c", "viable_cells_per_ml", "glucose_mm", "dissolved_o2_um", "dissolved_co2_mm"):
        assert coarse.state[name] == pytest.approx(fine.state[name], rel=0.01), name
    assert coarse.ph == pytest.approx(fine.ph, abs=0.005)
