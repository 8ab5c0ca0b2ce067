"""What the qualification summary report says, taken from the campaign's records — the model, no rendering.

:func:`summarise` reads a campaign's records (``store.records()``) and returns
a :class:`CampaignSummary`: protocol identity and approvals, equipment and
instruments, every result against its criterion with the raw files it names,
the traceability matrix URS → scenario → result, deviations, signatures, the
banners that say what the evidence is *not*, and the conclusion. The PDF
(:mod:`mimedi_qual.report.summary_pdf`) renders it; a test or another view
can read it without rendering anything::

    summary = summarise(store.records())
    for result in summary.results:
        print(result.payload["criterion_id"], result.payload["verdict"],
              [f.file for f in result.raw_files])      # raw/<sha256>.json, .csv, .png

Each requirement's whole trail is gathered in one :class:`RequirementTrail`
(``summary.requirements``): the URS text and risk, the scenarios that verify it
with their Gherkin steps as executed (the method), and per criterion the
result, its instrument with certificate and due date, and its raw files — so
the PDF can put one requirement on one page::

    trail = next(t for t in summary.requirements if t.urs == "URS-OQ-TEMP-001")
    for c in trail.criteria:
        print(c.payload["criterion_id"], c.instrument.get("calibration_certificate"),
              c.result.record.seq, [f.sha256 for f in c.result.raw_files])

Because the store is the source of truth, nothing here recomputes what the
campaign decided (verdicts come from ``measurement`` records) or invents what
the store does not hold. It does re-check what it can check locally: whether
each signature verifies over its manifest with the key embedded in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mimedi_qual.evidence.deviations import Deviation, deviations_from_records
from mimedi_qual.evidence.measurements import raw_files_of
from mimedi_qual.evidence import status
from mimedi_qual.evidence.protocol import ProtocolApproval
from mimedi_qual.evidence.store import Record
from mimedi_qual.evidence.supersede import current_records
NOT_RECORDED = "not recorded"


# -- what the report says, extracted from records ----------------------------------------


@dataclass
class TraceRow:
    urs: str
    scenario: str
    feature: str
    result: str  # PASS / FAIL / NOT TESTED
    criteria: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RawFileRef:
    """One raw file a result names: its role (measurement, series, plot), path in the campaign, SHA-256."""

    role: str
    file: str
    sha256: str

    @property
    def short(self) -> str:
        """For a table cell: the role and the first 12 hex digits of the SHA-256."""
        return f"{self.role} {self.sha256[:12]}"


@dataclass(frozen=True)
class MeasurementResult:
    """One result against an acceptance criterion: its record, payload and the raw files it names."""

    record: Record
    payload: dict[str, Any]
    raw_files: list[RawFileRef]


@dataclass(frozen=True)
class CriterionTrail:
    """One result in a requirement's trail: the measurement and the instrument that took it (identity record)."""

    result: MeasurementResult
    instrument: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return self.result.payload

    @property
    def plot(self) -> RawFileRef | None:
        return next((f for f in self.result.raw_files if f.role == "plot"), None)

    @property
    def series(self) -> RawFileRef | None:
        return next((f for f in self.result.raw_files if f.role == "series"), None)


@dataclass
class ScenarioTrail:
    """A scenario that verifies a requirement: its result and its steps as executed (the method)."""

    scenario: str
    feature: str
    status: str
    steps: list[tuple[Record, dict[str, Any]]] = field(default_factory=list)


@dataclass
class RequirementTrail:
    """Everything an inspector follows for one URS requirement, in the order they read it."""

    urs: str
    text: str
    risk: str
    stage: str
    verdict: str  # PASS / FAIL / NOT TESTED
    scenarios: list[ScenarioTrail] = field(default_factory=list)
    criteria: list[CriterionTrail] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)


@dataclass
class CampaignSummary:
    """Everything the PDF shows, taken from the records (usable without rendering)."""

    records_total: int
    head_seq: int
    head_hash: str
    started: dict[str, Any] | None
    started_utc: str
    finished: dict[str, Any] | None
    finished_utc: str
    protocol: dict[str, Any] | None
    protocol_approvals: list[tuple[ProtocolApproval, bool]]
    instruments: list[dict[str, Any]]
    results: list[MeasurementResult]
    traceability: list[TraceRow]
    deviations: list[Deviation]
    signatures: list[tuple[Record, dict[str, Any], bool]]
    audit_events: list[tuple[Record, dict[str, Any]]]
    injected_faults: list[tuple[Record, dict[str, Any]]]
    interruptions: list[tuple[Record, dict[str, Any]]]
    raw_files: list[dict[str, Any]]
    raw_records: list[tuple[Record, dict[str, Any]]]
    steps: list[tuple[Record, dict[str, Any]]]
    banners: list[str]
    conclusion: list[str]
    #: the stage's release statement (:func:`mimedi_qual.evidence.status.stage_release`)
    release: status.StageRelease | None = None
    requirements: list[RequirementTrail] = field(default_factory=list)
    executor: status.ExecutorStatus | None = None

    def signatures_in_role(self, role: str) -> list[tuple[Record, dict[str, Any], bool]]:
        """The campaign's signatures given in ``role`` (reviewer, approver, executor), oldest first."""
        return [(r, p, valid) for r, p, valid in self.signatures if p.get("role") == role]

    @property
    def criteria_failed(self) -> int:
        return sum(1 for result in self.results if result.payload.get("verdict") != "pass")


