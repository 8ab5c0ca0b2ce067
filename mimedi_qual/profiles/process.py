"""Process recipes: the phases of a run, each with its setpoint and duration."""

from __future__ import annotations

from pydantic import Field

from mimedi_qual.profiles.bench import StrictModel


class Phase(StrictModel):
    name: str
    setpoint_c: float
    duration_h: float = Field(gt=0)
    judged: bool = Field(default=True, description="False for warm-up phases not held to the band")


class ProcessRecipe(StrictModel):
    name: str
    version: str
    start_temperature_c: float
    sample_interval_min: float = Field(gt=0)
    phases: list[Phase] = Field(min_length=1)
