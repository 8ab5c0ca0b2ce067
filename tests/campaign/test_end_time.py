"""A campaign has one end time: campaign_finished records it, and Allure, campaign.json and the PDF print it.

Closing runs the real sequence (:meth:`Campaign.close`): the Allure results'
environment and executor, ``campaign.json``, ``campaign_finished``, then the
summary PDF — on an example record, without the Allure generator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium

from mimedi_qual.campaign.service import Campaign
from mimedi_qual.campaign.views import CAMPAIGN_JSON
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.report import allure_html
from mimedi_qual.report.qa_review import qa_review_html
from mimedi_qual.report.summary_model import summarise
from mimedi_qual.report.summary_pdf import utc_display

ROOT = Path(__file__).resolve().parents[2]


def _pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    return text


def test_every_view_prints_the_end_time_campaign_finished_records(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(allure_html, "find_allure", lambda tools: None)  # no report.html: the rest is written
    campaign_dir = tmp_path / "c"
    store = write_example_campaign(campaign_dir, finish=False)
    campaign = Campaign(ProjectPaths.at(ROOT), campaign_dir, store, ROOT / "profiles/benches/sim.yaml",
                        ROOT / "profiles/acceptance/criteria.yaml")
    campaign.close()

    with EvidenceStore.open(campaign_dir, read_only=True) as reopened:
        records = reopened.records()
    (finished,) = [r for r in records if r.kind == "campaign_finished"]
    end = finished.payload["finished_utc"]
    assert end.endswith("Z") and len(end) == len("2026-12-02T14:17:18Z")

    results = campaign_dir / "allure-results"
    environment = dict(line.split("=", 1) for line in
                       (results / "environment.properties").read_text(encoding="utf-8").splitlines() if "=" in line)
    assert environment["Finished.UTC"] == end
    assert end in json.loads((results / "executor.json").read_text(encoding="utf-8"))["buildName"]
    assert json.loads((campaign_dir / CAMPAIGN_JSON).read_text(encoding="utf-8"))["Finished.UTC"] == end
    assert summarise(records).finished_utc == end
    section = qa_review_html(records)  # report.html's QA section
    assert f"<td>finished (UTC)</td><td>{end}</td>" in section.replace("\n", "")
    assert f"/ {utc_display(end)}" in _pdf_text(campaign_dir / "summary.pdf")  # "Started / finished"
    assert verify_campaign(campaign_dir).ok
