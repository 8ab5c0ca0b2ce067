"""The summary PDF is archived as PDF/A-2b, and the checker catches what would break it."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from reportlab.pdfgen import canvas

from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.report.pdfa import make_pdfa, pdfa_problems
from mimedi_qual.report.summary_pdf import build_summary_pdf


def test_summary_pdf_is_pdfa_2b(tmp_path: Path) -> None:
    store = write_example_campaign(tmp_path / "c", failing=True)
    pdf = build_summary_pdf(store)
    store.close()
    assert pdfa_problems(pdf) == []
    with pikepdf.open(pdf) as document:
        assert document.open_metadata().pdfa_status == "2B"
        [intent] = document.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1 and intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        fonts = {str(f.BaseFont) for page in document.pages for f in page.Resources.Font.values()}
    assert fonts and all("DejaVuSans" in name for name in fonts)  # embedded subsets only, no Helvetica


def test_a_plain_reportlab_pdf_is_not_pdfa(tmp_path: Path) -> None:
    """What the summary was before: Helvetica not embedded, no PDF/A identification, no output intent."""
    plain = tmp_path / "plain.pdf"
    page = canvas.Canvas(str(plain))
    page.drawString(72, 720, "Qualification Summary Report")
    page.save()
    problems = " | ".join(pdfa_problems(plain))
    assert "font /Helvetica is not embedded" in problems
    assert "XMP does not identify the file as PDF/A-2B" in problems
    assert "no single GTS_PDFA1 output intent" in problems
    make_pdfa(plain)  # the output intent and the XMP identification are added; the unembedded font remains
    assert pdfa_problems(plain) == ["font /Helvetica is not embedded (§6.2.11.4.1)"]


def test_widths_that_disagree_with_the_embedded_font_are_caught(tmp_path: Path) -> None:
    store = write_example_campaign(tmp_path / "c")
    pdf = build_summary_pdf(store)
    store.close()
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        font = next(iter(document.pages[0].Resources.Font.values()))
        widths = font.Widths
        widths[1] = int(widths[1]) + 200
        document.save(pdf)
    assert any("wide in /Widths" in problem for problem in pdfa_problems(pdf))
