"""QC release assays on the filled product, each with its own assay noise.

What the QC laboratory would report for the bags: viable count and
viability (automated counter), CD3+ and CAR+ (flow cytometry), endotoxin
(kinetic LAL, reported as below the limit of quantitation when it is),
sterility and mycoplasma (growth-based, positive or negative) and vector
copies per cell (qPCR). Each result is the true value from the twin with a
seeded measurement error; acceptance limits are not here — they live in the
acceptance profile and are judged by the harness.

>>> import numpy as np
>>> from mimedi_qual.twin.parameters import load_twin_profile
>>> bags = CellPopulation(t_cells=4.5e9, other_cells=5e8, dead_cells=5e8, volume_ml=100.0,
...                       transduced_fraction=0.4, vector_copies_per_transduced_cell=1.3)
>>> qc = run_release_assays(bags, load_twin_profile().qc_assays, np.random.default_rng(0))
>>> round(qc.viability, 2), round(qc.car_positive_fraction, 2), qc.sterility
(0.91, 0.36, 'negative')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mimedi_qual.twin.parameters import QcAssaysSection
from mimedi_qual.twin.population import CellPopulation


@dataclass(frozen=True)
class QcResults:
    viable_cells_per_ml: float
    viability: float
    cd3_positive_fraction: float
    car_positive_fraction: float
    endotoxin_eu_per_ml: float
    endotoxin_below_loq: bool
    sterility: str                      # "negative" | "positive"
    mycoplasma: str                     # "negative" | "positive"
    vector_copies_per_cell: float


def _fraction(value: float) -> float:
    return float(np.clip(value, 0.0, 1.0))


def run_release_assays(product: CellPopulation, p: QcAssaysSection, rng: np.random.Generator,
                       contaminated: bool = False) -> QcResults:
    """Measure the product once. ``contaminated`` forces a positive sterility test (a fault)."""
    count = product.viable_cells_per_ml * float(rng.normal(1.0, p.count_cv.value))
    viability = _fraction(rng.normal(product.viability, p.viability_sd.value))
    cd3 = _fraction(rng.normal(product.cd3_fraction, p.cd3_sd.value))
    car = _fraction(rng.normal(product.car_positive_fraction, p.car_sd.value))
    true_eu_per_ml = product.endotoxin_eu / product.volume_ml if product.volume_ml > 0 else 0.0
    cv = p.endotoxin_cv.value
    sigma = float(np.sqrt(np.log1p(cv * cv)))
    measured_eu = true_eu_per_ml * float(rng.lognormal(-0.5 * sigma * sigma, sigma))
    below_loq = measured_eu < p.endotoxin_loq_eu_per_ml.value
    if below_loq:
        measured_eu = p.endotoxin_loq_eu_per_ml.value
    contaminated = contaminated or bool(rng.random() < p.contamination_probability.value)
    vcn = max(product.vector_copies_per_cell * float(rng.normal(1.0, p.vcn_cv.value)), 0.0)
    return QcResults(viable_cells_per_ml=max(count, 0.0), viability=viability, cd3_positive_fraction=cd3,
                     car_positive_fraction=car, endotoxin_eu_per_ml=measured_eu, endotoxin_below_loq=below_loq,
                     sterility="positive" if contaminated else "negative", mycoplasma="negative",
                     vector_copies_per_cell=vcn)
