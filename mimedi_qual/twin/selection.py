"""Cell selection: enrich T cells from the apheresis product (purity, recovery).

Immunomagnetic CD4/CD8 selection keeps a fraction ``recovery`` of the target
T cells and lets a small ``carryover`` of everything else through; purity
follows from both::

    purity = r·T / (r·T + c·N)

Recovery varies from run to run (normal, sd from the profile, clipped);
cells lost while selecting count as dead in the product.

>>> from mimedi_qual.twin.parameters import load_twin_profile
>>> import numpy as np
>>> apheresis = apheresis_population(5e9, cd3_fraction=0.5, viability=0.95, volume_ml=200.0)
>>> result = select_t_cells(apheresis, load_twin_profile().selection, np.random.default_rng(1))
>>> 0.9 < result.purity < 1.0
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mimedi_qual.twin.parameters import SelectionSection
from mimedi_qual.twin.population import CellPopulation


def apheresis_population(total_nucleated_cells: float, cd3_fraction: float, viability: float,
                         volume_ml: float) -> CellPopulation:
    """A leukapheresis product described the way the collection site reports it."""
    viable = total_nucleated_cells * viability
    return CellPopulation(t_cells=viable * cd3_fraction, other_cells=viable * (1.0 - cd3_fraction),
                          dead_cells=total_nucleated_cells - viable, volume_ml=volume_ml)


@dataclass(frozen=True)
class SelectionResult:
    product: CellPopulation
    recovery: float        # viable T cells out / viable T cells in
    purity: float          # CD3+ share of the viable cells out


def select_t_cells(apheresis: CellPopulation, p: SelectionSection, rng: np.random.Generator,
                   eluate_volume_ml: float = 100.0) -> SelectionResult:
    """Run the selection column once."""
    recovery = float(np.clip(rng.normal(p.target_recovery_mean.value, p.target_recovery_sd.value), 0.05, 1.0))
    retained = p.viability_retention.value
    carryover = p.nontarget_carryover_fraction.value
    t_out = apheresis.t_cells * recovery * retained
    other_out = apheresis.other_cells * carryover
    dead_out = apheresis.dead_cells * carryover + apheresis.t_cells * recovery * (1.0 - retained)
    product = CellPopulation(t_cells=t_out, other_cells=other_out, dead_cells=dead_out,
                             volume_ml=eluate_volume_ml, endotoxin_eu=apheresis.endotoxin_eu * carryover)
    purity = product.cd3_fraction
    return SelectionResult(product=product, recovery=t_out / apheresis.t_cells if apheresis.t_cells else 0.0,
                           purity=purity)
