"""The executable protocol: feature files parsed and checked before anything runs.

A broken feature file is bad input: it is reported with its file and line and
the campaign does not start (exit 2), instead of failing halfway through.

>>> scenarios = load_protocol([Path("features/oq")])
>>> {s.stage for s in scenarios}, any("URS-OQ-TEMP-001" in s.tags for s in scenarios)
({'OQ'}, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import FeatureParser

from mimedi_qual.errors import ProtocolError

STAGES = ("IQ", "OQ", "PQ")


@dataclass(frozen=True)
class ScenarioRef:
    feature_file: Path
    line: int
    feature: str
    name: str
    tags: frozenset[str]
    stage: str | None
    #: how many times it runs: the rows of a Scenario Outline's Examples, 1 for a plain Scenario
    runs: int = 1

    @property
    def urs_ids(self) -> list[str]:
        return sorted(t for t in self.tags if t.startswith("URS-"))


def count_runs(scenarios: list[ScenarioRef] | tuple[ScenarioRef, ...]) -> int:
    """The campaign's count of scenarios: every Scenario once, every Examples row of an Outline once.

    One run is one pytest item, one Allure result and one ``scenario`` record —
    the number ``mimedi-qual run`` announces, its progress bar counts to and
    the reports show (a Scenario Outline with three Examples rows is three).
    """
    return sum(s.runs for s in scenarios)


def stage_of(path: Path) -> str | None:
    """The stage (IQ/OQ/PQ) a feature file belongs to: the nearest stage folder above it."""
    for part in reversed(path.parts[:-1]):
        if part.upper() in STAGES:
            return part.upper()
    return None


def feature_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.feature")))
        elif path.suffix == ".feature" and path.is_file():
            files.append(path)
        else:
            raise ProtocolError(path, None, "not a feature file or directory")
    return files


def parse_feature_file(path: Path):
    """The pytest-bdd Feature of ``path``; an empty file, a syntax error or a feature without scenario is a ProtocolError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(path, raw.count(b"\n", 0, exc.start) + 1,
                            f"not a UTF-8 text file: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
                            "(save it as UTF-8)") from None
    if "\x00" in text:
        raise ProtocolError(path, text.count("\n", 0, text.index("\x00")) + 1,
                            "not a text file: it holds a NUL character (a binary file?)")
    if not [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]:
        raise ProtocolError(path, 1, "the feature file is empty: it needs 'Feature: <title>' and at least one "
                                     "'Scenario:' with its steps (features/README.md shows one)")
    try:
        feature = FeatureParser(str(path.parent), path.name).parse()
    except GherkinParseError as exc:
        raise ProtocolError(path, exc.line, exc.message) from None
    except Exception as exc:  # gherkin's own errors carry the location in the text
        raise ProtocolError(path, None, f"cannot parse: {exc}") from None
    if not feature.scenarios:
        raise ProtocolError(path, feature.line_number,
                            f"the feature '{feature.name}' has no scenario: the text under 'Feature:' is only its "
                            "description and never runs; write 'Scenario: <title>' and its steps below it")
    return feature


def parse_feature(path: Path) -> list[ScenarioRef]:
    feature = parse_feature_file(path)
    refs = []
    for scenario in feature.scenarios.values():
        tags = frozenset(scenario.tags | feature.tags)
        runs = sum(len(examples.examples) for examples in scenario.examples) if scenario.examples else 1
        refs.append(ScenarioRef(path, scenario.line_number, feature.name, scenario.name, tags, stage_of(path), runs))
    return refs


def load_protocol(paths: list[Path]) -> list[ScenarioRef]:
    """Every scenario under ``paths``; the first broken file raises ProtocolError."""
    refs: list[ScenarioRef] = []
    for path in feature_files(paths):
        refs.extend(parse_feature(path))
    return refs
