"""Activation and lentiviral transduction: efficiency and vector copies per cell.

Functional vector particles hit cells at random, so the copies a cell
receives are Poisson with mean ``λ = MOI · f`` (``f`` the functional share of
the titre, calibrated so MOI 5 gives the ~37 % transduction of [Zhu])::

    transduced fraction          = 1 − e^(−λ)
    copies per transduced cell   = λ / (1 − e^(−λ))      (zero-truncated Poisson mean)
    copies per cell (bulk qPCR)  = λ

A donor's cells take up vector more or less readily (log-normal on ``f``);
activation and transduction cost some viable cells.

>>> efficiency, copies = poisson_transduction(moi=5.0, functional_titer_fraction=0.0924)
>>> round(efficiency, 2), round(copies, 2)
(0.37, 1.25)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from mimedi_qual.twin.parameters import TransductionSection
from mimedi_qual.twin.population import CellPopulation


def poisson_transduction(moi: float, functional_titer_fraction: float) -> tuple[float, float]:
    """(transduced fraction, copies per transduced cell) for an MOI."""
    lam = moi * functional_titer_fraction
    if lam <= 0.0:
        return 0.0, 0.0
    efficiency = -math.expm1(-lam)
    return efficiency, lam / efficiency


@dataclass(frozen=True)
class TransductionResult:
    product: CellPopulation
    efficiency: float                          # transduced share of the viable T cells
    vector_copies_per_transduced_cell: float
    survival: float


def transduce_and_activate(population: CellPopulation, moi: float, p: TransductionSection,
                           rng: np.random.Generator) -> TransductionResult:
    cv = p.donor_efficiency_cv.value
    sigma = math.sqrt(math.log1p(cv * cv))
    f = p.functional_titer_fraction.value * float(rng.lognormal(-0.5 * sigma * sigma, sigma))
    efficiency, copies = poisson_transduction(moi, f)
    survival = p.activation_survival.value
    lost = population.viable_cells * (1.0 - survival)
    product = replace(population.scaled(survival, 1.0), dead_cells=population.dead_cells + lost,
                      transduced_fraction=efficiency, vector_copies_per_transduced_cell=copies)
    return TransductionResult(product=product, efficiency=efficiency,
                              vector_copies_per_transduced_cell=copies, survival=survival)
