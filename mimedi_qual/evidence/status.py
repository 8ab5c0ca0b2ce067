"""What a reader is told about a campaign, decided once: approved? released? simulated?

Every face and view — the CLI summary, the banner on ``report.html``, the
summary PDF, the campaign's own ``campaign_finished`` record — asks these
functions and never decides by itself. Each takes the campaign's records
(``store.records()``), so a view can be rebuilt from the record alone::

    >>> records = store.records()                                    # doctest: +SKIP
    >>> protocol_status(records).approved                            # doctest: +SKIP
    False
    >>> notices(records)                                             # doctest: +SKIP
    ['ENGINEERING DRY RUN — SIMULATED BENCH ...', 'PROTOCOL NOT APPROVED — ...']

The rules:

* **protocol approved** — the ``protocol`` record carries at least one approval
  by an *approver* whose Ed25519 signature verifies over the approval manifest
  and whose protocol hash is the hash of the protocol that was executed. Any
  other approval (a reviewer's, a forged one, one of another protocol
  version) is shown but does not approve. **Protocol changed** — the judging
  inputs run are not the approved set: the ``protocol`` record carries
  ``differs_from_approved`` (files added, removed, changed; written by
  :func:`~mimedi_qual.evidence.protocol.record_protocol`), or its hash is not
  the one ``campaign_started`` recorded.
* **release decision** — criteria met only when at least one scenario ran,
  every scenario passed and no deviation was recorded; otherwise "do not
  release". This is the executor's recommendation, written into
  ``campaign_finished``; the release itself is the approvers' signature.
* **simulated** — from ``campaign_started.bench_simulated``; a record without
  ``campaign_started`` is treated as simulated (unknown bench): evidence of
  unknown origin is never presented as real-equipment evidence.
* **executor** — :func:`executor_status` (from :mod:`.execution`): a registered
  executor who signed the campaign's start, or a *dry run* (simulated bench,
  executor not a registered user, or no valid execution signature): every view
  says so and a dry run can never be released.
* **signature valid** — the signed head record exists with the signed hash and
  the Ed25519 signature verifies over the signature manifest with the key it
  embeds (the registry check is ``verify``'s). **Approved by signature** — at
  least one valid signature in the role *approver*; until then a view is a draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mimedi_qual.evidence.deviations import deviations_from_records
from mimedi_qual.evidence.execution import DRY_RUN_NOTICE, ExecutorStatus, executor_status  # noqa: F401 (re-exported)
from mimedi_qual.evidence.protocol import ProtocolApproval
from mimedi_qual.evidence.signatures import signature_manifest
from mimedi_qual.evidence.store import Record
from mimedi_qual.evidence.users import verify_ed25519

SIMULATED_NOTICE = "ENGINEERING DRY RUN — SIMULATED BENCH (digital twin): not evidence for qualifying real equipment"
UNKNOWN_BENCH_NOTICE = "BENCH UNKNOWN — no campaign_started record: treated as an engineering dry run"
UNAPPROVED_NOTICE = "PROTOCOL NOT APPROVED — results are not valid for release"
PROTOCOL_CHANGED_NOTICE = "PROTOCOL DIFFERS FROM THE APPROVED ONE"
INCOMPLETE_NOTICE = "CAMPAIGN INCOMPLETE — NO campaign_finished RECORD"
DRAFT_NOTICE = "DRAFT — NOT YET APPROVED BY SIGNATURE"

CRITERIA_MET, NOT_MET = "criteria_met", "deviations"


def _last_payload(records: Sequence[Record], kind: str) -> dict[str, Any] | None:
    found = [r.payload for r in records if r.kind == kind]
    return found[-1] if found else None


def _first_payload(records: Sequence[Record], kind: str) -> dict[str, Any] | None:
    return next((r.payload for r in records if r.kind == kind), None)


# -- simulated? ----------------------------------------------------------------------------
def bench_known(records: Sequence[Record]) -> bool:
    return _first_payload(records, "campaign_started") is not None


def is_simulated(records: Sequence[Record]) -> bool:
    started = _first_payload(records, "campaign_started")
    return True if started is None else bool(started.get("bench_simulated", True))


# -- protocol approved? ---------------------------------------------------------------------
@dataclass
class ProtocolStatus:
    """The executed protocol's approvals, each with whether it is valid, and the decision."""

    approvals: list[tuple[ProtocolApproval, bool]] = field(default_factory=list)
    approved: bool = False
    #: the protocol run differs from the approved one, or from the one recorded at start (hash mismatch)
    changed: bool = False
    #: ``differs_from_approved`` of the protocol record: approved hash, files added/removed/changed
    differences: dict[str, Any] | None = None

    def describe(self) -> str:
        """One line: approved (by whom), or not, and which files differ from the approved protocol."""
        if self.approved:
            who = ", ".join(a.printed_name for a, valid in self.approvals if valid and a.role == "approver")
            return f"approved by {who}"
        if not self.differences:
            return "not approved" + (" (differs from the protocol recorded at start)" if self.changed else "")
        parts = [f"{kind} {', '.join(self.differences[kind])}" for kind in ("changed", "added", "removed")
                 if self.differences.get(kind)]
        return (f"not approved: differs from the approved protocol ({self.differences.get('approved_hash', '')[:12]}…"
                f"{'; ' + '; '.join(parts) if parts else ''})")


