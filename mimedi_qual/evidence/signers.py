"""Who is signing, as the campaign's record knows them: its executors and each user's failed passwords.

Also :class:`SignatureRefused`, the refusal of a campaign signature or a
protocol approval (re-exported by :mod:`~mimedi_qual.evidence.signatures`).

Shared by every signed act on a campaign (:mod:`~mimedi_qual.evidence.signatures`
for review and approval, :mod:`~mimedi_qual.evidence.deviations` for closing
and re-opening a deviation), so the rules are one rule:

* the campaign's *executors* — ``campaign_started.executor_user_id`` and anyone
  who signed it as ``executor`` — never review, approve or close a deviation
  of it (Annex 11 §2, segregation of duties);
* after :data:`MAX_FAILED_ATTEMPTS` wrong passwords recorded in this campaign's
  audit trail (any act), the user can no longer sign anything in it
  (Part 11 §11.300(d)).
"""

from __future__ import annotations

from collections.abc import Iterable

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.store import Record

MAX_FAILED_ATTEMPTS = 3
WRONG_PASSWORD = "wrong_password"


class SignatureRefused(EvidenceError):
    """Signing was refused; the reason is in the message and in an audit_event record."""

    def __init__(self, message: str, reason_code: str):
        super().__init__(message)
        self.reason_code = reason_code


def campaign_executors(records: Iterable[Record]) -> set[str]:
    """User ids that executed the campaign (campaign_started + executor signatures)."""
    executors: set[str] = set()
    for record in records:
        payload = record.payload
        if record.kind == "campaign_started" and payload.get("executor_user_id"):
            executors.add(payload["executor_user_id"])
        elif record.kind == "signature" and payload.get("role") == "executor":
            executors.add(payload.get("user_id", ""))
    return executors


def failed_password_attempts(records: Iterable[Record], user_id: str) -> int:
    """Wrong passwords of ``user_id`` in this campaign's audit trail, whatever they tried to sign."""
    return sum(
        1
        for r in records
        if r.kind == "audit_event"
        and r.payload.get("reason_code") == WRONG_PASSWORD
        and r.payload.get("user_id") == user_id
    )


__all__ = ["MAX_FAILED_ATTEMPTS", "WRONG_PASSWORD", "SignatureRefused", "campaign_executors", "failed_password_attempts"]
