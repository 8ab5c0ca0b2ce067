"""Resuming an interrupted campaign: keep everything recorded, say what happened.

A campaign process can die — power cut, OOM kill, a harness bug. Everything it
committed is in the store (each append is durable), so resuming means:

1. record any raw file written but not yet recorded (``adopt_orphan_raw_files``);
2. append an ``interruption`` record naming the last record before the stop;
3. mark the scenario cut off mid-run as superseded (``scenario_superseded``
   naming its step and measurement records, :mod:`mimedi_qual.evidence.supersede`):
   it is run again from its start and its partial run is counted by no view;
4. raise an ``interruption`` deviation (Annex 15: a departure from the protocol
   as planned) and an ``audit_event`` ``campaign_resumed``;
5. carry on, skipping scenarios that already have a ``scenario`` record.

::

    from mimedi_qual.evidence.resume import completed_scenarios, resume_campaign

    store, deviation = resume_campaign("reports/C-0001", resumed_by="exec.ops")
    done = completed_scenarios(store)          # {(feature, scenario), ...}
    ...                                         # run what is not in `done`
"""

from __future__ import annotations

from pathlib import Path

from mimedi_qual.evidence.deviations import Deviation, DeviationCategory, record_deviation
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError
from mimedi_qual.evidence.supersede import supersede_partial_run


def resume_campaign(
    campaign_dir: str | Path, *, resumed_by: str = "", reason: str = "campaign process stopped before campaign_finished"
) -> tuple[EvidenceStore, Deviation | None]:
    """Open an unfinished campaign for resumption; return the store and the interruption deviation.

    Raises :class:`EvidenceStoreError` if the campaign already finished.
    An empty store is returned as is (nothing was interrupted).
    """
    store = EvidenceStore.open(campaign_dir)
    head = store.head
    if head is None:
        return store, None
    from mimedi_qual.evidence.status import completion

    if completion(store.records()).complete:   # finished but cut off in its views: resumable
        store.close()
        raise EvidenceStoreError(f"{campaign_dir}: campaign already finished, nothing to resume")
    adopted = store.adopt_orphan_raw_files()
    interruption = store.append(
        "interruption", {"last_seq_before": head.seq, "last_utc_before": head.utc, "reason": reason}
    )
    superseded = supersede_partial_run(store)
    in_progress = superseded.payload["scenario"] if superseded is not None else ""
    partial = (f"; the partial run of scenario {in_progress!r} (records "
               f"{_seq_ranges(superseded.payload['records'])}) superseded by record #{superseded.seq}"
               if superseded is not None else "")
    deviation = record_deviation(
        store,
        DeviationCategory.INTERRUPTION,
        description=f"Campaign interrupted after record #{head.seq} ({head.kind}, {head.utc}); "
        f"resumed at {interruption.utc}",
        expected="uninterrupted execution of the protocol",
        actual=f"{reason}; {len(adopted)} raw file(s) recorded on resume{partial}",
        impact="Records committed before the stop are kept; scenarios without a result are run again from "
               "their start, a partial run is counted by no view",
        scenario=in_progress,
    )
    store.append(
        "audit_event",
        {"event": "campaign_resumed", "user_id": resumed_by, "detail": f"resumed after record #{head.seq}",
         "reason_code": "interruption"},
    )
    return store, deviation


def completed_scenarios(store: EvidenceStore) -> set[tuple[str, str]]:
    """``(feature, scenario)`` pairs that already have a ``scenario`` result record."""
    return {(r.payload.get("feature", ""), r.payload.get("scenario", "")) for r in store.records(kind="scenario")}


def _seq_ranges(seqs: list[int]) -> str:
    """``#41–#45, #48``: record numbers as runs."""
    runs: list[list[int]] = []
    for seq in sorted(seqs):
        if runs and seq == runs[-1][1] + 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
    return ", ".join(f"#{a}" if a == b else f"#{a}–#{b}" for a, b in runs)
