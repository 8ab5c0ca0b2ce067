"""The qualification summary report (PDF), built from the evidence store and nothing else — the renderer.

What QA and an inspector read (EU GMP Annex 15 §2.9–2.10): the protocol's
identity and hash, the equipment and reference instruments with their
calibration, the result against every acceptance criterion, the traceability
matrix URS → scenario → result, the deviation log, the signature
manifestations (printed name, role, meaning, UTC time), and a conclusion.

What the report says is decided in :mod:`mimedi_qual.report.summary_model`
(``summarise(records)``); this module only lays it out with reportlab. Because
the store is the source of truth, the report recomputes nothing the campaign
decided (verdicts come from ``measurement`` records) and invents nothing the
store does not hold: a field the campaign never recorded is shown as "not
recorded". Every result names its raw files (the measurement JSON, the series
CSV and its plot in ``raw/``, by SHA-256). Each signature is re-checked over
its manifest with the key embedded in it; full verification against the user
registry is ``mimedi-qual verify``.

A banner on every page says what the evidence is *not*::

    ENGINEERING DRY RUN — SIMULATED BENCH — NOT QUALIFICATION EVIDENCE
    PROTOCOL NOT APPROVED
    CAMPAIGN INCOMPLETE — NO campaign_finished RECORD
    DRAFT — NOT YET APPROVED BY SIGNATURE

Usage::

    from mimedi_qual.report.summary_pdf import build_summary_pdf
    pdf_path = build_summary_pdf("reports/C-0001")   # -> reports/C-0001/summary.pdf

Regenerate it after each signature: the signature section is read from the store.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mimedi_qual.evidence.store import EvidenceStore, Record
from mimedi_qual.qualification.limits import format_limits, format_number
from mimedi_qual.evidence import status
from mimedi_qual.report.summary_model import (
    NOT_RECORDED,
    CampaignSummary,
    MeasurementResult,
    summarise,
)

SUMMARY_PDF_NAME = "summary.pdf"

# -- rendering ---------------------------------------------------------------------------

_FONT, _FONT_BOLD = "Helvetica", "Helvetica-Bold"


def _register_fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib) covers °, ±, µ, →, —; Helvetica does not cover all."""
    global _FONT, _FONT_BOLD
    if _FONT == "DejaVuSans":
        return _FONT, _FONT_BOLD
    try:
        import matplotlib

        ttf_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf_dir / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(ttf_dir / "DejaVuSans-Bold.ttf")))
        _FONT, _FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
    except Exception:  # noqa: BLE001 — fall back to the built-in font, text stays readable
        pass
    return _FONT, _FONT_BOLD


class _Styles:
    def __init__(self) -> None:
        font, bold = _register_fonts()
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=base["Title"], fontName=bold, fontSize=16, leading=20)
        self.h1 = ParagraphStyle("h1", parent=base["Heading2"], fontName=bold, fontSize=12, leading=15,
                                 spaceBefore=8, spaceAfter=4)
        self.body = ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=9, leading=11.5)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=7.5, leading=9)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=bold)
        self.mono = ParagraphStyle("mono", parent=self.cell, fontSize=7)
        self.banner = ParagraphStyle("banner", parent=self.body, fontName=bold, alignment=TA_CENTER)


def _text(value: Any) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    return escape(str(value))


