"""Traceability gate: every requirement is verified, every scenario verifies a requirement.

Before a campaign starts, the URS (``profiles/urs/*.yaml``) and the protocol
(``features/**/*.feature``) are compared:

* a requirement no scenario is tagged with is **uncovered** — the protocol
  does not verify the URS;
* a scenario tagged ``@URS-...`` with an id the URS does not know is an
  **unknown reference** — a typo or a requirement deleted behind its back;
* a requirement that names an acceptance criterion the acceptance profile
  does not hold is an **unknown criterion**.

Any of these is bad input: the campaign stops before anything runs (exit 2)
and the message names each offender.

>>> gaps = check_traceability(urs, scenarios, acceptance)
>>> gaps.ok
False
>>> print(gaps.message())
URS requirement(s) without a scenario: URS-OQ-PH-001 (OQ, expansion)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimedi_qual.profiles.acceptance import AcceptanceProfile
from mimedi_qual.profiles.urs import Requirement
from mimedi_qual.qualification.protocol import ScenarioRef


@dataclass(frozen=True)
class TraceabilityGaps:
    """What the gate found; empty lists mean the protocol traces the URS completely."""

    uncovered: list[tuple[str, Requirement]] = field(default_factory=list)
    unknown_references: list[tuple[ScenarioRef, str]] = field(default_factory=list)
    unknown_criteria: list[tuple[str, str]] = field(default_factory=list)
    untagged: list[ScenarioRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.uncovered or self.unknown_references or self.unknown_criteria or self.untagged)

    def message(self) -> str:
        lines = []
        if self.uncovered:
            lines.append("URS requirement(s) without a scenario: " + ", ".join(
                f"{rid} ({req.stage}, {req.module})" for rid, req in self.uncovered))
        for ref, rid in self.unknown_references:
            lines.append(f"{ref.feature_file}:{ref.line}: scenario '{ref.name}' is tagged @{rid}, "
                         f"which is not a URS requirement")
        for ref in self.untagged:
            lines.append(f"{ref.feature_file}:{ref.line}: scenario '{ref.name}' traces to no URS requirement "
                         f"(tag it @URS-...)")
        for rid, cid in self.unknown_criteria:
            lines.append(f"{rid} is verified by criterion {cid}, which is not in the acceptance profile")
        return "\n".join(lines)


def load_requirements(urs_dir: Path) -> dict[str, Requirement]:
    """Every requirement of every ``*.yaml`` in ``urs_dir`` (ProfileError on a broken file or an id given twice)."""
    from mimedi_qual.profiles import load_urs
    from mimedi_qual.profiles.loader import load_urs_folder

    load_urs_folder(urs_dir)  # an id in two files would silently keep the last: refused, naming both lines
    requirements: dict[str, Requirement] = {}
    for path in sorted(urs_dir.glob("*.yaml")):
        requirements.update(load_urs(path).requirements)
    return requirements


def check_traceability(requirements: dict[str, Requirement], scenarios: list[ScenarioRef],
                       acceptance: AcceptanceProfile | None = None) -> TraceabilityGaps:
    """Compare the URS with the whole protocol (all stages, whatever is selected to run)."""
    covered = {rid for ref in scenarios for rid in ref.urs_ids}
    uncovered = [(rid, req) for rid, req in sorted(requirements.items()) if rid not in covered]
    unknown = [(ref, rid) for ref in scenarios for rid in ref.urs_ids if rid not in requirements]
    untagged = [ref for ref in scenarios if not ref.urs_ids]
    unknown_criteria = []
    if acceptance is not None:
        unknown_criteria = [(rid, cid) for rid, req in sorted(requirements.items())
                            for cid in req.criteria if cid not in acceptance.criteria]
    return TraceabilityGaps(uncovered, unknown, unknown_criteria, untagged)
