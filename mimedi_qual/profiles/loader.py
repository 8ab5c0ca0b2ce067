"""Load a profile file into its model; any problem becomes a ProfileError with a line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mimedi_qual.errors import ProfileError
from mimedi_qual.profiles.acceptance import AcceptanceProfile
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.profiles.process import ProcessRecipe
from mimedi_qual.profiles.protocol import ProtocolDocument
from mimedi_qual.profiles.urs import UrsProfile
from mimedi_qual.profiles.yaml_lines import line_of, load_yaml_with_lines

M = TypeVar("M", bound=BaseModel)


def load_model(path: str | Path, model: type[M]) -> M:
    """Parse ``path`` as YAML and validate it as ``model``: the one way every profile is read.

    Every problem is reported like a compiler, one ``path:line: key.path: problem``
    per line, so an engineer fixes the file in one pass; the error's ``line`` is
    the first problem's. Used for the harness's profiles and for the control
    core's and twin's (controller, tuning targets, twin parameters, recipes).

    >>> load_model("profiles/acceptance/criteria.yaml", AcceptanceProfile).criteria["OQ-TEMP-ACC"].unit
    '°C'
    """
    path = Path(path)
    data, lines = load_yaml_with_lines(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            problems.append((line_of(lines, loc), f"{dotted}: {err['msg']}"))
        (first_line, first), rest = problems[0], problems[1:]
        message = first + "".join(f"\n{path}:{line}: {problem}" if line else f"\n{path}: {problem}"
                                  for line, problem in rest)
        raise ProfileError(path, first_line, message) from None


def load_bench(path: str | Path) -> BenchProfile:
    """A bench profile, with the checks that span sections (a simulated bench's error models name its instruments)."""
    bench = load_model(path, BenchProfile)
    if bench.bench.kind == "simulated" and bench.simulation is None:
        _, lines = load_yaml_with_lines(path)
        raise ProfileError(path, lines.get(("bench", "kind")), "a simulated bench needs a 'simulation' section")
    unknown = sorted(set(bench.simulation.reference) - set(bench.instruments)) if bench.simulation else []
    if unknown:  # a typo would silently give a perfect instrument
        _, lines = load_yaml_with_lines(path)
        raise ProfileError(path, line_of(lines, ("simulation", "reference", unknown[0])),
                           f"simulation.reference: {', '.join(unknown)} is no instrument of the bench "
                           f"(instruments: {', '.join(sorted(bench.instruments))})")
    return bench


def load_acceptance(path: str | Path) -> AcceptanceProfile:
    return load_model(path, AcceptanceProfile)


def load_urs(path: str | Path) -> UrsProfile:
    return load_model(path, UrsProfile)


def load_process(path: str | Path) -> ProcessRecipe:
    return load_model(path, ProcessRecipe)


def load_protocol_document(path: str | Path) -> ProtocolDocument:
    return load_model(path, ProtocolDocument)
