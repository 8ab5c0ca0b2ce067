"""Expansion: the transduced T cells grow in the rocking bag for the recipe's duration.

Builds a ``Culture`` seeded from the population, lets the twin's
``SetpointRegulator`` hold temperature, pH and DO and run feeds and
perfusion, integrates in C at the recipe's step (1 s), and records the
outcome with an hourly trajectory. Plant faults can be scheduled::

    result = expand(population, recipe, profile, np.random.default_rng(1),
                    fault_events=(FaultEvent(at_s=86400.0, fault=CultureFault.DOOR_OPEN),))
    result.fold_expansion, result.product.viability, result.trajectory[24].ph
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from mimedi_qual.twin.culture import Culture, CultureFault, CultureReading
from mimedi_qual.twin.parameters import TwinProfile
from mimedi_qual.twin.population import CellPopulation
from mimedi_qual.twin.recipe import Recipe
from mimedi_qual.twin.regulation import SetpointRegulator


@dataclass(frozen=True)
class FaultEvent:
    """Inject (``active=True``) or clear a plant fault at ``at_s`` into the expansion."""

    at_s: float
    fault: CultureFault
    active: bool = True


@dataclass(frozen=True)
class ExpansionResult:
    product: CellPopulation
    fold_expansion: float               # viable T cells out / viable T cells seeded
    duration_s: float
    temperature_min_c: float
    temperature_max_c: float
    ph_min: float
    ph_max: float
    do_min_pct_air_sat: float
    medium_used_ml: float               # feeds + perfusion
    base_used_ml: float
    trajectory: tuple[CultureReading, ...]   # hourly


def expand(population: CellPopulation, recipe: Recipe, profile: TwinProfile, rng: np.random.Generator,
           fault_events: tuple[FaultEvent, ...] = (), pure_python: bool = False) -> ExpansionResult:
    """Run the expansion; ``rng`` draws the donor's growth parameters."""
    volume_ml = recipe.initial_volume_ml
    culture = Culture.from_profile(profile, rng=rng, volume_ml=volume_ml,
                                   viable_cells_per_ml=population.viable_cells / volume_ml,
                                   viability=population.viability,
                                   temperature_c=recipe.temperature_setpoint_c, pure_python=pure_python)
    regulator = SetpointRegulator(recipe, culture.parameters)
    period_s = recipe.control_period_s
    n_periods = int(math.ceil(recipe.expansion_duration_d * 86400.0 / period_s))
    per_hour = max(int(round(3600.0 / period_s)), 1)
    events = sorted(fault_events, key=lambda e: e.at_s)
    trajectory = []
    t_min = t_max = culture.temperature_c
    ph_min = ph_max = culture.ph
    do_min = culture.do_pct_air_sat
    start_viable = culture.viable_cells
    for i in range(n_periods):
        reading = culture.reading()
        while events and events[0].at_s <= reading.time_s:
            event = events.pop(0)
            (culture.inject if event.active else culture.clear)(event.fault)
        if i % per_hour == 0:
            trajectory.append(reading)
        t_min, t_max = min(t_min, reading.temperature_c), max(t_max, reading.temperature_c)
        ph_min, ph_max = min(ph_min, reading.ph), max(ph_max, reading.ph)
        do_min = min(do_min, reading.do_pct_air_sat)
        culture.advance(period_s, regulator.actuators(reading), dt_s=recipe.integration_step_s)
    end = culture.reading()
    trajectory.append(end)
    fold = culture.viable_cells / start_viable
    # Carried-over non-T cells (mostly NK) expand too under IL-2, a little slower than the T cells.
    other_fold = fold ** profile.growth.nontarget_fold_exponent.value
    t_cells = population.t_cells * fold
    product = replace(population, t_cells=t_cells, other_cells=population.other_cells * other_fold,
                      dead_cells=end.dead_cells_per_ml * end.volume_ml, volume_ml=end.volume_ml)
    return ExpansionResult(
        product=product, fold_expansion=fold, duration_s=end.time_s,
        temperature_min_c=t_min, temperature_max_c=t_max, ph_min=ph_min, ph_max=ph_max,
        do_min_pct_air_sat=do_min,
        medium_used_ml=end.feed_delivered_ml + end.perfusion_delivered_ml,
        base_used_ml=end.base_delivered_ml, trajectory=tuple(trajectory))
