"""Close a campaign's record after the protocols ran.

In this order, because verification checks every file against its hash:

1. every Allure result file is hashed into the store (``allure_result`` records) —
   after ``environment.properties``/``executor.json``/``categories.json`` are written;
2. ``campaign_finished`` with counts, conclusion and recommendation;
3. the report gets its banner (simulated bench, unapproved protocol) and is
   recorded as an artifact; the qualification summary report (PDF) is built from
   the store and recorded too.
"""

from __future__ import annotations

from pathlib import Path

from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError

SIMULATED_NOTICE = "ENGINEERING DRY RUN — SIMULATED BENCH (digital twin): not evidence for qualifying real equipment"
UNAPPROVED_NOTICE = "PROTOCOL NOT APPROVED — results are not valid for release"


def notices(store: EvidenceStore) -> list[str]:
    texts = []
    started = store.records(kind="campaign_started")
    if started and started[0].payload.get("bench_simulated"):
        texts.append(SIMULATED_NOTICE)
    protocols = store.records(kind="protocol")
    if not protocols or not protocols[-1].payload.get("approvals"):
        texts.append(UNAPPROVED_NOTICE)
    return texts


def finish_campaign(console, campaign_dir: Path, report_path: Path | None) -> dict | None:
    from mimedi_qual.evidence.verify import record_allure_results
    from mimedi_qual.plugin.campaign_record import record_campaign_finish
    from mimedi_qual.report.allure_html import add_banner

    try:
        store = EvidenceStore.open(campaign_dir)
    except EvidenceStoreError as exc:
        console.print(f"[red]evidence store not available:[/] {exc}")
        return None
    with store:
        record_allure_results(store)
        finished = record_campaign_finish(store)
        banner = notices(store)
        if report_path is not None and report_path.is_file():
            if banner:
                add_banner(report_path, banner)
            store.record_artifact(report_path, description="Allure report (single file)")
        try:
            from mimedi_qual.report.summary_pdf import build_summary_pdf

            pdf = build_summary_pdf(store, campaign_dir / "summary.pdf")
            store.record_artifact(pdf, description="qualification summary report (PDF)")
        except Exception as exc:  # the record is complete without it; say why it is missing
            console.print(f"[red]summary report not generated:[/] {type(exc).__name__}: {exc}")
    return finished
