"""Selection, transduction, harvest, fill and QC assays, each on its own."""

import numpy as np
import pytest

from mimedi_qual.twin.fill import formulate_and_fill
from mimedi_qual.twin.harvest import harvest_and_wash
from mimedi_qual.twin.population import CellPopulation
from mimedi_qual.twin.qc_assays import run_release_assays
from mimedi_qual.twin.recipe import Recipe
from mimedi_qual.twin.selection import apheresis_population, select_t_cells
from mimedi_qual.twin.transduction import poisson_transduction, transduce_and_activate


def rng(seed=0):
    return np.random.default_rng(seed)


def test_selection_enriches_t_cells_and_loses_some(profile):
    apheresis = apheresis_population(5e9, cd3_fraction=0.5, viability=0.95, volume_ml=200.0)
    result = select_t_cells(apheresis, profile.selection, rng())
    assert apheresis.cd3_fraction == pytest.approx(0.5)
    assert result.purity > 0.9
    assert 0.3 < result.recovery < 0.9
    assert result.product.t_cells == pytest.approx(apheresis.t_cells * result.recovery)
    recoveries = [select_t_cells(apheresis, profile.selection, rng(s)).recovery for s in range(200)]
    assert np.mean(recoveries) == pytest.approx(profile.selection.target_recovery_mean.value *
                                                profile.selection.viability_retention.value, abs=0.02)


def test_transduction_at_moi_5_matches_zhu_and_vcn_stays_below_5(profile):
    efficiency, copies = poisson_transduction(5.0, profile.transduction.functional_titer_fraction.value)
    assert efficiency == pytest.approx(0.37, abs=0.01)       # [Zhu] ~37 %
    assert 1.0 < copies < 5.0                                 # [Castella/Kym] VCN <= 5
    assert poisson_transduction(0.0, 0.1) == (0.0, 0.0)
    more = poisson_transduction(20.0, profile.transduction.functional_titer_fraction.value)
    assert more[0] > efficiency and more[1] > copies


def test_transduction_costs_viable_cells_and_sets_car_fraction(profile):
    cells = CellPopulation(t_cells=3e8, other_cells=1e7, dead_cells=1e7, volume_ml=300.0)
    result = transduce_and_activate(cells, moi=5.0, p=profile.transduction, rng=rng())
    assert result.product.viable_cells == pytest.approx(cells.viable_cells * result.survival)
    assert result.product.total_cells == pytest.approx(cells.total_cells)
    assert result.product.car_positive_fraction == pytest.approx(result.efficiency * result.product.cd3_fraction)


def test_harvest_washes_lose_viable_cells_and_remove_dead_cells_and_endotoxin(profile):
    cells = CellPopulation(t_cells=9e9, other_cells=0.0, dead_cells=1e9, volume_ml=1000.0, endotoxin_eu=100.0)
    none = harvest_and_wash(cells, 0, profile.harvest, rng())
    two = harvest_and_wash(cells, 2, profile.harvest, rng())
    assert none.viable_recovery == 1.0 and none.product.endotoxin_eu == 100.0
    assert two.viable_recovery == pytest.approx(0.93 ** 2, abs=0.06)
    assert two.product.viability > cells.viability
    assert two.product.endotoxin_eu == pytest.approx(1.0)


def test_fill_meets_the_dose_at_the_formulated_concentration(profile):
    recipe = Recipe()
    cells = CellPopulation(t_cells=7e9, other_cells=0.0, dead_cells=5e8, volume_ml=50.0, endotoxin_eu=5.0)
    fill = formulate_and_fill(cells, recipe, profile.fill, rng())
    assert fill.dose_met
    assert len(fill.bag_volumes_ml) == 2 and max(fill.bag_volumes_ml) <= recipe.bag_volume_max_ml
    assert fill.volume_ml == pytest.approx(recipe.dose_viable_cells / recipe.formulation_cells_per_ml, rel=0.05)
    assert fill.product.viable_cells_per_ml == pytest.approx(recipe.formulation_cells_per_ml)
    short = formulate_and_fill(cells.scaled(0.3), recipe, profile.fill, rng())
    assert not short.dose_met


def test_qc_assays_scatter_around_the_truth(profile):
    product = CellPopulation(t_cells=4.5e9, other_cells=5e8, dead_cells=5e8, volume_ml=100.0,
                             transduced_fraction=0.4, vector_copies_per_transduced_cell=1.3, endotoxin_eu=20.0)
    results = [run_release_assays(product, profile.qc_assays, rng(s)) for s in range(300)]
    assert np.mean([r.viability for r in results]) == pytest.approx(product.viability, abs=0.005)
    assert np.mean([r.cd3_positive_fraction for r in results]) == pytest.approx(0.9, abs=0.005)
    assert np.mean([r.car_positive_fraction for r in results]) == pytest.approx(0.36, abs=0.005)
    assert np.mean([r.vector_copies_per_cell for r in results]) == pytest.approx(0.468, rel=0.03)
    assert np.mean([r.endotoxin_eu_per_ml for r in results]) == pytest.approx(0.2, rel=0.05)
    assert np.std([r.viable_cells_per_ml for r in results]) / 5e7 == pytest.approx(0.08, rel=0.2)
    assert {r.sterility for r in results} == {"negative"}
    assert run_release_assays(product, profile.qc_assays, rng(), contaminated=True).sterility == "positive"


def test_endotoxin_below_the_limit_of_quantitation_is_reported_as_such(profile):
    product = CellPopulation(t_cells=5e9, other_cells=0.0, dead_cells=0.0, volume_ml=100.0, endotoxin_eu=0.1)
    qc = run_release_assays(product, profile.qc_assays, rng())
    assert qc.endotoxin_below_loq
    assert qc.endotoxin_eu_per_ml == profile.qc_assays.endotoxin_loq_eu_per_ml.value
