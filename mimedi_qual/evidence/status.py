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
  least one valid signature in the role *approver* that is not a rejection; until then a view is a draft.
* **complete** (:func:`completion`) — a ``campaign_finished`` record, not
  ``aborted``/``interrupted``, no interruption after it, and, when the record
  says how many scenarios were selected, every one of them ran. Only a complete
  campaign can be released.
* **dry run** (:func:`is_dry_run`) — the executor's status above: never released.
* **release blockers** (:func:`release_blockers`) — what stands in the way of an
  approver's release: incomplete, protocol not approved or changed, dry run
  (absolute), and failed criteria / open deviations (which only a
  *conditional* release may accept, by naming each of them with a justification).
* **stage release** (:func:`stage_release`) — what the signatures decided: the
  release decision (released to which stage, conditionally with what, rejected)
  of the last valid approver signature carrying one (or a reviewer's
  rejection); "not released" otherwise. Every view prints its ``statement``.
* **integrity** — a view given ``verify``'s problems (``notices(..., integrity_problems=
  report.problems)``) that are not none says so first: a signature over a record that no longer
  verifies is never shown as valid without that warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mimedi_qual.evidence.deviations import deviations_from_records
from mimedi_qual.evidence.execution import DRY_RUN_NOTICE, ExecutorStatus, executor_status  # noqa: F401 (re-exported)
from mimedi_qual.evidence.manifest import signature_manifest
from mimedi_qual.evidence.protocol import ProtocolApproval
from mimedi_qual.evidence.store import Record
from mimedi_qual.evidence.supersede import current_payloads
from mimedi_qual.evidence.users import verify_ed25519

SIMULATED_NOTICE = "ENGINEERING DRY RUN — SIMULATED BENCH (digital twin): not evidence for qualifying real equipment"
UNKNOWN_BENCH_NOTICE = "BENCH UNKNOWN — no campaign_started record: treated as an engineering dry run"
UNAPPROVED_NOTICE = "PROTOCOL NOT APPROVED — results are not valid for release"
PROTOCOL_CHANGED_NOTICE = "PROTOCOL DIFFERS FROM THE APPROVED ONE"
INCOMPLETE_NOTICE = "CAMPAIGN INCOMPLETE — NO campaign_finished RECORD"
DRAFT_NOTICE = "DRAFT — NOT YET APPROVED BY SIGNATURE"
NOT_INTACT_NOTICE = ("RECORD NOT INTACT — mimedi-qual verify finds {count} problem(s) (first: {first}); "
                     "values and signatures shown do not prove the record")

CRITERIA_MET, NOT_MET = "criteria_met", "deviations"
#: written by the campaign service when a campaign stops before its end (phase scenarios / report / summary)
INTERRUPTED_KIND = "campaign_interrupted"
#: the summary PDF's file in the campaign (the last view written: its artifact record ends a finish)
SUMMARY_FILE = "summary.pdf"


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
    measurements = current_payloads(records, "measurement")  # a superseded partial run counts nowhere
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


@dataclass(frozen=True)
class Completion:
    """Whether the campaign ran to its end: only a complete campaign can be released."""

    complete: bool
    #: stopped by an interruption (recorded as aborted/interrupted, or interrupted after finishing)
    interrupted: bool
    reason: str


def completion(records: Sequence[Record]) -> Completion:
    """Finished, not interrupted, every selected scenario run (see the module docstring)."""
    done = [r for r in records if r.kind == "campaign_finished"]
    if not done:
        stops = [r for r in records if r.kind == INTERRUPTED_KIND]
        if stops:
            p = stops[-1].payload
            return Completion(False, True, f"the campaign was interrupted (record #{stops[-1].seq}, phase "
                                           f"{p.get('phase', '?')}: {p.get('reason', '')}); "
                                           f"{p.get('scenarios_run', '?')} of {p.get('scenarios_selected', '?')} "
                                           "selected scenarios ran")
        return Completion(False, any(r.kind == "interruption" for r in records),
                          "the campaign has not finished (no campaign_finished record): interrupted or still running")
    last = done[-1]
    p = last.payload
    state = str(p.get("state") or p.get("verdict") or "")
    if state in ("aborted", "interrupted") or p.get("interrupted") is True:
        return Completion(False, True, f"the campaign ended {state or 'interrupted'}: it did not run to its end")
    later = [r for r in records if r.seq > last.seq and r.kind in ("interruption", INTERRUPTED_KIND)]
    if later:
        phase = later[0].payload.get("phase")
        return Completion(False, True, f"the campaign was interrupted after it finished (record #{later[0].seq}"
                                       + (f", phase {phase}: {later[0].payload.get('reason', '')}" if phase else "")
                                       + ")")
    if p.get("views") is True and not any(
            r.seq > last.seq and r.kind in ("artifact", "view_rebuilt") and r.payload.get("file") == SUMMARY_FILE
            for r in records):
        return Completion(False, True, "the finish stopped before summary.pdf was recorded (interrupted while "
                                       "writing the views): resume it")
    selected, ran = p.get("scenarios_selected"), p.get("scenarios_run")
    if isinstance(selected, int) and isinstance(ran, int) and ran < selected:
        return Completion(False, True, f"only {ran} of {selected} selected scenarios ran")
    return Completion(True, False, "finished")


def is_dry_run(records: Sequence[Record]) -> bool:
    """A dry run qualifies nothing and is never released (:func:`executor_status`: no signed execution)."""
    return executor_status(records).dry_run


