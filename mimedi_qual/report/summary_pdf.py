"""The qualification summary report (PDF), built from the evidence store and nothing else — the renderer.

What QA and an inspector read (EU GMP Annex 15 §2.9–2.10): the protocol's
identity and hash, the equipment and reference instruments with their
calibration, the traceability matrix URS → scenario → result, the deviation
log, the signature manifestations (printed name, role, meaning, UTC time), and
a conclusion; then **one page per requirement** holding its whole trail — the
URS text and risk; the scenarios that verify it with their Gherkin steps as
executed (the method, with their step records); per criterion the expected
result (limits, unit, source), the instrument with its certificate and due
date, the result (statistic of N readings) and verdict, its plot, and its raw
files by SHA-256 keyed to the measurement record; the deviations raised; the
executor, the reviewer and the approver. A requirement with many criteria
starts on a new page and flows on. Appendix A lists every result's raw files
in full, keyed by record (record → result → file); appendix B the other raw
files (I/O logs, tables), keyed by their ``raw_data`` record.

Plots are the stored PNGs (or, for a series stored without one, drawn from
the stored CSV with :func:`mimedi_qual.report.plots.series_csv_plot_png`),
embedded only when the file still hashes to what the record names.

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

import hashlib
import io
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
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mimedi_qual.evidence.store import RAW_DIR_NAME, EvidenceStore, Record
from mimedi_qual.qualification.result_text import clocks_summary_text, clocks_text, result_text
from mimedi_qual.evidence import status
from mimedi_qual.report.summary_model import (
    NOT_RECORDED,
    CampaignSummary,
    CriterionTrail,
    MeasurementResult,
    RawFileRef,
    ScenarioTrail,
    summarise,
)
from mimedi_qual.report.pdfa import make_pdfa
from mimedi_qual.report.plots import series_csv_plot_png

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
        self.hashes = ParagraphStyle("hashes", parent=self.cell, fontSize=5.6, leading=7)
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
                ("FONTNAME", (0, 0), (-1, -1), _FONT),  # a table's own default is Helvetica (not embedded)
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
    data = [[Paragraph(escape(k), styles.cell_bold), v if isinstance(v, Paragraph) else Paragraph(_text(v), styles.cell)]
            for k, v in rows]
    table = Table(data, colWidths=[45 * mm, 135 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _FONT),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _story(s: CampaignSummary, styles: _Styles, raw_dir: Path | None = None) -> list:
    """The whole report, section by section; sections are numbered in the order they appear."""
    numbers = iter(range(1, 100))

    def heading(title: str) -> Paragraph:
        return Paragraph(f"{next(numbers)}. {escape(title)}", styles.h1)

    return [*_configuration(s, styles, heading), *_results(s, styles, heading),
            *_record_and_conclusion(s, styles, heading), *_requirement_pages(s, styles, raw_dir),
            *_appendices(s, styles)]


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
                ("Bench clock against wall clock", clocks_summary_text(
                    [r.payload.get("series_clocks") or {} for r in s.results]) or None),
                ("Environment", ", ".join(f"{k}: {v}" for k, v in (st.get("environment") or {}).items())),
                ("Harness version / commit", f"{st.get('harness_version', '')} / {st.get('git_commit', '')}"
                 if st else None),
                ("Evidence record", f"{s.records_total} records, head #{s.head_seq} {s.head_hash}. This PDF is "
                                    "built over that head and its rebuild is recorded: "
                                    "mimedi-qual verify <campaign> --pdf <this file> tells whether a copy is "
                                    "the current build"),
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
                 _verdict_cell(styles, "CLOSED" if d.is_closed else "OPEN")]
                for d in s.deviations
            ],
            [14, 22, 38, 30, 28, 26, 22],
        ),
        heading("Deviation closure history"),
        _table(
            styles,
            ["Id", "Act (record)", "Signed (UTC)", "By (role)", "Root cause · action · impact · CAPA / reason",
             "Signature"],
            [
                [_text(d.id), f"{e.kind.replace('reopened', 're-opened')} (#{e.seq})", utc_display(e.utc),
                 _text(f"{e.printed_name or e.user_id} ({e.role or '—'})"),
                 _text(f"reason: {e.reason}" if e.kind == "reopened" else
                       f"root cause: {e.root_cause} · action: {e.action} · impact: product {e.product_impact}, "
                       f"quality {e.quality_impact} — {e.impact_assessment} · CAPA: {e.capa}"),
                 _verdict_cell(styles, "valid" if e.signature_valid else "INVALID")]
                for d in s.deviations for e in d.history
            ],
            [14, 20, 30, 28, 70, 18],
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
    """Audit trail events, signatures, and the conclusion."""
    story: list = [
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


# -- one requirement, its whole trail, on its own page ----------------------------------------

#: Plot size on a requirement page: two side by side across the text width (the stored PNG is 9 × 3.2 in).
PLOTS_PER_ROW = 2
PLOT_WIDTH_MM = 86.0
PLOT_ASPECT = 3.2 / 9


def _result_value(p: dict[str, Any]) -> str:
    """The result as measured: which statistic of how many readings, and the value at the instrument's
    resolution with its unit (or "never reached within …") — as every view writes it (result_text)."""
    return result_text(p).actual


def _instrument_text(criterion: CriterionTrail) -> str:
    i = criterion.instrument
    name = criterion.payload.get("instrument")
    if not i:
        return f"{_text(name)} (no identity record)"
    lines = [f"<b>{_text(name)}</b> {escape(' '.join(str(i.get(k, '')) for k in ('manufacturer', 'model')).strip())}",
             f"s/n {_text(i.get('serial'))}"]
    if i.get("calibration_certificate"):
        state = "in date" if i.get("in_calibration") else "<font color='#b42318'><b>PAST DUE</b></font>"
        lines.append(f"cert. {escape(str(i['calibration_certificate']))} due "
                     f"{_text(i.get('calibration_due_date'))} ({state})")
    else:
        lines.append("no calibration certificate (not a reference instrument)")
    return "<br/>".join(lines)


def _raw_short(criterion: CriterionTrail) -> str:
    files = criterion.result.raw_files
    if not files:
        return "<b>no raw file recorded</b>"
    return "<br/>".join(f"{escape(f.role)} {escape(f.sha256[:12])}…" for f in files)


def _verified_file(raw_dir: Path | None, ref: RawFileRef | None) -> bytes | None:
    """The bytes of a raw file, only when they still hash to the SHA-256 the record names."""
    if raw_dir is None or ref is None or not ref.file:
        return None
    path = raw_dir.parent / ref.file
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == ref.sha256 else None


def _plot_flowable(criterion: CriterionTrail, raw_dir: Path | None, styles: _Styles, *,
                   width_mm: float = PLOT_WIDTH_MM):
    """The stored plot (or one drawn from the stored series CSV), each checked against its recorded hash."""
    p = criterion.payload
    png = _verified_file(raw_dir, criterion.plot)
    if png is None and criterion.series is not None:
        csv_bytes = _verified_file(raw_dir, criterion.series)
        if csv_bytes is not None:
            png = series_csv_plot_png(csv_bytes, title=f"{p.get('criterion_id', '')}: {p.get('description', '')}",
                                      low=p.get("low"), high=p.get("high"), unit=str(p.get("unit", "")))
    if png is None:
        if criterion.plot is not None or criterion.series is not None:
            return Paragraph(f"{_text(p.get('criterion_id'))}: the plot's raw file is missing or does not match "
                             "its recorded SHA-256 — not shown (run <b>mimedi-qual verify</b>).", styles.cell)
        return None
    image = Image(io.BytesIO(png), width=width_mm * mm, height=width_mm * PLOT_ASPECT * mm)
    caption = Paragraph(f"{_text(p.get('criterion_id'))} — record #{criterion.result.record.seq}", styles.mono)
    return [image, caption]


def _signed_text(s: CampaignSummary, role: str) -> str:
    signed = s.signatures_in_role(role)
    if not signed:
        return f"<b>not yet signed by a{'n' if role[0] in 'aeiou' else ''} {escape(role)}</b>"
    return "; ".join(
        f"{_text(p.get('printed_name'))} ({_text(p.get('user_id'))}) — “{_text(p.get('meaning'))}” — "
        f"{utc_display(p.get('signed_utc'))}, signature record #{r.seq} over head #{p.get('signed_head_seq')} "
        f"({_verdict_markup('valid' if valid else 'INVALID')})"
        for r, p, valid in signed)


def _steps_text(scenario: ScenarioTrail) -> str:
    parts = []
    for _r, p in scenario.steps:
        step = f"<b>{escape(p.get('keyword', ''))}</b> {escape(p.get('text', ''))}"
        if p.get("status") not in ("passed", None, ""):
            step += f" <font color='#b42318'><b>[{escape(str(p.get('status')).upper())}]</b>"
            step += (f" {escape(str(p.get('error'))[:300])}" if p.get("error") else "") + "</font>"
        parts.append(step)
    seqs = [r.seq for r, _p in scenario.steps]
    where = f" (step records #{min(seqs)}–#{max(seqs)})" if seqs else ""
    return " → ".join(parts) + where if parts else "no step recorded"


def _requirement_pages(s: CampaignSummary, styles: _Styles, raw_dir: Path | None) -> list:
    """One requirement per page: URS, method, expected, instrument and calibration, result, plot, raw files,
    executor and reviewer — the whole trail where an inspector looks for it."""
    st = s.started or {}
    executor = (f"{_text(st.get('executor_printed_name'))} ({_text(st.get('executor_user_id'))}), "
                f"{utc_display(s.started_utc)} – {utc_display(s.finished_utc)}; {_execution_signature(s)}"
                if st else NOT_RECORDED)
    story: list = []
    for trail in s.requirements:
        story += [PageBreak(), Paragraph(
            f"{escape(trail.urs)} — risk {_text(trail.risk)} — stage {_text(trail.stage)} — "
            f"{_verdict_markup(trail.verdict)}", styles.h1),
            Paragraph(_text(trail.text) if trail.text else "URS text not recorded in the protocol record",
                      styles.body), Spacer(1, 2 * mm)]
        if not trail.scenarios:
            story.append(Paragraph("<b>No scenario of this campaign verified this requirement.</b>", styles.body))
        if trail.scenarios:
            story.append(_table(styles, ["Scenario (method: Gherkin steps as executed)", "Result"], [[
                f"<b>{_text(scenario.scenario)}</b> — {_text(scenario.feature)}<br/>{_steps_text(scenario)}",
                _verdict_cell(styles, scenario.status or "?")] for scenario in trail.scenarios], [162, 18]))
        if trail.criteria:
            story += [Spacer(1, 2 * mm), _table(
                styles,
                ["Criterion", "Expected (source)", "Instrument / calibration", "Result", "Record / raw files"],
                [[f"<b>{_text(c.payload.get('criterion_id'))}</b><br/>{_text(c.payload.get('description'))}",
                  f"{escape(result_text(c.payload).acceptance)}<br/>"
                  f"<i>source:</i> {escape(result_text(c.payload).source)}",
                  _instrument_text(c),
                  f"{escape(_result_value(c.payload))}<br/>{_verdict_markup(str(c.payload.get('verdict', '?')))}"
                  f" <font size=6>{utc_display(c.payload.get('taken_at_utc') or c.result.record.utc)}</font>"
                  f"<br/><font size=5.5>{escape(result_text(c.payload).resolution)}</font>",
                  Paragraph(f"record #{c.result.record.seq}<br/>{_raw_short(c)}", styles.mono)]
                 for c in trail.criteria],
                [33, 36, 40, 36, 35])]
            # Two plots a row; three when there are three or more, so a requirement's page holds them.
            n = PLOTS_PER_ROW if sum(1 for c in trail.criteria if c.plot or c.series) < 3 else PLOTS_PER_ROW + 1
            plots = [f for f in (_plot_flowable(c, raw_dir, styles, width_mm=178 / n) for c in trail.criteria)
                     if f is not None]
            if plots:
                rows = [plots[i:i + n] + [""] * (n - len(plots[i:i + n])) for i in range(0, len(plots), n)]
                grid = Table(rows, colWidths=[(180 / n) * mm] * n)
                grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _FONT),
                                          ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                          ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                          ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
                story += [Spacer(1, 2 * mm), grid]
        if trail.deviations:
            story += [Spacer(1, 2 * mm), _table(
                styles, ["Deviation", "What", "Status"],
                [[_text(d.id), f"{_text(d.description)} (expected {_text(d.expected)}, actual {_text(d.actual)})",
                  (f"closed {utc_display(d.closed_utc)} by {escape(d.closed_by)}" if d.is_closed else "OPEN")]
                 for d in trail.deviations], [20, 125, 35])]
        story += [Spacer(1, 2 * mm), _kv_table(styles, [
            ("Executed by", Paragraph(executor, styles.cell)),
            ("Reviewed by", Paragraph(_signed_text(s, "reviewer"), styles.cell)),
            ("Approved by", Paragraph(_signed_text(s, "approver"), styles.cell)),
            ("Stage release", s.release.statement if s.release is not None else None),
        ])]
    return story


def _execution_signature(s: CampaignSummary) -> str:
    """Whether the executor signed the campaign's start (a registered user) or it is a labelled dry run."""
    if s.executor is None or s.executor.dry_run:
        return "<b>dry run</b>: the start carries no registered executor's signature"
    return "start signed by the executor (execution signature valid)"


