"""User requirements (URS): what the MiMédi must do, and which criteria verify it."""

from __future__ import annotations

from typing import Literal

from mimedi_qual.profiles.bench import StrictModel


class Requirement(StrictModel):
    text: str
    risk: Literal["high", "medium", "low"]
    stage: Literal["IQ", "OQ", "PQ"]
    module: str
    criteria: list[str]


class UrsProfile(StrictModel):
    document: str
    version: str
    requirements: dict[str, Requirement]