@dataclass(frozen=True)
class ReleaseBlockers:
    """What stands in the way of releasing the campaign's stage (see :func:`release_blockers`)."""

    #: (reason_code, message) that no release may override: incomplete, protocol, dry run
    absolute: list[tuple[str, str]]
    #: criterion ids not met (in record order, once each)
    failed_criteria: list[str]
    #: deviation ids not closed
    open_deviations: list[str]

    @property
    def acceptable(self) -> list[str]:
        """What a conditional release must name, every one: failed criteria and open deviations."""
        return [*self.failed_criteria, *self.open_deviations]


def release_blockers(records: Sequence[Record]) -> ReleaseBlockers:
    """Everything that forbids (absolute) or conditions (criteria, deviations) a release of this record."""
    absolute: list[tuple[str, str]] = []
    done = completion(records)
    if not done.complete:
        absolute.append(("interrupted" if done.interrupted else "not_finished", done.reason))
    protocol = protocol_status(records)
    if protocol.changed:
        absolute.append(("protocol_changed", "the protocol executed differs from the approved one"))
    elif not protocol.approved:
        absolute.append(("protocol_not_approved",
                         "the protocol executed carries no valid approver's pre-approval: results are not valid "
                         "for release"))
    if is_dry_run(records):
        absolute.append(("dry_run", "the campaign is a dry run (no registered executor signed its start): it "
                                    "qualifies nothing and cannot be released"))
    failed: list[str] = []
    for payload in current_payloads(records, "measurement"):
        if payload.get("verdict") != "pass":
            criterion = str(payload.get("criterion_id", "?"))
            if criterion not in failed:
                failed.append(criterion)
    open_devs = [d.id for d in deviations_from_records(records) if not d.is_closed]
    return ReleaseBlockers(absolute=absolute, failed_criteria=failed, open_deviations=open_devs)


@dataclass(frozen=True)
class StageRelease:
    """What the signatures decided about the stage's release, for every view to print as it is."""

    #: "released", "conditional", "rejected" or "not released"
    decision: str
    #: the stage (or "routine use") released to; "" unless released / conditional
    to: str = ""
    signer: str = ""
    role: str = ""
    signed_utc: str = ""
    justification: str = ""
    accepts: tuple[str, ...] = ()
    #: the record of the deciding signature (0: none)
    seq: int = 0

    @property
    def released(self) -> bool:
        return self.decision in ("released", "conditional")

    @property
    def statement(self) -> str:
        """The stage's release statement, one sentence."""
        by = f"by {self.signer} ({self.role}) on {self.signed_utc}, signature record #{self.seq}"
        if self.decision == "released":
            return f"Released to {self.to} {by}."
        if self.decision == "conditional":
            return (f"Conditionally released to {self.to} {by}, accepting {', '.join(self.accepts)}: "
                    f"{self.justification}")
        if self.decision == "rejected":
            return f"Not released: rejected {by}."
        return "Not released: no approver has signed a release decision."


def stage_release(records: Sequence[Record]) -> StageRelease:
    """The release decision of the last valid signature that carries one (see the module docstring).

    The summary PDF and ``mimedi-qual summary`` print ``stage_release(records).statement``
    as the stage's release statement; ``release`` in a signature payload is
    ``{decision, to, justification, accepts}`` (written by ``sign_campaign``).
    """
    for record, p, valid in reversed(signatures(records)):
        release = p.get("release")
        if not valid or not isinstance(release, dict) or release.get("decision") in (None, "none"):
            continue
        decision = str(release.get("decision"))
        if decision in ("released", "conditional") and p.get("role") != "approver":
            continue  # only an approver releases (sign refuses anything else; verify names it)
        return StageRelease(
            decision=decision, to=str(release.get("to") or ""),
            signer=str(p.get("printed_name") or p.get("user_id", "")), role=str(p.get("role", "")),
            signed_utc=str(p.get("signed_utc", "")), justification=str(release.get("justification") or ""),
            accepts=tuple(release.get("accepts") or ()), seq=record.seq,
        )
    return StageRelease(decision="not released")


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
    """A valid approver's signature that is not a rejection (one from before release decisions counts)."""
    return any(p.get("role") == "approver" and valid
               and (p.get("release") or {}).get("decision") != "rejected"
               for _r, p, valid in signatures(records))


# -- the notices every view carries ----------------------------------------------------------
def integrity_notice(problems: Sequence[Any] | None) -> str | None:
    """The NOT INTACT notice for ``verify``'s problems (``VerificationReport.problems``); None when there are none."""
    if not problems:
        return None
    return NOT_INTACT_NOTICE.format(count=len(problems), first=problems[0])


def notices(records: Sequence[Record], *, draft: bool = False,
            integrity_problems: Sequence[Any] | None = None) -> list[str]:
    """The warnings shown on every page of every view (report.html banner, PDF, CLI).

    ``draft``: also say so while no approver has signed (the PDF, rebuilt after
    signing, says it; ``report.html``, written before anyone can sign, does not).
    ``integrity_problems``: what :func:`~mimedi_qual.evidence.verify.verify_campaign`
    found (``report.problems``; None: not checked); when there are any, the first
    notice says the record is NOT INTACT.
    """
    texts = []
    not_intact = integrity_notice(integrity_problems)
    if not_intact:
        texts.append(not_intact)
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
