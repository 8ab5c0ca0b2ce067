"""Acceptance criteria: what a measurement must meet, and where that number comes from.

A criterion is referenced by id from a step (``OQ-TEMP-ACC``); the step never
carries the number. Each criterion names its source: a published reference or
``ours`` (a URS choice, never dressed up as a regulation).

Kinds:

* ``band``  — ``target ± tolerance`` (e.g. 37.0 ± 0.5 °C)
* ``max``   — value ≤ ``limit``
* ``min``   — value ≥ ``limit``
* ``exact`` — identity / text must match the register
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mimedi_qual.profiles.bench import StrictModel


class Criterion(StrictModel):
    description: str
    kind: Literal["band", "max", "min", "exact"]
    unit: str = ""
    target: float | None = None
    tolerance: float | None = Field(default=None, ge=0)
    limit: float | None = None
    source: str

    @model_validator(mode="after")
    def _numbers_for_kind(self) -> Criterion:
        if self.kind == "band" and (self.target is None or self.tolerance is None):
            raise ValueError("a 'band' criterion needs target and tolerance")
        if self.kind in ("max", "min") and self.limit is None:
            raise ValueError(f"a '{self.kind}' criterion needs limit")
        return self

    @property
    def low(self) -> float | None:
        if self.kind == "band":
            return self.target - self.tolerance
        return self.limit if self.kind == "min" else None

    @property
    def high(self) -> float | None:
        if self.kind == "band":
            return self.target + self.tolerance
        return self.limit if self.kind == "max" else None


class AcceptanceProfile(StrictModel):
    version: str
    criteria: dict[str, Criterion]
