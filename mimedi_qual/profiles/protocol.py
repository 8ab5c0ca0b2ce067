"""The protocol document: id, version, objective, scope and the files it is made of."""

from __future__ import annotations

from pydantic import Field

from mimedi_qual.profiles.bench import StrictModel


class ProtocolDocument(StrictModel):
    id: str
    version: str
    title: str
    objective: str
    scope: str
    system_boundary: str = ""
    references: list[str] = Field(default_factory=list)
    files: list[str] = Field(min_length=1, description="paths (relative to the project root) hashed as the protocol")
