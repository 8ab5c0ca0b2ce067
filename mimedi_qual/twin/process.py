"""The whole MiMédi process chain in the twin: apheresis to released bags.

``run_process`` runs one batch of a recipe through every model in order —
selection, activation and transduction, expansion in the rocking bag,
harvest and wash, formulation and fill, QC release assays — and returns a
``ProcessResult``: each step's record and the product attributes QC reports.

Randomness comes from one seed, split into an independent stream per step
(``numpy.random.SeedSequence.spawn``), so the same seed gives identical
numbers and adding a draw in one step does not shift the others::

    result = run_process(seed=42)                 # default profile and recipe, ~1 s
    result.expansion.fold_expansion               # ~30-fold in 13 days [Zhu]
    result.qc.viability, result.qc.car_positive_fraction, result.qc.sterility
    result.product_attributes()                   # flat dict for reports
    run_process(seed=42) == run_process(seed=42)  # True: determinism

Plant faults can be scheduled into the expansion
(``fault_events=(FaultEvent(at_s=5*86400, fault=CultureFault.HEATER_FAILED),)``)
and a microbial contamination forced (``contaminated=True``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from mimedi_qual.twin.expansion import ExpansionResult, FaultEvent, expand
from mimedi_qual.twin.fill import FillResult, formulate_and_fill
from mimedi_qual.twin.harvest import HarvestResult, harvest_and_wash
from mimedi_qual.twin.parameters import DEFAULT_PROFILE_PATH, TwinProfile, load_twin_profile
from mimedi_qual.twin.qc_assays import QcResults, run_release_assays
from mimedi_qual.twin.recipe import DEFAULT_RECIPE_PATH, Recipe, load_recipe
from mimedi_qual.twin.selection import SelectionResult, apheresis_population, select_t_cells
from mimedi_qual.twin.transduction import TransductionResult, transduce_and_activate

_STREAMS = ("selection", "transduction", "expansion", "harvest", "fill", "qc", "endotoxin")


@dataclass(frozen=True)
class ProcessResult:
    """One batch, step by step, and the product it made."""

    seed: int | None
    recipe_name: str
    selection: SelectionResult
    seeded_viable_cells: float
    transduction: TransductionResult
    expansion: ExpansionResult
    harvest: HarvestResult
    fill: FillResult
    qc: QcResults

    def product_attributes(self) -> dict[str, float | str | bool]:
        """The numbers a batch record carries, with units in the names."""
        true = self.fill.product
        attrs: dict[str, float | str | bool] = {
            "selection_recovery": self.selection.recovery,
            "selection_purity": self.selection.purity,
            "transduction_efficiency": self.transduction.efficiency,
            "fold_expansion": self.expansion.fold_expansion,
            "expansion_duration_d": self.expansion.duration_s / 86400.0,
            "harvest_viable_recovery": self.harvest.viable_recovery,
            "fill_volume_ml": self.fill.volume_ml,
            "fill_bags": len(self.fill.bag_volumes_ml),
            "fill_concentration_cells_per_ml": self.fill.concentration_cells_per_ml,
            "dose_viable_cells": self.fill.dose_viable_cells,
            "dose_met": self.fill.dose_met,
            "true_viability": true.viability,
            "true_cd3_fraction": true.cd3_fraction,
            "true_car_positive_fraction": true.car_positive_fraction,
            "true_vector_copies_per_cell": true.vector_copies_per_cell,
        }
        attrs.update({f"qc_{k}": v for k, v in asdict(self.qc).items()})
        return attrs


def run_process(recipe: Recipe | str | Path | None = None, profile: TwinProfile | str | Path | None = None,
                seed: int | None = 0, fault_events: tuple[FaultEvent, ...] = (), contaminated: bool = False,
                pure_python: bool = False) -> ProcessResult:
    """Run one batch of ``recipe`` (default: ``profiles/twin/recipe-default.yaml``)."""
    if recipe is None:
        recipe = DEFAULT_RECIPE_PATH
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    if profile is None:
        profile = DEFAULT_PROFILE_PATH
    if not isinstance(profile, TwinProfile):
        profile = load_twin_profile(profile)
    streams = dict(zip(_STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS)))))

    apheresis = apheresis_population(recipe.apheresis_total_nucleated_cells, recipe.apheresis_cd3_fraction,
                                     recipe.apheresis_viability, volume_ml=200.0)
    selection = select_t_cells(apheresis, profile.selection, streams["selection"])
    selected = selection.product
    # Seed only what the recipe asks for; the rest is set aside.
    seed_fraction = min(recipe.seed_viable_cells / selected.viable_cells, 1.0) if selected.viable_cells else 0.0
    seeded = replace(selected.scaled(seed_fraction), volume_ml=recipe.initial_volume_ml)
    transduction = transduce_and_activate(seeded, recipe.moi, profile.transduction, streams["transduction"])
    expansion = expand(transduction.product, recipe, profile, streams["expansion"],
                       fault_events=fault_events, pure_python=pure_python)
    # Endotoxin enters with reagents and media over the whole process (log-normal, median from the profile).
    endotoxin_eu = profile.qc_assays.process_endotoxin_eu_median.value * math.exp(streams["endotoxin"].normal(0.0, 0.5))
    harvested = replace(expansion.product, endotoxin_eu=expansion.product.endotoxin_eu + endotoxin_eu)
    harvest = harvest_and_wash(harvested, recipe.harvest_washes, profile.harvest, streams["harvest"])
    fill = formulate_and_fill(harvest.product, recipe, profile.fill, streams["fill"])
    qc = run_release_assays(fill.product, profile.qc_assays, streams["qc"], contaminated=contaminated)
    return ProcessResult(seed=seed, recipe_name=recipe.name, selection=selection,
                         seeded_viable_cells=seeded.viable_cells, transduction=transduction,
                         expansion=expansion, harvest=harvest, fill=fill, qc=qc)
