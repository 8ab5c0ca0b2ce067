"""The lab ledger: where each campaign's and the user registry's head is anchored, outside their own files.

A hash chain proves nothing was changed or removed *inside* it, but records
cut off its end leave a shorter chain that is still valid, and anyone who can
run this code can recompute a whole chain after editing a value. The ledger
closes both gaps: every time a campaign's record advances at a point that
matters — its start, each scenario's end, every deviation, signature,
closure and re-opening, the views written at the close or rebuilt later,
the finish, and whenever the store is closed with an unanchored head — the
campaign's head (campaign id, record count, head hash, UTC time) is appended
here, and so is the user registry's head after every act on it. ``verify``
then compares the campaign directory with the ledger
(:func:`check_campaign_against_ledger`): fewer records than the ledger's last
head is a *cut-off tail*; a head hash that differs from the ledger's at the
same count is a *rechained copy* (or an edited record); a campaign the ledger
never saw is unanchored.

The ledger is one append-only, hash-chained JSON Lines file
(:mod:`mimedi_qual.evidence.chained_jsonl`), one line per anchor::

    {"seq": 12, "utc": "2026-12-02T15:03:11.512204Z", "subject": "campaign",
     "id": "C-20261202-0001", "head_seq": 41, "head_hash": "<sha256>",
     "event": "signature", "where": "/lab/reports/C-20261202-0001",
     "prev_hash": "<hash of line 11>", "hash": "<sha256 of this line>"}

``subject`` is ``campaign`` (``id`` its campaign id) or ``registry`` (``id``
the hash of the registry history's first entry, which names that registry
whatever folder it is copied to).

**Where it lives.** A site setting in the bench profile
(``profiles/benches/<bench>.yaml``)::

    ledger: /srv/qualification/lab-ledger.jsonl    # absolute, or relative to the project root

without one, ``<project>/ledger/lab-ledger.jsonl`` (:data:`DEFAULT_LEDGER`),
beside ``reports/``, never inside a campaign directory; ``$MIMEDI_QUAL_LEDGER``
overrides both (:func:`resolve_ledger_path`). The path each
campaign anchors to is written into its ``campaign_started`` record
(``ledger``) so that signing, closing and rebuilding later anchor to the same
file. The user registry of ``<project>/profiles/users/`` anchors to
``<project>/ledger/lab-ledger.jsonl``; a registry anywhere else (``--users``)
to ``ledger/lab-ledger.jsonl`` in its folder (:func:`registry_ledger_path`).

On a real site the ledger belongs on storage the campaign's operators cannot
rewrite (another host, a WORM share, or at least another account): the
ledger is itself a hash chain, so editing a line is detected, but a ledger
rewritten wholesale is only as strong as the access control on its folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mimedi_qual.evidence.chained_jsonl import GENESIS_HASH, append_line, entry_hash, last_line, locked

DEFAULT_LEDGER = "ledger/lab-ledger.jsonl"
#: a site override of every bench profile's ``ledger`` (a test session points it at a temporary file)
LEDGER_ENV = "MIMEDI_QUAL_LEDGER"
LEDGER_LOCK_NAME = ".lab-ledger.lock"
CAMPAIGN = "campaign"
REGISTRY = "registry"


class LedgerBroken(ValueError):
    """The ledger file itself was altered: a line is not JSON, out of sequence, unlinked or not matching its hash."""


def resolve_ledger_path(root: str | Path, setting: str | None) -> Path:
    """The ledger: ``$MIMEDI_QUAL_LEDGER``, else the bench profile's ``ledger`` setting, else the default.

    A relative path is relative to the project ``root``.
    """
    import os

    chosen = os.environ.get(LEDGER_ENV) or setting
    path = Path(chosen) if chosen else Path(DEFAULT_LEDGER)
    return (path if path.is_absolute() else Path(root) / path).resolve()


def registry_ledger_path(registry_log: str | Path) -> Path:
    """The ledger a user registry anchors to: the project's default for ``profiles/users/``, else in its folder."""
    folder = Path(registry_log).resolve().parent
    if folder.name == "users" and folder.parent.name == "profiles":
        return folder.parent.parent / DEFAULT_LEDGER
    return folder / DEFAULT_LEDGER


@dataclass(frozen=True)
class Anchor:
    """One line of the ledger: a head of a campaign or of the registry, at one moment."""

    seq: int
    utc: str
    subject: str
    id: str
    head_seq: int
    head_hash: str
    event: str
    where: str
    prev_hash: str
    hash: str


