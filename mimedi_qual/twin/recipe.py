"""A process recipe: what the operator chooses for one batch (not physics).

The twin's physics lives in the twin profile (``parameters.py``); a recipe
holds the batch's choices — how many cells to seed, the MOI, setpoints, the
feed and perfusion plans, the dose to fill. Units are in the names.

>>> recipe = load_recipe()               # profiles/twin/recipe-default.yaml
>>> recipe.expansion_duration_d
13.0
>>> Recipe(moi=3.0).moi          # every field has a default: the reference batch
3.0
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mimedi_qual.paths import package_profiles
from mimedi_qual.profiles.loader import load_model

DEFAULT_RECIPE_PATH = package_profiles() / "twin" / "recipe-default.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feed(_Model):
    """A bolus of fresh medium pumped in at ``day`` (fed-batch volume increase)."""

    day: float = Field(ge=0)
    volume_ml: float = Field(gt=0)


class PerfusionStep(_Model):
    """From this viable density on, exchange medium at this rate (cells retained)."""

    from_cells_per_ml: float = Field(ge=0)
    ml_per_day: float = Field(ge=0)


class Recipe(_Model):
    """One batch from apheresis to filled bags."""

    name: str = "reference-batch"
    # starting material and selection
    apheresis_total_nucleated_cells: float = Field(5.0e9, gt=0)
    apheresis_cd3_fraction: float = Field(0.5, ge=0, le=1)
    apheresis_viability: float = Field(0.95, ge=0, le=1)
    seed_viable_cells: float = Field(3.0e8, gt=0)
    # activation and transduction
    moi: float = Field(5.0, ge=0)
    # expansion
    expansion_duration_d: float = Field(13.0, gt=0)
    initial_volume_ml: float = Field(300.0, gt=0)
    temperature_setpoint_c: float = 37.0
    ph_setpoint: float = 7.3
    base_below_ph: float = 7.15
    base_ml_min: float = Field(0.2, ge=0)
    do_setpoint_pct: float = Field(40.0, ge=0, le=100)
    rocking_rpm: float = Field(10.0, ge=0)
    rocking_rpm_max: float = Field(25.0, ge=0)
    rocking_angle_deg: float = Field(6.0, ge=0)
    feeds: tuple[Feed, ...] = (Feed(day=3, volume_ml=200), Feed(day=5, volume_ml=500))
    feed_rate_ml_min: float = Field(10.0, gt=0)
    perfusion_schedule: tuple[PerfusionStep, ...] = (
        PerfusionStep(from_cells_per_ml=1e6, ml_per_day=250),
        PerfusionStep(from_cells_per_ml=2e6, ml_per_day=500),
        PerfusionStep(from_cells_per_ml=4e6, ml_per_day=1000),
        PerfusionStep(from_cells_per_ml=8e6, ml_per_day=1500),
    )
    control_period_s: float = Field(60.0, gt=0)
    integration_step_s: float = Field(1.0, gt=0)
    # harvest, formulation, fill
    harvest_washes: int = Field(2, ge=0)
    dose_viable_cells: float = Field(3.0e9, gt=0)
    formulation_cells_per_ml: float = Field(5.0e7, gt=0)
    bag_volume_max_ml: float = Field(50.0, gt=0)
    dose_tolerance_fraction: float = Field(0.10, ge=0, lt=1)

    def perfusion_ml_per_day(self, viable_cells_per_ml: float) -> float:
        rate = 0.0
        for step in sorted(self.perfusion_schedule, key=lambda s: s.from_cells_per_ml):
            if viable_cells_per_ml >= step.from_cells_per_ml:
                rate = step.ml_per_day
        return rate


def load_recipe(path: str | Path = DEFAULT_RECIPE_PATH) -> Recipe:
    """Load a recipe YAML; errors name file and line (``ProfileError``)."""
    return load_model(path, Recipe)
