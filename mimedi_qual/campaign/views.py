"""The views of a campaign record: the Allure report (``report.html``) and the summary PDF.

Views READ the record — they never recompute a verdict or re-read what a step
already had. Written when the campaign closes, in this order, because
``verify`` checks every file against its recorded hash:

1. the Allure results directory gets ``environment.properties``, ``executor.json``
   and ``categories.json`` (taken from the record: bench, instruments and their
   calibration, executor, git commit);
2. ``report.html`` is generated from the results (Allure 2, single file);
3. every Allure result file is hashed into the store (``allure_result``
   records) and ``campaign_finished`` is written (by the service);
4. the report gets its QA section (:mod:`mimedi_qual.report.qa_review`: the
   notices of :func:`mimedi_qual.evidence.status.notices`, status, signatures,
   deviations, results not met, requirements, counts) and is recorded as an
   artifact; ``summary.pdf`` is built from the store and recorded too.

A view rebuilt later (``mimedi-qual summary`` after a signature or a
deviation closure) never breaks the record: :func:`rebuild_summary` writes the
new PDF over the current head and appends a ``view_rebuilt`` record naming
the new file's SHA-256, the head it was built over, who rebuilt it and when.
``verify`` checks each view against its latest record and says which record
the PDF in hand matches::

    pdf, record = rebuild_summary("reports/C-0001")          # -> summary.pdf, view_rebuilt #N
    # mimedi-qual verify reports/C-0001  ->  "summary.pdf: matches record #N …"

``report.html`` likewise: :func:`rebuild_report` rewrites its QA section
(signatures, approval status, deviation closures) from the record and appends
its ``view_rebuilt`` record; the Allure part is kept byte for byte.
"""

from __future__ import annotations

import errno
import getpass
import platform
import socket
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from mimedi_qual.evidence import status
from mimedi_qual.evidence.store import EvidenceStore, Record, sha256_file
from mimedi_qual.paths import ProjectPaths

REPORT_FILE = "report.html"
REPORT_DESCRIPTION = "Allure report (single file) with the QA section from the record"
SUMMARY_FILE = "summary.pdf"
CAMPAIGN_JSON = "campaign.json"
LIBRARIES = ("pytest", "pytest-bdd", "labgrid", "pyvisa", "pyvisa-py", "allure-pytest-bdd")


@dataclass
class Views:
    """What was written, and why a view is missing (for the face to say)."""

    report: Path | None = None
    summary: Path | None = None
    problems: list[str] = field(default_factory=list)
    #: the views that failed (``report``, ``summary``): the campaign is then interrupted in that phase
    failed: list[str] = field(default_factory=list)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def allure_environment(store: EvidenceStore, finished_utc: str) -> dict[str, str]:
    """The Allure report's Environment tab (and ``campaign.json``), from the campaign record.

    ``finished_utc`` is the campaign's end time as ``campaign_finished`` records it
    (``record_campaign_finish(store, finished_utc=…)``, written after these files).
    """
    records = store.records()
    started = next((r for r in records if r.kind == "campaign_started"), None)
    s = started.payload if started else {}
    environment = {
        "Campaign": s.get("campaign_id", ""),
        "Bench": f"{s.get('bench_id', '?')} ({'simulated' if status.is_simulated(records) else 'real'})",
        "Bench.profile": s.get("bench_profile", ""),
        "Site": s.get("site", ""),
        "Acceptance.profile": (s.get("environment") or {}).get("acceptance_profile", ""),
        "Protocol": (f"{s.get('protocol_id', '?')} v{s.get('protocol_version', '?')}, hash "
                     f"{s.get('protocol_hash', '')}: {status.protocol_status(records).describe()}"),
        "Started.UTC": started.utc if started else "",
        "Finished.UTC": finished_utc,
        "Executor": s.get("executor_printed_name") or s.get("executor_user_id", ""),
        "Git.commit": s.get("git_commit", ""),
        "mimedi-qual": s.get("harness_version", ""),
        "Python": platform.python_version(),
        **{dist: _version(dist) for dist in LIBRARIES},
    }
    for r in records:
        if r.kind != "instrument_identity":
            continue
        p = r.payload
        environment[f"Instrument.{p['name']}"] = ",".join(
            str(p.get(k, "")) for k in ("manufacturer", "model", "serial", "firmware"))
        if p.get("calibration_certificate"):
            environment[f"Calibration.{p['name']}"] = f"{p['calibration_certificate']} due {p.get('calibration_due_date')}"
    notices = [n for n in status.notices(records) if n != status.INCOMPLETE_NOTICE]
    if notices:
        environment["NOTICE"] = " · ".join(notices)
    return environment


