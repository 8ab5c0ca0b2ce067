"""Load a profile file into its model; any problem becomes a ProfileError with a line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mimedi_qual.errors import ProfileError
from mimedi_qual.profiles.acceptance import REGISTER_FILE, AcceptanceProfile
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.profiles.meanings import SignatureMeanings
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
    return _load_with_lines(path, model)[0]


def _load_with_lines(path: str | Path, model: type[M]) -> tuple[M, dict]:
    path = Path(path)
    data, lines = load_yaml_with_lines(path)
    if data is not None and not isinstance(data, dict):
        raise ProfileError(path, 1, f"the file holds a YAML {type(data).__name__}, not a mapping of keys "
                                    f"(a {model.__name__} starts with its top-level keys)")
    try:
        return model.model_validate(data), lines
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


def acceptance_files(path: str | Path) -> list[Path]:
    """The criteria files of an acceptance profile: every ``*.yaml`` of its folder but the equipment register.

    ``path`` is the folder (``profiles/acceptance``) or one file in it; either
    way every criteria file beside it is read, so criteria may be organised in
    several files (``oq-temperature.yaml``, ``pq.yaml`` …) and none is ignored.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not path.is_dir() and not path.exists():
        raise ProfileError(path, None, "file not found")
    files = sorted(p for p in folder.glob("*.yaml") if p.name != REGISTER_FILE)
    if not files:
        raise ProfileError(folder, None, "no acceptance criteria file (*.yaml) in this folder")
    return files


def load_acceptance(path: str | Path) -> AcceptanceProfile:
    """Every criterion of every criteria file of the profile's folder; an id defined twice names both lines."""
    merged: dict = {}
    origins: dict[str, tuple[Path, int | None]] = {}
    files = acceptance_files(path)
    version = None
    for file in files:
        profile, lines = _load_with_lines(file, AcceptanceProfile)
        version = profile.version if version is None or file == Path(path) else version
        for criterion_id, criterion in profile.criteria.items():
            line = lines.get(("criteria", criterion_id))
            if criterion_id in origins:
                first, first_line = origins[criterion_id]
                raise ProfileError(file, line, f"criterion {criterion_id} is defined twice: here and at "
                                               f"{first}:{first_line} (every file of {file.parent} is read)")
            origins[criterion_id] = (file, line)
            merged[criterion_id] = criterion
    acceptance = AcceptanceProfile(version=version, criteria=merged)
    acceptance._origins = origins
    acceptance._files = tuple(files)
    return acceptance


def load_urs(path: str | Path) -> UrsProfile:
    return load_model(path, UrsProfile)


def load_urs_folder(folder: str | Path) -> dict[str, tuple[Path, int | None]]:
    """Where each requirement of every ``*.yaml`` of the URS folder is defined; an id given twice is refused."""
    origins: dict[str, tuple[Path, int | None]] = {}
    for file in sorted(Path(folder).glob("*.yaml")):
        urs, lines = _load_with_lines(file, UrsProfile)
        for requirement_id in urs.requirements:
            line = lines.get(("requirements", requirement_id))
            if requirement_id in origins:
                first, first_line = origins[requirement_id]
                raise ProfileError(file, line, f"requirement {requirement_id} is defined twice: here and at "
                                               f"{first}:{first_line} (every file of {file.parent} is read)")
            origins[requirement_id] = (file, line)
    return origins


def load_process(path: str | Path) -> ProcessRecipe:
    return load_model(path, ProcessRecipe)


def load_protocol_document(path: str | Path) -> ProtocolDocument:
    return load_model(path, ProtocolDocument)


def load_signature_meanings(path: str | Path) -> SignatureMeanings:
    """The signature meanings per role (``profiles/signatures/meanings.yaml``)."""
    return load_model(path, SignatureMeanings)
