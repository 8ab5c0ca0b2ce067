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

from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

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
        if self.kind != "exact" and not self.unit.strip():
            raise ValueError(f"a '{self.kind}' criterion needs its unit (unit: \"°C\", \"min\", \"commands\" …): "
                             "the preflight checks it against what the step measures")
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


#: the equipment register lives beside the criteria files, in the same folder, but is not one of them
REGISTER_FILE = "equipment-register.yaml"


class AcceptanceProfile(StrictModel):
    """Every criterion of the acceptance profile: one file, or every criteria file of a folder merged.

    ``files`` are the files read and :meth:`where` the ``file:line`` of each
    criterion, so a message can point at the definition (set by the loader).
    """

    version: str
    criteria: dict[str, Criterion]
    _origins: dict[str, tuple[Path, int | None]] = PrivateAttr(default_factory=dict)
    _files: tuple[Path, ...] = PrivateAttr(default=())

    @property
    def files(self) -> tuple[Path, ...]:
        return self._files

    def where(self, criterion_id: str) -> str:
        """``criteria.yaml:107`` for a criterion read from a file; its id otherwise."""
        path, line = self._origins.get(criterion_id, (None, None))
        if path is None:
            return criterion_id
        return f"{path}:{line}" if line else str(path)

    def searched(self) -> str:
        """The files searched for a criterion, for a message (``profiles/acceptance/criteria.yaml, …``)."""
        return ", ".join(str(f) for f in self._files) or "the acceptance profile"
