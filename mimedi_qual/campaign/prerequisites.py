"""Prerequisites of a qualification stage: the earlier stage released (a protocol lists the earlier stage's release among its prerequisites).

OQ may start only when IQ is released, PQ only when OQ is. A campaign that
runs the earlier stage itself carries it; otherwise the engineer names the
campaign that released it (``mimedi-qual run --prerequisite DIR``), which must
verify intact, have met all its criteria and carry an approver's signature.
What was found is recorded in ``campaign_started`` and shown in the summary
report; a missing release is stated there, never silently assumed.

>>> stage_prerequisites(["oq"], [])
['OQ requires IQ released: NOT DEMONSTRATED (no prerequisite campaign given)']
"""

from __future__ import annotations

from pathlib import Path

EARLIER_STAGE = {"oq": "iq", "pq": "oq"}


def released_stages(campaign_dir: Path) -> tuple[set[str], str]:
    """Stages a campaign released, and a one-line description of its release; ({}, why) if none."""
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError
    from mimedi_qual.evidence.users import UserRegistry
    from mimedi_qual.evidence.verify import verify_campaign
    from mimedi_qual.paths import project_paths

    try:
        # Its signatures are checked against the project's user registry (verify fails closed without one).
        registry = UserRegistry.load(project_paths().users_registry)
    except ProfileError as exc:
        return set(), f"the user registry cannot be trusted: {exc}"
    try:
        report = verify_campaign(campaign_dir, registry)
        if not report.ok:
            return set(), f"{campaign_dir} does not verify intact"
        with EvidenceStore.open(campaign_dir) as store:
            started = store.records(kind="campaign_started")
            finished = store.records(kind="campaign_finished")
            approvals = [r.payload for r in store.records(kind="signature")
                         if r.payload.get("role") == "approver"]
    except EvidenceStoreError as exc:
        return set(), f"{campaign_dir}: {exc}"
    if not started or not finished:
        return set(), f"{campaign_dir} is not a finished campaign"
    if finished[-1].payload.get("verdict") != "criteria_met":
        return set(), f"campaign {started[0].payload['campaign_id']} did not meet all its criteria"
    if not approvals:
        return set(), f"campaign {started[0].payload['campaign_id']} has no approver's signature"
    approval = approvals[-1]
    stages = {s.lower() for s in started[0].payload["stage"].split("+")}
    who = approval.get("printed_name") or approval.get("user_id", "")
    return stages, (f"campaign {started[0].payload['campaign_id']}, approved by {who} "
                    f"({approval.get('utc') or approval.get('signed_utc', '')})")


def stage_prerequisites(stages: list[str], prerequisite_dirs: list[Path]) -> list[str]:
    """One line per stage that has an earlier stage: how its release is shown."""
    released: dict[str, str] = {}
    problems: list[str] = []
    for directory in prerequisite_dirs:
        found, description = released_stages(directory)
        if not found:
            problems.append(description)
        for stage in found:
            released[stage] = description
    lines = []
    for stage in stages:
        earlier = EARLIER_STAGE.get(stage)
        if earlier is None:
            continue
        if earlier in stages:
            lines.append(f"{stage.upper()} requires {earlier.upper()} released: {earlier.upper()} executed in this "
                         f"campaign; its release is this campaign's review and approval")
        elif earlier in released:
            lines.append(f"{stage.upper()} requires {earlier.upper()} released: released by {released[earlier]}")
        else:
            why = "; ".join(problems) or "no prerequisite campaign given"
            lines.append(f"{stage.upper()} requires {earlier.upper()} released: NOT DEMONSTRATED ({why})")
    return lines