def _payloads(records: Iterable[Record], kind: str) -> list[tuple[Record, dict[str, Any]]]:
    return [(r, r.payload) for r in records if r.kind == kind]


def _traceability(
    records: list[Record], protocol: dict[str, Any] | None, devs: list[Deviation]
) -> list[TraceRow]:
    rows: dict[tuple[str, str], TraceRow] = {}

    def row(urs: str, scenario: str, feature: str) -> TraceRow:
        key = (urs, scenario)
        if key not in rows:
            rows[key] = TraceRow(urs=urs, scenario=scenario, feature=feature, result="PASS")
        elif feature and not rows[key].feature:
            rows[key].feature = feature
        return rows[key]

    for record in current_records(records):  # a superseded partial run is traced nowhere
        if record.kind not in ("scenario", "step", "measurement"):
            continue
        p = record.payload
        for urs in p.get("urs") or ["(no URS)"]:
            trace = row(urs, p.get("scenario", ""), p.get("feature", ""))
            failed = p.get("status") in ("failed", "broken") or (
                record.kind == "measurement" and p.get("verdict") != "pass"
            )
            if failed:
                trace.result = "FAIL"
            if record.kind == "measurement" and p.get("criterion_id") not in trace.criteria:
                trace.criteria.append(p.get("criterion_id", ""))
    for dev in devs:
        for urs in dev.urs:
            for (row_urs, scenario), trace in rows.items():
                if row_urs == urs and (not dev.scenario or dev.scenario == scenario):
                    trace.deviations.append(dev.id)
    # Requirements in the protocol's scope that no scenario exercised.
    for requirement in (protocol or {}).get("requirements", []) or []:
        urs = requirement.get("id") if isinstance(requirement, dict) else str(requirement)
        if urs and not any(key[0] == urs for key in rows):
            rows[(urs, "")] = TraceRow(urs=urs, scenario="—", feature="", result="NOT TESTED")
    return sorted(rows.values(), key=lambda r: (r.urs, r.scenario))


def summarise(records: list[Record], *, integrity_problems: list | None = None) -> CampaignSummary:
    """Extract the report's content from a campaign's records.

    ``integrity_problems``: what ``verify`` found in the campaign (None: not
    checked); any problem puts the NOT INTACT notice first among the banners.
    """
    started = _payloads(records, "campaign_started")
    finished = _payloads(records, "campaign_finished")
    protocols = _payloads(records, "protocol")
    protocol = protocols[-1][1] if protocols else None
    approvals = status.protocol_status(records).approvals
    devs = deviations_from_records(records)
    signatures = status.signatures(records)
    started_payload = started[0][1] if started else None
    banners = status.notices(records, draft=True, integrity_problems=integrity_problems)

    raw_file_of_sha = {p.get("sha256"): p.get("file", "") for _r, p in _payloads(records, "raw_data")}
    results = [MeasurementResult(r, p, _raw_files(p, raw_file_of_sha)) for r, p in _payloads(current_records(records), "measurement")]
    summary = CampaignSummary(
        records_total=len(records),
        head_seq=records[-1].seq if records else 0,
        head_hash=records[-1].hash if records else "",
        started=started_payload,
        started_utc=started[0][0].utc if started else "",
        finished=finished[-1][1] if finished else None,
        # The campaign's end time as campaign_finished states it (the value every view prints); the record's
        # own time for a record written before it carried one.
        finished_utc=(finished[-1][1].get("finished_utc") or finished[-1][0].utc) if finished else "",
        protocol=protocol,
        protocol_approvals=approvals,
        instruments=[p for _r, p in _payloads(records, "instrument_identity")],
        results=results,
        traceability=_traceability(records, protocol, devs),
        deviations=devs,
        signatures=signatures,
        audit_events=_payloads(records, "audit_event"),
        injected_faults=_payloads(records, "injected_fault"),
        interruptions=_payloads(records, "interruption"),
        raw_files=[p for _r, p in _payloads(records, "raw_data")],
        raw_records=_payloads(records, "raw_data"),
        steps=_payloads(current_records(records), "step"),  # a superseded partial run is listed nowhere
        banners=banners,
        conclusion=[],
        release=status.stage_release(records),
    )
    summary.conclusion = conclusion(summary)
    summary.requirements = requirement_trails(records, summary)
    summary.executor = status.executor_status(records)
    return summary


