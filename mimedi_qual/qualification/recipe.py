"""PQ process recipes: a whole CAR-T-like batch as the machine runs it, module by module.

A recipe (``profiles/process/<name>.yaml``) lists the process steps in order;
each names the MiMédi module that carries it out and how long it runs. The
culture setpoints hold for the expansion; the fill says how many bags of
what volume the harvest pump delivers (weighed on the reference balance).
Challenges put worst-case events into a run (door opened, power cut) at a
given hour of the expansion::

    name: car-t-14d
    setpoints: {temperature_c: 37.0, ph: 7.2, do_pct: 50.0, rocking_rpm: 10.0}
    steps:
      - {name: selection, module: SELECTION, duration_h: 4}
      - {name: expansion, module: EXPANSION, duration_h: 312, fresh_bag: true, judged_after_h: 3}
    fill: {bags: 2, volume_ml: 50, flow_ml_min: 10}

QC release (counts, flow cytometry, endotoxin, qPCR, sterility) is done by
the QC laboratory on samples of the filled bags; it is not a machine step.

>>> recipe = load_recipe(Path("profiles/process/car-t-14d.yaml"))
>>> [s.module for s in recipe.steps]
['SELECTION', 'TRANSDUCTION', 'EXPANSION', 'HARVEST']
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from mimedi_qual.profiles.bench import StrictModel
from mimedi_qual.profiles.loader import load_model


class CultureSetpoints(StrictModel):
    """Setpoints of the expansion culture (a rocking-bag T-cell expansion runs at 37 °C, 10 rpm [Xuri])."""

    temperature_c: float
    ph: float
    do_pct: float = Field(description="% air saturation")
    rocking_rpm: float


class ProcessStep(StrictModel):
    """One step of the batch, carried out by one module."""

    name: str
    module: Literal["SELECTION", "TRANSDUCTION", "EXPANSION", "HARVEST"]
    duration_h: float = Field(ge=0)
    fresh_bag: bool = Field(default=False, description="a fresh bag of medium is loaded before the step starts")
    judged_after_h: float | None = Field(default=None, ge=0,
                                         description="culture readings from this hour of the step on are judged; "
                                                     "None: the step's culture readings are not judged")


class Fill(StrictModel):
    """Formulation and fill through the harvest pump, each bag weighed."""

    bags: int = Field(ge=1)
    volume_ml: float = Field(gt=0)
    flow_ml_min: float = Field(gt=0)


class Challenge(StrictModel):
    """A worst-case event during a step (hours from the step's start)."""

    step: str
    at_h: float = Field(ge=0)
    event: Literal["door_open", "power_cut"]
    duration_min: float = Field(gt=0)


class ProcessRecipe(StrictModel):
    name: str
    version: str
    description: str = ""
    sample_interval_min: float = Field(gt=0)
    setpoints: CultureSetpoints
    steps: list[ProcessStep] = Field(min_length=1)
    fill: Fill
    challenges: list[Challenge] = Field(default_factory=list)


def load_recipe(path: Path) -> ProcessRecipe:
    """Load and validate (ProfileError with file and line when wrong)."""
    return load_model(path, ProcessRecipe)
