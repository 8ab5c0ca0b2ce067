"""Resuming a campaign whose process died (``mimedi-qual run --resume CAMPAIGN_DIR``): the same campaign.

Everything the dead process committed is in the evidence store. Resuming
re-reads how the campaign was started — bench profile, stages, acceptance
profile and the selection (``--module``, ``--risk``, ``--tags``, recorded as
``campaign_started.selection``) — from its ``campaign_started`` record, never
from new arguments, so a resumed campaign cannot quietly change what it runs.

The judging inputs (features, URS, recipes, acceptance criteria, equipment
register: :func:`~mimedi_qual.evidence.protocol.judging_files`) are hashed
again and compared with the ``protocol`` record's file list. A file changed,
added or removed since the start is refused (:class:`ProtocolChangedOnResume`,
exit 2 naming the files) — results judged by two protocols are one campaign
no longer — unless the executor says ``--accept-changed-protocol``: then a
``protocol_changed`` deviation names the files and the campaign carries on.

Then the interruption is recorded (an ``interruption`` record, the partial
run of a cut-off scenario marked ``scenario_superseded``, an *interruption*
deviation, an audit event) and only the scenarios with no ``scenario`` record
run — a cut-off one again from its start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.protocol import ManifestDifferences, judging_files, manifest_differences, protocol_manifest
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, NotACampaignError
from mimedi_qual.paths import ProjectPaths


class ResumeError(EvidenceError):
    """The campaign directory cannot be resumed (not a campaign, not started, already finished)."""


class ProtocolChangedOnResume(ResumeError):
    """A judging input differs from the one the campaign started with (``--accept-changed-protocol`` records it)."""

    def __init__(self, campaign_dir: Path, differences: ManifestDifferences) -> None:
        self.differences = differences
        super().__init__(
            f"{campaign_dir}: the judging inputs changed since the campaign started — "
            f"{differences.describe(most=20)} (against the sha256 list of its protocol record). Restore them "
            "to resume the same campaign, or pass --accept-changed-protocol to resume with a protocol_changed "
            "deviation naming these files")


#: what ``campaign_started.selection`` holds: the scenario selection the campaign was started with
SELECTION_KEYS = ("modules", "risks", "tags")


@dataclass
class ResumePlan:
    campaign_dir: Path
    campaign_id: str
    bench_path: Path
    acceptance_path: Path | None
    stages: list[str]
    completed_nodeids: list[str] = field(default_factory=list)
    #: the recorded selection: modules, risks (tuples) and tags (str or None); None for a campaign started
    #: before the selection was recorded
    selection: dict | None = None
    #: ``(path, sha256)`` of every judging input, as the campaign's first ``protocol`` record lists them
    protocol_files: list[tuple[str, str]] = field(default_factory=list)
    #: set by the campaign service: the judging inputs changed since the start (empty: none)
    changed: ManifestDifferences = field(default_factory=ManifestDifferences)

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple((self.selection or {}).get("modules") or ())

    @property
    def risks(self) -> tuple[str, ...]:
        return tuple((self.selection or {}).get("risks") or ())

    @property
    def tags(self) -> str | None:
        return (self.selection or {}).get("tags") or None

    def changed_judging_inputs(self, paths: ProjectPaths) -> ManifestDifferences:
        """The judging inputs as they are now against those the campaign started with (file by file)."""
        from mimedi_qual.profiles.loader import load_protocol_document

        document = load_protocol_document(paths.protocol_document)
        now = protocol_manifest(judging_files(paths, document.files, self.acceptance_path), paths.root)
        return manifest_differences(self.protocol_files, now)

    def record_interruption(self, resumed_by: str | None = None,
                            changed: ManifestDifferences | None = None) -> None:
        """The interruption deviation; ``resumed_by`` names who resumed (the executor, authenticated).

        ``changed`` (judging inputs accepted as changed): a ``protocol_changed`` deviation names the files.
        ``measurements.jsonl`` is rewritten from the record, without a superseded partial run.
        """
        from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation
        from mimedi_qual.evidence.resume import resume_campaign
        from mimedi_qual.evidence.supersede import current_payloads
        from mimedi_qual.report.measurements_jsonl import write_measurement_lines

        who = resumed_by or "mimedi-qual run --resume"
        store, _deviation = resume_campaign(self.campaign_dir, resumed_by=who)
        try:
            if changed:
                record_deviation(
                    store, DeviationCategory.PROTOCOL_CHANGED,
                    description=f"Judging inputs changed between the interruption and the resume: "
                                f"{changed.describe(most=20)}",
                    expected="the judging inputs the campaign started with (the protocol record's sha256 list)",
                    actual=f"resumed by {who} with --accept-changed-protocol; files {changed.as_payload()}",
                    impact="Scenarios run after the resume are judged by other inputs than those before it: "
                           "the campaign's results do not come from one protocol; re-execution may be required",
                )
            write_measurement_lines(self.campaign_dir, current_payloads(store.records(), "measurement"))
        finally:
            store.close()


def resume_plan(campaign_dir: Path) -> ResumePlan:
    try:
        store = EvidenceStore.open(campaign_dir)
    except NotACampaignError:
        raise ResumeError(f"{campaign_dir}: not a campaign directory (no evidence.sqlite)") from None
    except EvidenceStoreError as exc:
        raise ResumeError(f"{campaign_dir}: {exc}") from None
    with store:
        started = store.records(kind="campaign_started")
        if not started:
            raise ResumeError(f"{campaign_dir}: the campaign record has no campaign_started record")
        from mimedi_qual.evidence.status import completion

        if completion(store.records()).complete:
            raise ResumeError(f"{campaign_dir}: campaign already finished, nothing to resume")
        start = started[0].payload
        done = [r.payload.get("nodeid") for r in store.records(kind="scenario")]
        protocols = store.records(kind="protocol")
    files = [(str(f["path"]), str(f["sha256"])) for f in (protocols[0].payload.get("files") or [])] if protocols else []
    if not files:
        raise ResumeError(f"{campaign_dir}: the campaign record lists no judging inputs (no protocol record with "
                          "files): what it started with cannot be checked, so it cannot be resumed")
    acceptance = start.get("environment", {}).get("acceptance_profile")
    return ResumePlan(
        campaign_dir=Path(campaign_dir).resolve(),
        campaign_id=start["campaign_id"],
        bench_path=Path(start["bench_profile"]),
        acceptance_path=Path(acceptance) if acceptance else None,
        stages=[s.lower() for s in start["stage"].split("+")],
        completed_nodeids=[n for n in done if n],
        selection=start.get("selection"),
        protocol_files=files,
    )
