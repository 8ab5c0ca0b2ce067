"""Stage gating: a stage runs on its prerequisite stage released, or records that it was not.

IQ → OQ → PQ (Annex 15 §3–§5: each stage starts once the earlier one is
approved). OQ's prerequisite is IQ released, PQ's is OQ released. *Released*
means a campaign the engineer names with ``mimedi-qual run --prerequisite DIR``
that

* verifies intact (``mimedi-qual verify``), ran the earlier stage, to its end,
  on the same bench, under the same protocol id, and
* carries a valid approver's signature whose release decision
  (:func:`mimedi_qual.evidence.status.stage_release`) releases — plainly or
  conditionally — to the stage that follows it ("approved — release to OQ"
  releases IQ; one released to PQ releases the OQ it ran and any IQ with it).
  ``sign`` refuses a release while criteria failed or deviations are open
  (unless conditional, naming them), on an unapproved protocol, an
  unfinished campaign or a dry run, so a simulated-bench campaign never
  releases its stage.

A stage whose prerequisite is not released — not given, given but not
released, or executed in this same campaign (it cannot have been released
before this stage started) — still runs, and the campaign records a
``prerequisite_not_released`` deviation naming the stage: OQ in the same
campaign as IQ is allowed only with that deviation recorded. Every stage's
:attr:`StageGate.statement` goes into ``campaign_started.prerequisites``, and
the summary report prints it::

    >>> [g.statement for g in stage_gates(["oq"], [])]
    ['OQ requires IQ released: NOT RELEASED — no released IQ campaign given (--prerequisite DIR); OQ runs with a prerequisite_not_released deviation']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mimedi_qual.evidence.deviations import Deviation, DeviationCategory, record_deviation
from mimedi_qual.evidence.store import EvidenceStore

STAGE_ORDER = ("iq", "oq", "pq")
EARLIER_STAGE = {"oq": "iq", "pq": "oq"}
#: what a release of each stage is a release *to*
RELEASED_TO = {"iq": "OQ", "oq": "PQ", "pq": "ROUTINE USE"}


@dataclass(frozen=True)
class Release:
    """What a prerequisite campaign released: its stages up to the released one, and who released them."""

    campaign_id: str
    stages: frozenset[str]
    description: str


def released_by(campaign_dir: Path, *, bench_id: str | None = None, protocol_id: str | None = None,
                registry_path: Path | None = None) -> Release | str:
    """What ``campaign_dir`` released, or why it released nothing (a one-line reason).

    Its signatures are checked against the user registry at ``registry_path``
    (default: the project's); verify fails closed without one.
    """
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence import status
    from mimedi_qual.evidence.store import EvidenceStoreError
    from mimedi_qual.evidence.users import UserRegistry
    from mimedi_qual.evidence.verify import verify_campaign
    from mimedi_qual.paths import project_paths

    try:
        registry = UserRegistry.load(registry_path or project_paths().users_registry)
    except ProfileError as exc:
        return f"the user registry cannot be trusted: {exc}"
    try:
        if not verify_campaign(campaign_dir, registry).ok:
            return f"{campaign_dir} does not verify intact"
        with EvidenceStore.open(campaign_dir, read_only=True) as store:
            records = store.records()
    except EvidenceStoreError as exc:
        return f"{campaign_dir}: {exc}"
    started = next((r.payload for r in records if r.kind == "campaign_started"), None)
    finished = status.finished(records)
    if started is None or finished is None:
        return f"{campaign_dir} is not a finished campaign"
    name = f"campaign {started.get('campaign_id', campaign_dir.name)}"
    if bench_id is not None and started.get("bench_id") != bench_id:
        return f"{name} ran on bench {started.get('bench_id')}, not {bench_id}"
    if protocol_id is not None and started.get("protocol_id") != protocol_id:
        return f"{name} ran protocol {started.get('protocol_id')}, not {protocol_id}"
    release = status.stage_release(records)  # sign refused any release its rules forbid; verify re-checks them
    if not release.released:
        return f"{name} carries no approver's release ({release.statement})"
    to, description = release.to.upper(), release.statement
    ran = [s.lower() for s in str(started.get("stage", "")).split("+") if s]
    last = next((s for s, target in RELEASED_TO.items() if target == to), None)
    if last is None or last not in ran:
        return f"{name} released to {to or '?'}, which is not after a stage it ran ({'+'.join(ran).upper()})"
    stages = frozenset(s for s in ran if STAGE_ORDER.index(s) <= STAGE_ORDER.index(last))
    return Release(campaign_id=str(started.get("campaign_id", "")), stages=stages,
                   description=f"{name}, {description}")


@dataclass(frozen=True)
class StageGate:
    """One stage's prerequisite and whether it is released (``released_by``) or why not (``reason``)."""

    stage: str
    requires: str
    released_by: str = ""
    reason: str = ""

    @property
    def released(self) -> bool:
        return bool(self.released_by)

    @property
    def statement(self) -> str:
        head = f"{self.stage.upper()} requires {self.requires.upper()} released"
        if self.released:
            return f"{head}: released by {self.released_by}"
        return (f"{head}: NOT RELEASED — {self.reason}; {self.stage.upper()} runs with a "
                f"{DeviationCategory.PREREQUISITE_NOT_RELEASED.value} deviation")

    def as_payload(self) -> dict[str, object]:
        return {"stage": self.stage.upper(), "requires": self.requires.upper(), "released": self.released,
                "released_by": self.released_by, "reason": self.reason, "statement": self.statement}


def stage_gates(stages: Sequence[str], prerequisite_dirs: Sequence[Path], *, bench_id: str | None = None,
                protocol_id: str | None = None, registry_path: Path | None = None) -> list[StageGate]:
    """The gate of every stage run that has a prerequisite, in stage order (arguments: :func:`released_by`)."""
    stages = [s.lower() for s in stages]
    released: dict[str, str] = {}
    problems: list[str] = []
    for directory in prerequisite_dirs:
        found = released_by(Path(directory), bench_id=bench_id, protocol_id=protocol_id, registry_path=registry_path)
        if isinstance(found, str):
            problems.append(found)
            continue
        for stage in found.stages:
            released.setdefault(stage, found.description)
    gates = []
    for stage in stages:
        earlier = EARLIER_STAGE.get(stage)
        if earlier is None:
            continue
        if earlier in released:
            gates.append(StageGate(stage, earlier, released_by=released[earlier]))
            continue
        if earlier in stages:
            reason = (f"{earlier.upper()} is executed in this same campaign, so it cannot have been released "
                      f"before {stage.upper()} started")
        elif problems:
            reason = "; ".join(problems)
        else:
            reason = f"no released {earlier.upper()} campaign given (--prerequisite DIR)"
        gates.append(StageGate(stage, earlier, reason=reason))
    return gates


def stage_prerequisites(stages: list[str], prerequisite_dirs: list[Path]) -> list[str]:
    """One statement per stage that has a prerequisite (see :func:`stage_gates`)."""
    return [gate.statement for gate in stage_gates(stages, prerequisite_dirs)]


def record_unreleased_prerequisites(store: EvidenceStore, gates: Sequence[StageGate]) -> list[Deviation]:
    """A ``prerequisite_not_released`` deviation for every gate that is not released."""
    return [
        record_deviation(
            store, DeviationCategory.PREREQUISITE_NOT_RELEASED,
            description=f"{gate.stage.upper()} started without {gate.requires.upper()} released: {gate.reason}",
            expected=(f"{gate.requires.upper()} released by an approver's signature on a campaign named with "
                      f"--prerequisite, before {gate.stage.upper()} starts"),
            actual=f"{gate.requires.upper()} not released when {gate.stage.upper()} started",
            impact=(f"{gate.stage.upper()} results were obtained before {gate.requires.upper()} was released; they "
                    f"may be used only once {gate.requires.upper()} is released and this deviation is assessed"),
        )
        for gate in gates if not gate.released
    ]