@dataclass
class Ledger:
    """A lab ledger file; :meth:`anchor` appends, :meth:`load` reads and checks it."""

    path: Path
    anchors: list[Anchor] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    def anchor(self, *, subject: str, id: str, head_seq: int, head_hash: str, event: str, where: str,
               utc: str) -> Anchor:
        """Append one head (fsynced, under the ledger's lock); the chain is read from the file's last line."""
        with locked(self.path.with_name(LEDGER_LOCK_NAME)):
            last = last_line(self.path)
            body: dict[str, Any] = {
                "seq": (int(last["seq"]) + 1) if last else 1, "utc": utc, "subject": subject, "id": id,
                "head_seq": head_seq, "head_hash": head_hash, "event": event, "where": where,
                "prev_hash": str(last["hash"]) if last else GENESIS_HASH,
            }
            line = dict(body, hash=entry_hash(body))
            append_line(self.path, line)
        return Anchor(**line)

    @classmethod
    def load(cls, path: str | Path) -> Ledger:
        """Read and check every line; raises :class:`LedgerBroken` naming the line of the first alteration."""
        ledger = cls(Path(path))
        previous = GENESIS_HASH
        try:
            lines = ledger.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerBroken(f"{ledger.path}: cannot be read: {exc}") from None
        for number, text in enumerate(lines, start=1):
            where = f"{ledger.path}:{number}"
            try:
                data = json.loads(text)
                anchor = Anchor(**data)
            except (ValueError, TypeError) as exc:
                raise LedgerBroken(f"{where}: not a ledger line ({exc})") from None
            if anchor.seq != number:
                raise LedgerBroken(f"{where}: seq {anchor.seq}, expected {number} (a line removed or inserted)")
            if anchor.prev_hash != previous:
                raise LedgerBroken(f"{where}: prev_hash does not link to line {number - 1}")
            body = {k: v for k, v in data.items() if k != "hash"}
            if entry_hash(body) != anchor.hash:
                raise LedgerBroken(f"{where}: line altered (its hash does not match)")
            previous = anchor.hash
            ledger.anchors.append(anchor)
        return ledger

    def heads(self, subject: str, id: str) -> list[Anchor]:
        return [a for a in self.anchors if a.subject == subject and a.id == id]


def check_campaign_against_ledger(ledger: Ledger, campaign_id: str, hashes_by_seq: dict[int, str],
                                  kinds_by_seq: dict[int, str]) -> list[tuple[str, str, str]]:
    """Compare a campaign's chain with its anchors; (category, item, detail) for each disagreement.

    ``hashes_by_seq``/``kinds_by_seq``: the campaign's records as found on disk.
    """
    problems: list[tuple[str, str, str]] = []
    heads = ledger.heads(CAMPAIGN, campaign_id)
    if not heads:
        return [("unanchored", "ledger", f"campaign {campaign_id!r} was never anchored in the lab ledger "
                                        f"{ledger.path}: its end cannot be checked")]
    count = max(hashes_by_seq, default=0)
    last = max(heads, key=lambda a: a.head_seq)
    if count < last.head_seq:
        problems.append(("missing", f"records #{count + 1}–#{last.head_seq}" if last.head_seq > count + 1
                         else f"record #{last.head_seq}",
                         f"cut-off tail: the ledger anchored head #{last.head_seq} ({last.event}, {last.utc}, "
                         f"ledger line {last.seq}) but the record ends at #{count}"))
    finished = [seq for seq, kind in kinds_by_seq.items() if kind == "campaign_finished"]
    if count > last.head_seq:
        where = f"record #{count}" if count == last.head_seq + 1 else f"records #{last.head_seq + 1}–#{count}"
        if finished and min(finished) <= last.head_seq:
            # The store anchors every head it closes over: a finished campaign's unanchored tail was written
            # behind its back (or the ledger's tail was cut). An interrupted run's last records may be unanchored.
            problems.append(("unanchored", where, f"appended after the ledger's last head #{last.head_seq} "
                                                  f"({last.event}, {last.utc}) and never anchored"))
        else:
            problems.append(("warning", where, f"not yet anchored (the ledger's last head is #{last.head_seq}): "
                                               "a run interrupted before it could anchor them?"))
    for anchor in heads:
        actual = hashes_by_seq.get(anchor.head_seq)
        if actual is not None and actual != anchor.head_hash:
            problems.append(("altered", f"record #{anchor.head_seq} ({kinds_by_seq.get(anchor.head_seq, '?')})",
                             f"rechained or edited: its hash {actual[:12]}… differs from the head the ledger "
                             f"anchored at that count ({anchor.head_hash[:12]}…, {anchor.event}, {anchor.utc}, "
                             f"ledger line {anchor.seq})"))
            break   # one rechain makes every later anchor differ: name the first
    return problems


def check_registry_against_ledger(ledger: Ledger, entry_hashes: list[str], registry_path: Path) -> list[str]:
    """The registry history (its entries' hashes in order) against its anchors: why it is not the anchored one."""
    if not entry_hashes:
        return []
    heads = ledger.heads(REGISTRY, entry_hashes[0])
    problems = []
    for anchor in heads:
        if anchor.head_seq > len(entry_hashes):
            problems.append(f"{registry_path}: cut-off tail: the ledger anchored entry #{anchor.head_seq} "
                            f"({anchor.utc}) but the history ends at #{len(entry_hashes)}")
            break
        if entry_hashes[anchor.head_seq - 1] != anchor.head_hash:
            problems.append(f"{registry_path}: entry #{anchor.head_seq} differs from the head the ledger anchored "
                            f"({anchor.utc}, ledger line {anchor.seq})")
            break
    return problems