def requirement_trails(records: list[Record], s: CampaignSummary) -> list[RequirementTrail]:
    """One trail per requirement: those in the protocol's scope (in its order), then any other URS id recorded."""
    instruments = {i.get("name"): i for i in s.instruments}
    known: dict[str, dict[str, Any]] = {}
    for requirement in (s.protocol or {}).get("requirements", []) or []:
        if isinstance(requirement, dict) and requirement.get("id"):
            known.setdefault(requirement["id"], requirement)
        elif isinstance(requirement, str):
            known.setdefault(requirement, {"id": requirement})
    order = list(known)
    for row in s.traceability:
        if row.urs not in known:
            known[row.urs] = {"id": row.urs}
            order.append(row.urs)
    statuses = {(p.get("scenario", ""), p.get("feature", "")): p.get("status", "")
                for _r, p in _payloads(records, "scenario")}
    trails = []
    for urs in order:
        requirement = known[urs]
        rows = [row for row in s.traceability if row.urs == urs and row.result != "NOT TESTED"]
        scenarios = []
        for row in rows:
            steps = [(r, p) for r, p in s.steps if p.get("scenario") == row.scenario
                     and (not row.feature or p.get("feature") in ("", row.feature))]
            scenarios.append(ScenarioTrail(row.scenario, row.feature,
                                           statuses.get((row.scenario, row.feature), "") or row.result.lower(),
                                           steps))
        criteria = [CriterionTrail(result, instruments.get(result.payload.get("instrument"), {}))
                    for result in s.results if urs in (result.payload.get("urs") or ["(no URS)"])]
        verdict = ("NOT TESTED" if not rows
                   else "FAIL" if any(row.result == "FAIL" for row in rows) else "PASS")
        trails.append(RequirementTrail(
            urs=urs, text=str(requirement.get("text", "")), risk=str(requirement.get("risk", "")),
            stage=str(requirement.get("stage", "")), verdict=verdict, scenarios=scenarios, criteria=criteria,
            deviations=[d for d in s.deviations if urs in d.urs]))
    return trails


def _raw_files(payload: dict[str, Any], raw_file_of_sha: dict[str, str]) -> list[RawFileRef]:
    # A record written before measurements named their files by role carries raw_sha256 alone:
    # its file name is found in the raw_data record of that hash.
    return [RawFileRef(f.get("role", "raw"), f.get("file") or raw_file_of_sha.get(f.get("sha256"), ""),
                       str(f.get("sha256", "")))
            for f in raw_files_of(payload)]


def conclusion(s: CampaignSummary) -> list[str]:
    """The conclusion's sentences: criteria met, deviations, validity caveats, and the release recommendation."""
    total = len(s.results)
    failed = s.criteria_failed
    open_devs = [d for d in s.deviations if not d.is_closed]
    lines = [
        f"{total - failed} of {total} acceptance criteria met; {failed} not met.",
        f"{len(s.deviations)} deviation(s) recorded, {len(open_devs)} open"
        + (f" ({', '.join(d.id for d in open_devs)})." if open_devs else "."),
    ]
    not_calibrated = sorted(
        {i.get("name") for i in s.instruments if i.get("calibration_certificate") and not i.get("in_calibration")}
    )
    used = sorted({r.payload.get("instrument") for r in s.results if r.payload.get("instrument") in not_calibrated})
    if used:
        lines.append(
            f"Measurements were taken with instruments past their calibration due date ({', '.join(used)}): "
            "those results are not valid evidence."
        )
    untested = [r.urs for r in s.traceability if r.result == "NOT TESTED"]
    if untested:
        lines.append(f"Requirements in scope not tested: {', '.join(untested)}.")
    if s.interruptions:
        lines.append(f"The campaign was interrupted {len(s.interruptions)} time(s) and resumed.")
    if s.finished:
        if s.finished.get("conclusion"):
            lines.append(f"Executor's conclusion: {s.finished['conclusion']}")
        lines.append(f"Recommendation: {s.finished.get('recommendation') or NOT_RECORDED}.")
    else:
        lines.append("The campaign has not finished: no conclusion can be drawn from this record.")
    if s.release is not None:
        lines.append(f"Release of the stage: {s.release.statement}")
    if status.SIMULATED_NOTICE in s.banners or status.UNKNOWN_BENCH_NOTICE in s.banners:
        lines.append(
            "This campaign ran on the simulated bench (digital twin). It is engineering / dry-run evidence "
            "about the protocol and the harness; it does not replace OQ/PQ on the real equipment."
        )
    if status.UNAPPROVED_NOTICE in s.banners:
        lines.append("The protocol executed carries no valid pre-approval signature.")
    return lines
