"""Formulation and fill: the dose at its concentration, split into bags.

The dose is the recipe's viable-cell dose (or everything there is, if the
batch fell short); it is formulated at the recipe's concentration, so the
volume is ``dose / concentration``, filled into bags of at most
``bag_volume_max_ml``. The fill pump is accurate to a CV (profile) and the
fill set holds some volume back, so real volumes and concentration scatter.

>>> import numpy as np
>>> from mimedi_qual.twin.parameters import load_twin_profile
>>> washed = CellPopulation(t_cells=7e9, other_cells=0.0, dead_cells=5e8, volume_ml=50.0)
>>> fill = formulate_and_fill(washed, Recipe(), load_twin_profile().fill, np.random.default_rng(0))
>>> len(fill.bag_volumes_ml), fill.concentration_cells_per_ml, fill.dose_met
(2, 50000000.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from mimedi_qual.twin.parameters import FillSection
from mimedi_qual.twin.population import CellPopulation
from mimedi_qual.twin.recipe import Recipe


@dataclass(frozen=True)
class FillResult:
    product: CellPopulation               # what is in the bags together
    bag_volumes_ml: tuple[float, ...]
    concentration_cells_per_ml: float     # viable cells per mL in the bags
    dose_viable_cells: float              # viable cells in the bags
    dose_met: bool

    @property
    def volume_ml(self) -> float:
        return sum(self.bag_volumes_ml)


def formulate_and_fill(population: CellPopulation, recipe: Recipe, p: FillSection,
                       rng: np.random.Generator) -> FillResult:
    """Formulate the dose at the recipe's concentration and fill it into bags."""
    available = population.viable_cells
    target = recipe.dose_viable_cells
    formulated_cells = min(available, target)
    concentration = recipe.formulation_cells_per_ml
    formulated_ml = formulated_cells / concentration
    fillable_ml = max(formulated_ml - p.residual_volume_ml.value, 0.0)   # the fill set keeps some back
    n_bags = max(int(math.ceil(fillable_ml / recipe.bag_volume_max_ml)), 1)
    nominal_ml = fillable_ml / n_bags
    bags = tuple(float(np.clip(v, 0.0, recipe.bag_volume_max_ml))
                 for v in rng.normal(nominal_ml, nominal_ml * p.volume_cv.value, n_bags))
    filled_ml = sum(bags)
    fraction = concentration * filled_ml / available if available else 0.0
    product = replace(population.scaled(fraction), volume_ml=filled_ml,
                      endotoxin_eu=population.endotoxin_eu * fraction)
    dose = product.viable_cells
    return FillResult(product=product, bag_volumes_ml=bags, concentration_cells_per_ml=concentration,
                      dose_viable_cells=dose, dose_met=dose >= target * (1.0 - recipe.dose_tolerance_fraction))