def protocol_status(records: Sequence[Record]) -> ProtocolStatus:
    protocol = _last_payload(records, "protocol")
    if not protocol:
        return ProtocolStatus()
    approvals = []
    for payload in protocol.get("approvals", []) or []:
        try:
            approval = ProtocolApproval.from_payload(payload)
        except (KeyError, TypeError):
            continue
        valid = approval.signature_valid() and approval.protocol_hash == protocol.get("protocol_hash")
        approvals.append((approval, valid))
    started = _first_payload(records, "campaign_started")
    differences = protocol.get("differs_from_approved") or None
    changed = bool(differences) or (bool(started) and started.get("protocol_hash") != protocol.get("protocol_hash"))
    approved = not changed and any(valid and approval.role == "approver" for approval, valid in approvals)
    return ProtocolStatus(approvals=approvals, approved=approved, changed=changed, differences=differences)


# -- release decision ------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleaseDecision:
    verdict: str  # CRITERIA_MET or NOT_MET
    criteria_total: int
    criteria_failed: int
    deviations: int
    conclusion: str
    recommendation: str

    @property
    def criteria_met(self) -> bool:
        return self.verdict == CRITERIA_MET

    def as_payload(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "criteria_total": self.criteria_total,
                "criteria_failed": self.criteria_failed, "deviations": self.deviations,
                "conclusion": self.conclusion, "recommendation": self.recommendation}


def release_decision(records: Sequence[Record]) -> ReleaseDecision:
    """The executor's conclusion and recommendation from what the record holds."""
    measurements = [r.payload for r in records if r.kind == "measurement"]
    failed = sum(1 for m in measurements if m.get("verdict") != "pass")
    devs = deviations_from_records(list(records))
    scenarios = [r.payload for r in records if r.kind == "scenario"]
    ok = not devs and bool(scenarios) and all(s.get("status") == "passed" for s in scenarios)
    if ok:
        conclusion = "All acceptance criteria of the executed protocol were met."
        recommendation = "Release to the next stage after review and approval."
    else:
        conclusion = (f"{len(devs)} deviation(s) recorded; {failed} of {len(measurements)} criteria not met."
                      if scenarios else "No scenario was executed: nothing was demonstrated.")
        recommendation = "Do not release: investigate and close the deviations first."
    return ReleaseDecision(verdict=CRITERIA_MET if ok else NOT_MET, criteria_total=len(measurements),
                           criteria_failed=failed, deviations=len(devs), conclusion=conclusion,
                           recommendation=recommendation)


def finished(records: Sequence[Record]) -> dict[str, Any] | None:
    """The ``campaign_finished`` payload, or None while the campaign has not finished."""
    return _last_payload(records, "campaign_finished")


# -- signatures -------------------------------------------------------------------------------
def signatures(records: Sequence[Record]) -> list[tuple[Record, dict[str, Any], bool]]:
    """Every ``signature`` record with whether it is valid (see the module docstring)."""
    by_seq = {r.seq: r for r in records}
    found = []
    for record in records:
        if record.kind != "signature":
            continue
        p = record.payload
        signed = by_seq.get(p.get("signed_head_seq"))
        valid = (signed is not None and signed.hash == p.get("signed_head_hash")
                 and verify_ed25519(str(p.get("public_key_ed25519", "")), str(p.get("signature_ed25519", "")),
                                    signature_manifest(p)))
        found.append((record, p, valid))
    return found


def approved_by_signature(records: Sequence[Record]) -> bool:
    return any(p.get("role") == "approver" and valid for _r, p, valid in signatures(records))


# -- the notices every view carries ----------------------------------------------------------
def notices(records: Sequence[Record], *, draft: bool = False) -> list[str]:
    """The warnings shown on every page of every view (report.html banner, PDF, CLI).

    ``draft``: also say so while no approver has signed (the PDF, rebuilt after
    signing, says it; ``report.html``, written before anyone can sign, does not).
    """
    texts = []
    if not bench_known(records):
        texts.append(UNKNOWN_BENCH_NOTICE)
    elif is_simulated(records):
        texts.append(SIMULATED_NOTICE)
    if bench_known(records) and executor_status(records).dry_run:
        texts.append(DRY_RUN_NOTICE)
    protocol = protocol_status(records)
    if not protocol.approved:
        texts.append(UNAPPROVED_NOTICE)
    if protocol.changed:
        texts.append(PROTOCOL_CHANGED_NOTICE)
    if finished(records) is None:
        texts.append(INCOMPLETE_NOTICE)
    if draft and not approved_by_signature(records):
        texts.append(DRAFT_NOTICE)
    return texts