def _verdict_markup(verdict: str) -> str:
    good = verdict.upper() in ("PASS", "PASSED", "VALID")
    return f'<font color="{"#1a7f37" if good else "#b42318"}"><b>{escape(verdict.upper())}</b></font>'


def _appendices(s: CampaignSummary, styles: _Styles) -> list:
    """Appendix A: the raw files of every result, keyed by its record; appendix B: every other raw file."""
    result_files = {f.sha256 for result in s.results for f in result.raw_files}
    others = [(r, p) for r, p in s.raw_records if p.get("sha256") not in result_files]
    story: list = [
        PageBreak(),
        Paragraph("Appendix A. Raw files of each result, keyed by record", styles.h1),
        Paragraph("Record → result → file: each measurement record names its raw files by SHA-256 (the file "
                  "name in raw/ is the hash), and how the series' bench clock relates to UTC wall time. "
                  "<b>mimedi-qual verify</b> re-hashes every file.", styles.body),
        Spacer(1, 2 * mm),
        _table(
            styles,
            ["Record", "Criterion / URS", "Result", "Raw files (raw/<SHA-256>.<suffix>)"],
            [[f"#{result.record.seq}",
              f"{_text(p.get('criterion_id'))}<br/>{escape(', '.join(p.get('urs') or [])) or '—'}",
              f"{escape(_result_value(p))} {escape(str(p.get('verdict', '?')).upper())}",
              Paragraph("<br/>".join(f"{escape(f.role)}: {escape(f.file or f.sha256)}" for f in result.raw_files)
                        + (f"<br/>clocks of the series: {escape(clocks_text(p.get('series_clocks')))}"
                           if p.get("series_clocks") else "")
                        or "<b>no raw file recorded</b>", styles.hashes)]
             for result in s.results for p in (result.payload,)],
            [13, 38, 22, 107],
        ),
    ]
    if others:
        story += [
            Paragraph("Appendix B. Other raw files (I/O logs, tables), keyed by record", styles.h1),
            _table(
                styles,
                ["Record", "What", "File"],
                [[f"#{r.seq}", _text(p.get("description")), Paragraph(_text(p.get("file")), styles.hashes)]
                 for r, p in others],
                [13, 57, 110],
            ),
        ]
    return story


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
            # A long notice is set smaller rather than run off the page.
            size = min(8.5, 8.5 * (width - 24 * mm) / pdfmetrics.stringWidth(banner, _FONT_BOLD, 8.5))
            canvas.setFont(_FONT_BOLD, size)
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
        # Every page starts in the embedded font: reportlab's default (Helvetica, never embedded) would be
        # named on each page and break PDF/A (every font embedded).
        kwargs["initialFontName"] = kwargs.get("initialFontName") or _FONT
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


