"""Signature meanings: the fixed list of what a signature in each role may mean (``profiles/signatures/meanings.yaml``).

21 CFR Part 11 §11.50(a)(3) requires every signed record to show the
*meaning* of the signature (review, approval, responsibility …). Free text
would let a signer write anything ("ok lol"); here each role has a fixed list
and ``mimedi-qual sign --meaning ID`` must name one of them. A meaning also
says what the signature decides about the stage's release::

    >>> from mimedi_qual.profiles.loader import load_signature_meanings
    >>> meanings = load_signature_meanings("profiles/signatures/meanings.yaml")
    >>> m = meanings.find("approver", "approved-pq")
    >>> (m.text, m.decision.value, m.release_to)
    ('approved — release to PQ', 'released', 'PQ')
    >>> meanings.find("approver", "ok lol") is None
    True

The rules that make a decision legitimate (no failed criterion, no open
deviation, approved protocol, finished campaign, not a dry run; a conditional
release names what it accepts) are in :mod:`mimedi_qual.evidence.signature_rules`;
this module only says which meanings exist.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from mimedi_qual.profiles.bench import StrictModel

RoleName = Literal["executor", "reviewer", "approver"]


class ReleaseDecision(StrEnum):
    """What a signature decides about the release of the campaign's stage."""

    NONE = "none"
    RELEASED = "released"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"


class Meaning(StrictModel):
    """One meaning a role may sign with: its id (what ``--meaning`` names), its text (what the record shows)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    text: str = Field(min_length=1)
    decision: ReleaseDecision
    #: the stage (or "routine use") a released / conditional decision releases to
    release_to: str | None = None
    #: the campaign's last stage must be this one (IQ releases to OQ, …); None: any stage
    after_stage: Literal["IQ", "OQ", "PQ"] | None = None

    @model_validator(mode="after")
    def _release_target(self) -> Meaning:
        releases = self.decision in (ReleaseDecision.RELEASED, ReleaseDecision.CONDITIONAL)
        if releases and not self.release_to:
            raise ValueError(f"meaning {self.id!r}: a {self.decision.value} decision needs release_to")
        if not releases and (self.release_to or self.after_stage):
            raise ValueError(f"meaning {self.id!r}: release_to / after_stage only for released or conditional")
        return self

    @property
    def releases(self) -> bool:
        return self.decision in (ReleaseDecision.RELEASED, ReleaseDecision.CONDITIONAL)


class NonReleasingMeaning(Meaning):
    """A meaning of a role that never releases (executor, reviewer): no decision but none or rejected."""

    decision: Literal[ReleaseDecision.NONE, ReleaseDecision.REJECTED]


def _unique_ids(listed: list[Meaning]) -> list[Meaning]:
    ids = [m.id for m in listed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"meaning id(s) listed twice: {', '.join(duplicates)}")
    return listed


class RoleMeanings(StrictModel):
    """Per role, the meanings it may sign with; only an approver's may release a stage."""

    executor: list[NonReleasingMeaning]
    reviewer: list[NonReleasingMeaning]
    approver: list[Meaning]

    _unique = field_validator("executor", "reviewer", "approver")(_unique_ids)


class SignatureMeanings(StrictModel):
    """The meanings profile: per role, the list of meanings it may sign with."""

    meanings: RoleMeanings

    def for_role(self, role: str) -> list[Meaning]:
        return list(getattr(self.meanings, role, None) or []) if role in RoleName.__args__ else []

    def find(self, role: str, given: str) -> Meaning | None:
        """The meaning of ``role`` whose id — or exact text — is ``given``; None when it is not in the list."""
        given = given.strip()
        return next((m for m in self.for_role(role) if given in (m.id, m.text)), None)

    def describe(self, role: str) -> str:
        """The allowed meanings of ``role``, one per line, for a refusal message."""
        return "\n".join(f"  {m.id:<36} {m.text}" for m in self.for_role(role)) or "  (none)"