def utc_display(iso_utc: str | None) -> str:
    """``2026-11-21T23:19:00.645926Z`` → ``2026-11-21 23:19:00 UTC`` (the record keeps the µs)."""
    if not iso_utc:
        return NOT_RECORDED
    try:
        moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return escape(iso_utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return _text(value)


def _limits(p: dict[str, Any]) -> str:
    return format_limits(p.get("low"), p.get("high"), p.get("unit", ""), expected=p.get("expected") or "")


def _raw_files_short(result: MeasurementResult) -> str:
    """Each raw file of a result as role and short SHA-256 with its suffix (full names: Appendix A2)."""
    if not result.raw_files:
        return "<b>no raw file recorded</b>"
    return "<br/>".join(
        f"{escape(f.role)}: {escape(f.sha256[:12])}….{escape(f.file.rsplit('.', 1)[-1] if '.' in f.file else '?')}"
        for f in result.raw_files)


def _table(styles: _Styles, header: list[str], rows: list[list[Any]], widths_mm: list[float]) -> Table:
    def cell(value: Any, style: ParagraphStyle) -> Paragraph:
        return value if isinstance(value, Paragraph) else Paragraph(str(value), style)

    data = [[cell(escape(h), styles.cell_bold) for h in header]]
    data += [[cell(v, styles.cell) for v in row] for row in rows]
    if not rows:
        data.append([cell("none recorded", styles.cell)] + [cell("", styles.cell)] * (len(header) - 1))
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            ([("SPAN", (0, 1), (-1, 1))] if not rows else [])
            + [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ea")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _verdict_cell(styles: _Styles, verdict: str) -> Paragraph:
    good = verdict.upper() in ("PASS", "PASSED", "VALID", "IN DATE", "CLOSED")
    colour = "#1a7f37" if good else "#b42318"
    return Paragraph(f'<font color="{colour}"><b>{escape(verdict.upper())}</b></font>', styles.cell)


def _calibration_cell(styles: _Styles, instrument: dict[str, Any]) -> Paragraph:
    if instrument.get("in_calibration"):
        return _verdict_cell(styles, "in date")
    if not instrument.get("calibration_certificate"):
        return Paragraph("no certificate (not a reference instrument)", styles.cell)
    return _verdict_cell(styles, "PAST DUE")


def _kv_table(styles: _Styles, rows: list[tuple[str, Any]]) -> Table:
    data = [[Paragraph(escape(k), styles.cell_bold), Paragraph(_text(v), styles.cell)] for k, v in rows]
    table = Table(data, colWidths=[45 * mm, 135 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _story(s: CampaignSummary, styles: _Styles) -> list:
    """The whole report, section by section; sections are numbered in the order they appear."""
    numbers = iter(range(1, 100))

    def heading(title: str) -> Paragraph:
        return Paragraph(f"{next(numbers)}. {escape(title)}", styles.h1)

    return [*_configuration(s, styles, heading), *_results(s, styles, heading),
            *_record_and_conclusion(s, styles, heading), *_appendices(s, styles)]


def _configuration(s: CampaignSummary, styles: _Styles, heading) -> list:
    """Title, protocol identity and the tested configuration (equipment, bench, executor, record head)."""
    st = s.started or {}
    equipment = st.get("equipment") or next(
        (i for i in s.instruments if i.get("quantity") == "controller"), {}
    )
    protocol = s.protocol or {}
    story: list = [
        Paragraph("Qualification Summary Report", styles.title),
        Paragraph(
            f"Campaign <b>{_text(st.get('campaign_id'))}</b> — stage {_text(st.get('stage'))} — "
            f"protocol {_text(st.get('protocol_id') or protocol.get('protocol_id'))} "
            f"version {_text(st.get('protocol_version') or protocol.get('version'))}",
            styles.body,
        ),
        Spacer(1, 4 * mm),
        heading("Protocol and tested configuration"),
        _kv_table(
            styles,
            [
                ("Protocol id / version", f"{st.get('protocol_id') or protocol.get('protocol_id', '')} / "
                                          f"{st.get('protocol_version') or protocol.get('version', '')}"),
                ("Protocol hash (SHA-256)", protocol.get("protocol_hash") or st.get("protocol_hash")),
                ("Protocol approved", "yes" if status.UNAPPROVED_NOTICE not in s.banners else "NO"),
                ("Objective", st.get("objective")),
                ("Scope", st.get("scope")),
                ("System boundary", st.get("system_boundary")),
                ("Prerequisites", "; ".join(st.get("prerequisites") or []) or None),
                ("References", ", ".join(st.get("references") or [])),
                ("Equipment / model", " / ".join(
                    str(equipment.get(k)) for k in ("name", "model") if equipment.get(k)) or None),
                ("Serial / firmware", f"{equipment.get('serial', '')} / {equipment.get('firmware', '')}"
                 if equipment else None),
                ("Site", st.get("site")),
                ("Bench profile", st.get("bench_profile")),
                ("Bench", ("SIMULATED (digital twin)" if st.get("bench_simulated") else "real equipment")
                 if st else None),
                ("Executed by", f"{st.get('executor_printed_name', '')} ({st.get('executor_user_id', '')})"
                 if st else None),
                ("Started / finished", f"{utc_display(s.started_utc)} / {utc_display(s.finished_utc)}"),
                ("Time source", st.get("time_source")),
                ("Environment", ", ".join(f"{k}: {v}" for k, v in (st.get("environment") or {}).items())),
                ("Harness version / commit", f"{st.get('harness_version', '')} / {st.get('git_commit', '')}"
                 if st else None),
                ("Evidence record", f"{s.records_total} records, head #{s.head_seq} {s.head_hash}"),
            ],
        ),
    ]
    files = protocol.get("files") or []
    if files:
        story += [
            Spacer(1, 2 * mm),
            _table(styles, ["Protocol file", "SHA-256"],
                   [[_text(f.get("path")), Paragraph(_text(f.get("sha256")), styles.mono)] for f in files],
                   [75, 105]),
        ]
    return story


def _results(s: CampaignSummary, styles: _Styles, heading) -> list:
    """Pre-approval, instruments, results against criteria, traceability, deviations, injected faults."""
    story: list = [
        heading("Protocol pre-approval"),
        _table(
            styles,
            ["Printed name", "Role", "Meaning", "Signed (UTC)", "Signature"],
            [
                [_text(a.printed_name), _text(a.role), _text(a.meaning), utc_display(a.signed_utc),
                 _verdict_cell(styles, "valid" if valid else "INVALID")]
                for a, valid in s.protocol_approvals
            ],
            [40, 22, 50, 43, 25],
        ),
        heading("Equipment and reference instruments"),
        _table(
            styles,
            ["Name", "Quantity", "Manufacturer / model", "Serial", "Firmware", "Calibration cert.", "Due",
             "Status"],
            [
                [_text(i.get("name")), _text(i.get("quantity")),
                 _text(f"{i.get('manufacturer', '')} {i.get('model', '')}".strip()),
                 _text(i.get("serial")), _text(i.get("firmware")), _text(i.get("calibration_certificate")),
                 _text(i.get("calibration_due_date")),
                 _calibration_cell(styles, i)]
                for i in s.instruments
            ],
            [26, 20, 28, 22, 16, 26, 20, 22],
        ),
        heading("Results against acceptance criteria"),
        _table(
            styles,
            ["Criterion", "Scenario", "Measured", "Acceptance", "Instrument", "Verdict", "Raw files (raw/)"],
            [
                [_text(p.get("criterion_id")), _text(p.get("scenario")),
                 f"{_number(p.get('value'))} {escape(p.get('unit', ''))}", escape(_limits(p)),
                 _text(p.get("instrument")), _verdict_cell(styles, str(p.get("verdict", "?"))),
                 Paragraph(_raw_files_short(result), styles.mono)]
                for result in s.results for p in (result.payload,)
            ],
            [31, 35, 20, 25, 20, 15, 34],
        ),
        heading("Traceability matrix: URS → scenario → result"),
        _table(
            styles,
            ["URS", "Scenario", "Criteria", "Deviations", "Result"],
            [
                [_text(t.urs), _text(t.scenario), escape(", ".join(t.criteria)) or "—",
                 escape(", ".join(t.deviations)) or "—", _verdict_cell(styles, t.result)]
                for t in s.traceability
            ],
            [28, 70, 35, 25, 22],
        ),
        heading("Deviation log"),
        _table(
            styles,
            ["Id", "Category", "Description", "Expected / actual", "Impact", "Scenario / URS", "Closure"],
            [
                [_text(d.id), _text(d.category.value.replace("_", " ")), _text(d.description),
                 f"{_text(d.expected)} / {_text(d.actual)}", _text(d.impact),
                 f"{_text(d.scenario)} / {escape(', '.join(d.urs)) or '—'}",
                 (f"closed {escape(d.closed_utc)} by {escape(d.closed_by)}; root cause: {escape(d.root_cause)}; "
                  f"action: {escape(d.action)}") if d.is_closed else "OPEN"]
                for d in s.deviations
            ],
            [14, 22, 38, 30, 28, 26, 22],
        ),
    ]
    if s.injected_faults or s.interruptions:
        story += [
            heading("Injected faults and interruptions"),
            _table(
                styles,
                ["Record", "UTC", "What"],
                [[f"#{r.seq} {r.kind}", utc_display(r.utc), _text(", ".join(f"{k}: {v}" for k, v in p.items()))]
                 for r, p in sorted(s.injected_faults + s.interruptions, key=lambda rp: rp[0].seq)],
                [30, 40, 110],
            ),
        ]
    return story


def _record_and_conclusion(s: CampaignSummary, styles: _Styles, heading) -> list:
    """Raw evidence files, audit trail events, signatures, and the conclusion."""
    story: list = [
        heading("Raw evidence"),
        _table(
            styles,
            ["File (named by SHA-256)", "Size (bytes)", "Description"],
            [[Paragraph(_text(f.get("file")), styles.mono), _text(f.get("size_bytes")), _text(f.get("description"))]
             for f in s.raw_files],
            [110, 20, 50],
        ),
        heading("Audit trail events"),
        _table(
            styles,
            ["Record", "UTC", "Event", "User", "Detail"],
            [[f"#{r.seq}", utc_display(r.utc), _text(p.get("event")), _text(p.get("user_id")), _text(p.get("detail"))]
             for r, p in s.audit_events],
            [14, 38, 30, 22, 76],
        ),
        heading("Electronic signatures"),
        _table(
            styles,
            ["Printed name", "Role", "Meaning", "Signed (UTC)", "Signs record", "Signature"],
            [
                [_text(p.get("printed_name")), _text(p.get("role")), _text(p.get("meaning")),
                 utc_display(p.get("signed_utc")),
                 Paragraph(f"#{p.get('signed_head_seq')} {escape(str(p.get('signed_head_hash', ''))[:16])}…",
                           styles.mono),
                 _verdict_cell(styles, "valid" if valid else "INVALID")]
                for _r, p, valid in s.signatures
            ],
            [36, 20, 40, 38, 28, 18],
        ),
        Paragraph(
            "Each signature is an Ed25519 signature over the printed name, role, meaning, time and the hash of "
            "the record it signs; 'valid' above is checked against the key embedded in the record. "
            "<b>mimedi-qual verify</b> checks it against the user registry and the whole record.",
            styles.body,
        ),
        heading("Conclusion"),
    ]
    return story + [Paragraph(escape(line), styles.body) for line in s.conclusion]


def _appendices(s: CampaignSummary, styles: _Styles) -> list:
    """Appendix A: every measurement with method and raw files (A2 in full); appendix B: every executed step."""
    return [
        Paragraph("Appendix A. Measurement detail", styles.h1),
        _table(
            styles,
            ["Record", "Criterion / URS", "Method / expected", "Result", "Taken (UTC) / raw files"],
            [
                [f"#{r.seq}",
                 f"{_text(p.get('criterion_id'))}<br/>{escape(', '.join(p.get('urs') or [])) or '—'}",
                 f"{_text(p.get('method') or p.get('description'))}<br/>expected: "
                 f"{escape(p.get('expected') or _limits(p))}",
                 f"{_number(p.get('value'))} {escape(p.get('unit', ''))} ({escape(str(p.get('verdict', '?')).upper())})"
                 f"<br/>{escape(_statistics(p.get('statistics')))}",
                 f"{utc_display(p.get('taken_at_utc') or r.utc)}<br/>"
                 f"<font size=6>{_raw_files_short(result)}</font>"]
                for result in s.results for r, p in ((result.record, result.payload),)
            ],
            [13, 32, 50, 35, 50],
        ),
        Paragraph("Appendix A2. Raw files of each result", styles.h1),
        _table(
            styles,
            ["Record", "Criterion", "Role", "File (named by SHA-256)"],
            [[f"#{result.record.seq}", _text(result.payload.get("criterion_id")), escape(f.role),
              Paragraph(_text(f.file or f.sha256), styles.mono)]
             for result in s.results for f in result.raw_files],
            [13, 30, 20, 117],
        ),
        Paragraph("Appendix B. Executed steps", styles.h1),
        _table(
            styles,
            ["Record", "UTC", "Scenario", "Step", "Status"],
            [
                [f"#{r.seq}", utc_display(r.utc), _text(p.get("scenario")),
                 f"{escape(p.get('keyword', ''))} {escape(p.get('text', ''))}"
                 + (f"<br/><font color='#b42318'>{escape(p.get('error', ''))}</font>" if p.get("error") else ""),
                 _verdict_cell(styles, str(p.get("status", "?")))]
                for r, p in s.steps
            ],
            [13, 33, 45, 72, 17],
        ),
        Paragraph(
            f"Executed by {_text((s.started or {}).get('executor_printed_name'))}; verification of the executed "
            "steps is the reviewer's signature under 'Electronic signatures'.",
            styles.body,
        ),
    ]


def _statistics(statistics: Any) -> str:
    if not isinstance(statistics, dict) or not statistics:
        return ""
    return ", ".join(f"{k} {format_number(v)}" for k, v in statistics.items())


def _page_decorator(s: CampaignSummary, styles: _Styles, generated_utc: str):
    campaign_id = (s.started or {}).get("campaign_id", NOT_RECORDED)

    def decorate(canvas: pdf_canvas.Canvas, doc: SimpleDocTemplate) -> None:
        width, height = A4
        canvas.saveState()
        y = height - 10 * mm
        for banner in s.banners:
            canvas.setFillColor(colors.HexColor("#b42318"))
            canvas.rect(10 * mm, y - 1.6 * mm, width - 20 * mm, 5.4 * mm, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            canvas.setFont(_FONT_BOLD, 8.5)
            canvas.drawCentredString(width / 2, y, banner)
            y -= 6.2 * mm
        canvas.setFillColor(colors.HexColor("#4a5563"))
        canvas.setFont(_FONT, 7)
        # Two lines: a long campaign id must never run into "page N of M" on the right.
        canvas.drawString(12 * mm, 11 * mm, f"Campaign {campaign_id} · generated {generated_utc}")
        canvas.drawString(12 * mm, 8 * mm, f"record head #{s.head_seq} {s.head_hash[:32]}…")
        canvas.restoreState()

    return decorate


class _NumberedCanvas(pdf_canvas.Canvas):
    """Writes "page N of M" on every page: a GxP document shows it is complete."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 — reportlab's name
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(_FONT, 7)
            self.setFillColor(colors.HexColor("#4a5563"))
            self.drawRightString(A4[0] - 12 * mm, 8 * mm, f"page {self._pageNumber} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def render_summary_pdf(records: list[Record], output: str | Path) -> Path:
    """Render the summary report for ``records`` into ``output``."""
    output = Path(output)
    summary = summarise(records)
    styles = _Styles()
    top_margin_mm = 16 + 6.2 * len(summary.banners)
    doc = SimpleDocTemplate(
        str(output) + ".tmp",
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=top_margin_mm * mm,
        bottomMargin=16 * mm,
        title=f"Qualification Summary Report {(summary.started or {}).get('campaign_id', '')}",
        author="mimedi-qual",
    )
    generated_utc = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    decorate = _page_decorator(summary, styles, generated_utc)
    doc.build(_story(summary, styles), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_NumberedCanvas)
    Path(str(output) + ".tmp").replace(output)
    return output


def build_summary_pdf(source: str | Path | EvidenceStore, output: str | Path | None = None) -> Path:
    """Build the summary PDF of a campaign directory (or open store); return its path.

    ``output`` defaults to ``<campaign>/summary.pdf``.
    """
    if isinstance(source, EvidenceStore):
        records = source.records()
        campaign_dir = source.campaign_dir
    else:
        campaign_dir = Path(source)
        with EvidenceStore.open(campaign_dir, read_only=True) as store:
            records = store.records()
    return render_summary_pdf(records, output or campaign_dir / SUMMARY_PDF_NAME)


__all__ = ["build_summary_pdf", "render_summary_pdf", "utc_display"]