def write_report(store: EvidenceStore, paths: ProjectPaths, results_dir: Path, finished_utc: str) -> Views:
    """Steps 1–2: the results directory's metadata and ``report.html`` (not yet recorded)."""
    import json

    from mimedi_qual.report.allure_html import (
        ReportError, find_allure, generate_single_file, write_categories, write_environment, write_executor,
    )

    views = Views()
    environment = allure_environment(store, finished_utc)
    write_environment(results_dir, environment)
    write_executor(results_dir, environment["Executor"], f"{environment['Campaign']} (finished {finished_utc})")
    write_categories(results_dir)
    (store.campaign_dir / CAMPAIGN_JSON).write_text(json.dumps(environment, indent=2), encoding="utf-8")
    allure = find_allure(paths.tools)
    if allure is None:
        views.problems.append("Allure generator not found (run `make campaign`, or set MIMEDI_ALLURE to its "
                              "path): results are in allure-results/, no report.html written")
        return views
    try:
        views.report = generate_single_file(allure, results_dir, store.campaign_dir / REPORT_FILE)
    except (ReportError, OSError, subprocess.TimeoutExpired) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise
        views.problems.append(f"report not generated: {exc}")
        views.failed.append("report")
    return views


def finish_views(store: EvidenceStore, views: Views) -> Views:
    """Step 4: the QA section on ``report.html``, then ``summary.pdf``; each recorded as an artifact."""
    from mimedi_qual.report.allure_html import ReportError, add_qa_section

    if (store.campaign_dir / CAMPAIGN_JSON).is_file():   # in the record, so verify checks it (not unrecorded)
        store.record_artifact(store.campaign_dir / CAMPAIGN_JSON, description="campaign metadata (JSON)")
    if views.report is not None and views.report.is_file():
        try:
            add_qa_section(views.report, store.records(), integrity_problems=_problems(store.campaign_dir, views.report))
        except (ReportError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise
            views.problems.append(f"report QA section not written: {exc}")
            views.failed.append("report")
        store.record_artifact(views.report, description=REPORT_DESCRIPTION)
    try:
        from mimedi_qual.report.summary_pdf import build_summary_pdf

        views.summary = build_summary_pdf(store, store.campaign_dir / SUMMARY_FILE)
        store.record_artifact(views.summary, description="qualification summary report (PDF)")
    except Exception as exc:  # noqa: BLE001 — say why it is missing; the campaign is interrupted in this phase
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise
        views.problems.append(f"summary report not generated: {type(exc).__name__}: {exc}")
        views.failed.append("summary")
    return views


VIEW_REBUILT_KIND = "view_rebuilt"


def _os_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        return "unknown"


def record_view_rebuilt(store: EvidenceStore, path: Path, *, view: str, over_head: Record | None,
                        description: str = "") -> Record:
    """Append the ``view_rebuilt`` record of a view just written to ``path`` from the store's records."""
    absolute = path.resolve()
    try:
        file = absolute.relative_to(store.campaign_dir.resolve()).as_posix()
        inside = True
    except ValueError:
        file, inside = str(absolute), False
    return store.append(VIEW_REBUILT_KIND, {
        "view": view,
        "file": file,
        "inside_campaign": inside,
        "sha256": sha256_file(absolute),
        "size_bytes": absolute.stat().st_size,
        "over_head_seq": over_head.seq if over_head else 0,
        "over_head_hash": over_head.hash if over_head else "",
        "rebuilt_by": _os_account(),
        "host": socket.gethostname(),
        "description": description,
    })


def rebuild_summary(campaign_dir: str | Path, output: str | Path | None = None) -> tuple[Path, Record]:
    """Write ``summary.pdf`` (or ``output``) again from the record and record that it was rebuilt.

    The PDF is built over the current head; the ``view_rebuilt`` record that
    follows names that head, so the PDF's own "record head #N" footer and the
    record agree. A PDF in the campaign that no longer matches its latest
    record is not overwritten (:class:`~mimedi_qual.errors.EvidenceError`, and
    an ``audit_event`` says so). Raises
    :class:`~mimedi_qual.evidence.store.NotACampaignError` for a directory
    without a store.
    """
    from mimedi_qual.errors import EvidenceError
    from mimedi_qual.report.summary_pdf import build_summary_pdf

    campaign_dir = Path(campaign_dir)
    target = Path(output) if output else campaign_dir / SUMMARY_FILE
    with EvidenceStore.open(campaign_dir) as store:
        # Never write over a PDF that no longer matches its latest record: that would hide the alteration.
        latest = _latest_view(store, target)
        if latest is not None and target.is_file() and sha256_file(target) != latest.payload.get("sha256"):
            store.append("audit_event", {
                "event": "view_rebuild_refused", "user_id": _os_account(), "reason_code": "view_altered",
                "detail": f"{latest.payload.get('file')} does not match its latest record #{latest.seq}: "
                          "not overwritten"})
            raise EvidenceError(f"{target}: does not match its latest record #{latest.seq} (altered since); not "
                                "overwritten — keep it for the investigation (move it aside), run `mimedi-qual "
                                "verify`, then rebuild")
        head = store.head
        pdf = build_summary_pdf(store, target)
        record = record_view_rebuilt(store, pdf, view="summary", over_head=head,
                                     description="qualification summary report (PDF), rebuilt from the record")
    return pdf, record


def _problems(campaign_dir: Path, rebuilt: Path) -> list:
    """What the record's own checks find (the view being rebuilt excepted), as the summary PDF asks them."""
    from mimedi_qual.evidence.verify import record_problems

    return record_problems(campaign_dir, except_files=[rebuilt])


def _latest_view(store: EvidenceStore, path: Path) -> Record | None:
    """The latest artifact / view_rebuilt record of the file at ``path`` inside the campaign (None outside)."""
    try:
        relative = path.resolve().relative_to(store.campaign_dir.resolve()).as_posix()
    except ValueError:
        return None
    views = [r for r in store.records() if r.kind in ("artifact", VIEW_REBUILT_KIND)
             and r.payload.get("file") == relative and r.payload.get("inside_campaign", True)]
    return views[-1] if views else None


def rebuild_report(campaign_dir: str | Path) -> tuple[Path, Record] | None:
    """Rewrite ``report.html``'s QA section from the record as it is now, and record the rebuild.

    Only a report the campaign recorded is rebuilt (None when there is none),
    and only while it still matches its latest record: rebuilding an altered
    file would record the alteration (:class:`~mimedi_qual.errors.EvidenceError`,
    run ``verify``). The Allure part is kept byte for byte; only the section
    between its markers changes. Raises
    :class:`~mimedi_qual.evidence.store.NotACampaignError` for a directory
    without a store.
    """
    from mimedi_qual.errors import EvidenceError
    from mimedi_qual.report.allure_html import add_qa_section

    campaign_dir = Path(campaign_dir)
    report = campaign_dir / REPORT_FILE
    with EvidenceStore.open(campaign_dir) as store:
        records = store.records()
        latest = [r.payload for r in records if r.kind in ("artifact", VIEW_REBUILT_KIND)
                  and r.payload.get("file") == REPORT_FILE]
        if not latest or not report.is_file():
            return None
        if sha256_file(report) != latest[-1].get("sha256"):
            raise EvidenceError(f"{report}: does not match its latest record (run `mimedi-qual verify`); "
                                "not rebuilt")
        head = store.head
        add_qa_section(report, records, integrity_problems=_problems(campaign_dir, report))
        record = record_view_rebuilt(store, report, view="report", over_head=head,
                                     description=REPORT_DESCRIPTION + ", QA section rebuilt")
    return report, record
