"""Superseded records: a scenario cut off by an interruption is run again, and its partial run stops counting.

A campaign process that dies mid-scenario leaves that scenario's ``step`` and
``measurement`` records in the store (every append is durable) but no
``scenario`` record. ``run --resume`` runs the scenario again *from its start*;
the partial run stays in the record (nothing is ever deleted) and a
``scenario_superseded`` record names it::

    {"scenario": "Temperature held", "feature": "features/oq/temperature.feature",
     "records": [41, 42, 43], "reason": "interrupted before its result; re-run from its start on resume"}

Every view — the CLI's counts, the campaign status and release decision, the
summary PDF, report.html's QA section, ``measurements.jsonl`` — reads the
record through :func:`current_records`, so a superseded measurement is counted
nowhere (the issue's 164 measurements instead of 161). ``verify`` still reads
every record: the chain covers the partial run too.

    >>> current = current_records(store.records())   # the records every view counts
"""

from __future__ import annotations

from collections.abc import Sequence

from mimedi_qual.evidence.store import EvidenceStore, Record

SUPERSEDED_KIND = "scenario_superseded"
#: the kinds a scenario writes while it runs (its ``scenario`` record comes last, at its end)
SCENARIO_PART_KINDS = ("step", "measurement")


def superseded_seqs(records: Sequence[Record]) -> set[int]:
    """The sequence numbers every ``scenario_superseded`` record names."""
    seqs: set[int] = set()
    for record in records:
        if record.kind == SUPERSEDED_KIND:
            seqs.update(int(s) for s in record.payload.get("records") or ())
    return seqs


def current_records(records: Sequence[Record]) -> list[Record]:
    """``records`` without the superseded ones: what every view counts."""
    gone = superseded_seqs(records)
    return [r for r in records if r.seq not in gone] if gone else list(records)


def current_payloads(records: Sequence[Record], kind: str) -> list[dict]:
    """The payloads of ``kind`` that count (``measurement``: the judged results every view shows)."""
    return [r.payload for r in current_records(records) if r.kind == kind]


def partial_run(records: Sequence[Record]) -> list[Record]:
    """The scenario cut off by the interruption: its step/measurement records after the last ``scenario`` record.

    Scenarios run one after the other, and a scenario's ``scenario`` record is
    written at its end, so whatever a scenario wrote after the last result is
    the run that never ended (empty when the stop fell between two scenarios).
    """
    gone = superseded_seqs(records)
    last_result = max((r.seq for r in records if r.kind == "scenario"), default=0)
    return [r for r in records if r.seq > last_result and r.kind in SCENARIO_PART_KINDS and r.seq not in gone]


def supersede_partial_run(store: EvidenceStore) -> Record | None:
    """Append ``scenario_superseded`` for the partial run, if there is one; return that record."""
    partial = partial_run(store.records())
    if not partial:
        return None
    last = partial[-1].payload
    return store.append(SUPERSEDED_KIND, {
        "scenario": str(last.get("scenario", "")), "feature": str(last.get("feature", "")),
        "records": [r.seq for r in partial],
        "kinds": {kind: sum(r.kind == kind for r in partial) for kind in SCENARIO_PART_KINDS},
        "reason": "interrupted before its result; re-run from its start on resume",
    })
