"""Load a profile file into its model; any problem becomes a ProfileError with a line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mimedi_qual.profiles.acceptance import AcceptanceProfile
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.profiles.errors import ProfileError
from mimedi_qual.profiles.process import ProcessRecipe
from mimedi_qual.profiles.protocol import ProtocolDocument
from mimedi_qual.profiles.urs import UrsProfile
from mimedi_qual.profiles.yaml_lines import line_of, load_yaml_with_lines

M = TypeVar("M", bound=BaseModel)


def load_model(path: str | Path, model: type[M]) -> M:
    """Parse ``path`` as YAML and validate it as ``model``.

    The first validation error is reported with its line; the message lists
    every error so an engineer fixes the file in one pass.
    """
    data, lines = load_yaml_with_lines(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        parts = []
        first_line = None
        for err in errors:
            loc = tuple(err["loc"])
            line = line_of(lines, loc)
            first_line = first_line or line
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            parts.append(f"line {line}: {dotted}: {err['msg']}")
        raise ProfileError(path, first_line, "; ".join(parts)) from None


def load_bench(path: str | Path) -> BenchProfile:
    bench = load_model(path, BenchProfile)
    if bench.bench.kind == "simulated" and bench.simulation is None:
        _, lines = load_yaml_with_lines(path)
        raise ProfileError(path, lines.get(("bench", "kind")), "a simulated bench needs a 'simulation' section")
    return bench


def load_acceptance(path: str | Path) -> AcceptanceProfile:
    return load_model(path, AcceptanceProfile)


def load_urs(path: str | Path) -> UrsProfile:
    return load_model(path, UrsProfile)


def load_process(path: str | Path) -> ProcessRecipe:
    return load_model(path, ProcessRecipe)


def load_protocol_document(path: str | Path) -> ProtocolDocument:
    return load_model(path, ProtocolDocument)
