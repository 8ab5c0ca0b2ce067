"""Harvest and wash: cells leave the bag, spent medium and debris are washed away.

Each wash cycle (spin or counter-flow centrifugation) keeps a fraction of
the viable cells and a smaller fraction of dead cells and debris, and removes
most of the endotoxin still in the supernatant::

    viable out = viable in · r_v^n,   dead out = dead in · r_d^n,   EU out = EU in · (1 − e)^n

>>> import numpy as np
>>> from mimedi_qual.twin.parameters import load_twin_profile
>>> bag = CellPopulation(t_cells=9e9, other_cells=0.0, dead_cells=1e9, volume_ml=1000.0)
>>> washed = harvest_and_wash(bag, washes=2, p=load_twin_profile().harvest, rng=np.random.default_rng(0))
>>> round(washed.viable_recovery, 2)      # ~0.93² ≈ 0.86
0.86
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mimedi_qual.twin.parameters import HarvestSection
from mimedi_qual.twin.population import CellPopulation


@dataclass(frozen=True)
class HarvestResult:
    product: CellPopulation
    viable_recovery: float
    washes: int


def harvest_and_wash(population: CellPopulation, washes: int, p: HarvestSection, rng: np.random.Generator,
                     resuspension_volume_ml: float = 50.0) -> HarvestResult:
    viable_factor = 1.0
    dead_factor = 1.0
    for _ in range(washes):
        viable_factor *= float(np.clip(rng.normal(p.viable_recovery_per_wash.value, p.recovery_sd.value), 0.0, 1.0))
        dead_factor *= p.dead_recovery_per_wash.value
    endotoxin = population.endotoxin_eu * (1.0 - p.endotoxin_removal_per_wash.value) ** washes
    product = replace(population.scaled(viable_factor, dead_factor), volume_ml=resuspension_volume_ml,
                      endotoxin_eu=endotoxin)
    return HarvestResult(product=product, viable_recovery=viable_factor, washes=washes)