def render_summary_pdf(records: list[Record], output: str | Path, raw_dir: Path | None = None, *,
                       integrity_problems: list | None = None) -> Path:
    """Render the summary report for ``records`` into ``output``; plots come from ``raw_dir`` (hash-checked).

    ``integrity_problems``: what ``verify`` found (see ``summarise``): any puts RECORD NOT INTACT on every page.
    """
    output = Path(output)
    summary = summarise(records, integrity_problems=integrity_problems)
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
    doc.build(_story(summary, styles, raw_dir), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_NumberedCanvas)
    make_pdfa(str(output) + ".tmp")  # archived as PDF/A-2b (mimedi_qual.report.pdfa)
    Path(str(output) + ".tmp").replace(output)
    return output


def build_summary_pdf(source: str | Path | EvidenceStore, output: str | Path | None = None) -> Path:
    """Build the summary PDF of a campaign directory (or open store); return its path.

    ``output`` defaults to ``<campaign>/summary.pdf``.
    """
    from mimedi_qual.evidence.verify import record_problems

    if isinstance(source, EvidenceStore):
        records = source.records()
        campaign_dir = source.campaign_dir
    else:
        campaign_dir = Path(source)
        with EvidenceStore.open(campaign_dir, read_only=True) as store:
            records = store.records()
    output = Path(output or campaign_dir / SUMMARY_PDF_NAME)
    # A record that no longer verifies is said so on every page; the view being rebuilt is not the record.
    problems = record_problems(campaign_dir, except_files=[output])
    return render_summary_pdf(records, output, campaign_dir / RAW_DIR_NAME, integrity_problems=problems)


__all__ = ["build_summary_pdf", "render_summary_pdf", "utc_display"]
