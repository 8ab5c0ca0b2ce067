"""Changes a scenario made, and finding each one in the controller's audit trail.

The controller must record every change with who, what, old and new value
(Part 11 §11.10(e), Annex 11 §9); a scenario notes what it changed and then
counts the changes with no complete entry, and the entries showing a secret::

    changes = AuditedChanges("op1", controller.audit_count() + 1)
    changes.changes.append(("temperature", 37.0, 36.5))
    missing, leaking, shown = audit_findings(campaign, changes)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mimedi_qual.lab.protocols import AuditEntry
from mimedi_qual.plugin.context import CampaignContext

#: Numbers in audit fields are compared to this absolute tolerance (the controller prints 4 decimals or more).
NUMBER_TOLERANCE = 1e-6


@dataclass
class AuditedChanges:
    """Changes made by a scenario, to be found in the audit trail: (what, old, new), numbers or texts."""

    user: str
    first_entry: int
    changes: list[tuple[str, float | str, float | str]] = field(default_factory=list)
    secrets: tuple[str, ...] = ()            # texts that must appear in no entry (passwords)

    def __repr__(self) -> str:
        return f"<{len(self.changes)} changes by {self.user}>"


def same_value(text: str, value: float | str) -> bool:
    """An audit field equals a value: numbers numerically, texts word by word (numbers inside numerically)."""
    if isinstance(value, str):
        words, expected = text.split(), value.split()
        if len(words) != len(expected):
            return False
        for word, want in zip(words, expected):
            try:
                if abs(float(word) - float(want)) > NUMBER_TOLERANCE:
                    return False
            except ValueError:
                if word.upper() != want.upper():
                    return False
        return True
    try:
        return abs(float(text) - value) < NUMBER_TOLERANCE
    except ValueError:
        return False


def entry_matches(entry: AuditEntry, user: str, old: float | str, new: float | str) -> bool:
    """The entry is by ``user``, names an action, and carries ``old`` → ``new``."""
    return entry.user == user and bool(entry.action) and same_value(entry.old_value, old) and \
        same_value(entry.new_value, new)


def audit_findings(campaign: CampaignContext, audited: AuditedChanges
                   ) -> tuple[list[tuple[str, float | str, float | str]], list[int], list[AuditEntry]]:
    """(changes with no complete entry, numbers of entries showing a secret, the entries safe to show)."""
    entries = campaign.bench.bioreactor().audit_entries(audited.first_entry)
    missing = [c for c in audited.changes if not any(entry_matches(e, audited.user, c[1], c[2]) for e in entries)]
    leaking = [e.number for e in entries if any(s and s in str(e) for s in audited.secrets)]
    shown = [e for e in entries if e.number not in leaking]      # never put a leaked password into the report
    return missing, leaking, shown
