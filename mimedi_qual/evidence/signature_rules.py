"""The rules a campaign signature must satisfy, read from the record alone (so ``verify`` re-checks them).

* :func:`role_rule_violation` — who may sign in which role: the executor only
  as executor, one person one role, once; review and approval of a finished
  campaign only, approval after a review;
* :func:`release_rule_violation` — what a release decision needs: an approver;
  a complete (finished, not interrupted) campaign of an approved, unchanged
  protocol that is not a dry run; and no failed criterion or open deviation,
  unless the release is *conditional* and names each of them (no more, no
  fewer) with a justification. A rejection is always allowed.

:func:`mimedi_qual.evidence.signatures.sign_campaign` refuses (and audits) a
signature that breaks one; :func:`mimedi_qual.evidence.verify.verify_campaign`
names a recorded signature that broke one on the records before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mimedi_qual.evidence.execution import executor_status
from mimedi_qual.evidence.signers import campaign_executors
from mimedi_qual.evidence.status import release_blockers
from mimedi_qual.evidence.store import Record
from mimedi_qual.evidence.users import Role
from mimedi_qual.profiles.meanings import ReleaseDecision


def role_rule_violation(
    records: Iterable[Record], user_id: str, role: Role | str
) -> tuple[str, str] | None:
    """Why ``user_id`` may not sign ``records`` as ``role`` now: (reason_code, message), or None.

    The registry check (does the user hold the role) is separate: see :func:`sign_campaign`.
    """
    records = list(records)
    role = Role(role)
    started = [r for r in records if r.kind == "campaign_started"]
    declared_executor = started[0].payload.get("executor_user_id") if started else None
    signatures = [r.payload for r in records if r.kind == "signature"]

    if role is not Role.EXECUTOR:
        from mimedi_qual.evidence.status import completion

        done = completion(records)   # interrupted in any phase, even after campaign_finished (the views)
        if not done.complete and done.interrupted:
            return "interrupted", (f"{done.reason}: it cannot be signed as {role} until `mimedi-qual run --resume` "
                                   "finishes it")
        if not done.complete:
            return "not_finished", f"the campaign has not finished: it cannot be signed as {role} yet"
    if role is Role.EXECUTOR:
        if declared_executor and user_id != declared_executor:
            return "not_executor", f"{user_id} did not execute this campaign ({declared_executor} did)"
        if executor_status(records).dry_run:   # a user id registered later does not make anyone its executor
            return "dry_run_executor", ("the campaign is a dry run: its executor was not a registered user who "
                                        "signed its start, so nobody can sign it as executor")
    elif user_id in campaign_executors(records):
        return "executor_cannot_sign_role", f"{user_id} executed this campaign and cannot sign it as {role}"
    for sig in signatures:
        if sig.get("user_id") != user_id:
            continue
        if sig.get("role") == role.value:
            return "already_signed", f"{user_id} has already signed this campaign as {role}"
        return (
            "second_role",
            f"{user_id} already signed this campaign as {sig.get('role')}: one person, one role",
        )
    if role is Role.APPROVER and not any(s.get("role") == Role.REVIEWER.value for s in signatures):
        return "not_reviewed", "the campaign has no review signature yet: review before approval"
    return None


def release_rule_violation(
    records: Sequence[Record], role: Role | str, release: dict[str, Any]
) -> tuple[str, str] | None:
    """Why a signature carrying ``release`` may not be given on ``records``: (reason_code, message), or None.

    ``release`` is a signature payload's ``{decision, to, justification, accepts}``.
    """
    decision = str(release.get("decision") or ReleaseDecision.NONE.value)
    if decision not in (ReleaseDecision.RELEASED.value, ReleaseDecision.CONDITIONAL.value):
        return None  # no release, or a rejection: always allowed
    if str(role) != Role.APPROVER.value:
        return "release_not_approver", f"only an approver releases a stage, not a {role}"
    blockers = release_blockers(records)
    if blockers.absolute:
        code = blockers.absolute[0][0]
        return code, "release refused: " + "; ".join(message for _code, message in blockers.absolute)
    acceptable = blockers.acceptable
    what = "; ".join(part for part in (
        f"criteria not met: {', '.join(blockers.failed_criteria)}" if blockers.failed_criteria else "",
        f"open deviations: {', '.join(blockers.open_deviations)}" if blockers.open_deviations else "",
    ) if part)
    if decision == ReleaseDecision.RELEASED.value:
        if acceptable:
            return ("release_blocked",
                    f"release refused while {what}: close the deviations, or sign a conditional release "
                    f"(--accepts {','.join(acceptable)} --justification TEXT)")
        return None
    accepts = [str(a) for a in release.get("accepts") or []]
    if not acceptable:
        return "nothing_to_accept", "no criterion failed and no deviation is open: sign a plain release"
    if not str(release.get("justification") or "").strip():
        return "no_justification", f"a conditional release needs a justification for accepting {what}"
    missing = [a for a in acceptable if a not in accepts]
    if missing:
        return ("accepts_incomplete",
                f"a conditional release must name everything it accepts; not named: {', '.join(missing)} "
                f"({what})")
    unknown = [a for a in accepts if a not in acceptable]
    if unknown:
        return ("accepts_unknown", f"{', '.join(unknown)}: neither a criterion not met nor an open deviation "
                                   f"of this campaign ({what})")
    return None


__all__ = ["release_rule_violation", "role_rule_violation"]
