"""Resuming a campaign whose process died (``mimedi-qual run --resume CAMPAIGN_DIR``).

Everything the dead process committed is in the evidence store. Resuming
re-reads how the campaign was started (bench profile, stages, acceptance
profile) from its ``campaign_started`` record — never from new arguments, so
a resumed campaign cannot quietly change its protocol — records the
interruption (an ``interruption`` record, an *interruption* deviation and an
audit event), and runs only the scenarios that have no ``scenario`` record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, NotACampaignError


class ResumeError(EvidenceError):
    """The campaign directory cannot be resumed (not a campaign, not started, already finished)."""


@dataclass
class ResumePlan:
    campaign_dir: Path
    campaign_id: str
    bench_path: Path
    acceptance_path: Path | None
    stages: list[str]
    completed_nodeids: list[str] = field(default_factory=list)

    def record_interruption(self, resumed_by: str | None = None) -> None:
        """The interruption deviation; ``resumed_by`` names who resumed (the executor, authenticated)."""
        from mimedi_qual.evidence.resume import resume_campaign

        store, _deviation = resume_campaign(self.campaign_dir, resumed_by=resumed_by or "mimedi-qual run --resume")
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
    acceptance = start.get("environment", {}).get("acceptance_profile")
    return ResumePlan(
        campaign_dir=Path(campaign_dir).resolve(),
        campaign_id=start["campaign_id"],
        bench_path=Path(start["bench_profile"]),
        acceptance_path=Path(acceptance) if acceptance else None,
        stages=[s.lower() for s in start["stage"].split("+")],
        completed_nodeids=[n for n in done if n],
    )
