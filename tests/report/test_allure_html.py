"""report.html: the Allure single file with the QA section from the record — offline, nothing fetched, rebuilt in place."""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import pytest

from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.report.allure_html import ReportError, add_qa_section, find_allure, generate_single_file
from mimedi_qual.report.qa_review import END_MARKER, START_MARKER
from mimedi_qual.steps.actions.verdicts import not_met_message

ROOT = Path(__file__).resolve().parents[2]
PAGE = "<!DOCTYPE html><html><head><title>Allure Report</title></head><body>\n<div id=\"content\"></div></body></html>"


def _failed_measurement() -> Measurement:
    return Measurement(criterion_id="OQ-TEMP-ACC", description="Vessel temperature within tolerance at 37 °C",
                       value=37.9, unit="°C", low=36.5, high=37.5, verdict="fail", instrument="thermometer",
                       source="ours", statistics={"n_samples": 1440.0, "max": 37.9})


@pytest.fixture
def records(tmp_path: Path) -> list:
    store = write_example_campaign(tmp_path / "C")
    records = store.records()
    store.close()
    return records


def _embedded(page: str, name_prefix: str) -> list[dict]:
    """The JSON files the single-file report embeds (``d('data/…', '<base64>')``)."""
    return [json.loads(base64.b64decode(m.group(2)))
            for m in re.finditer(r"d\('(" + re.escape(name_prefix) + r"[^']*)','([^']+)'\)", page)]


def test_the_qa_section_goes_first_in_the_body_and_a_rebuild_replaces_it(tmp_path: Path, records) -> None:
    report = tmp_path / "report.html"
    report.write_text(PAGE, encoding="utf-8")
    add_qa_section(report, records)
    once = report.read_text(encoding="utf-8")
    assert once.index("<body>") + len("<body>") == once.index(START_MARKER)
    add_qa_section(report, records + records[-1:])  # rebuilt from a (here: same) record
    twice = report.read_text(encoding="utf-8")
    assert twice.count(START_MARKER) == 1 and twice.count(END_MARKER) == 1
    outside = twice[:twice.index(START_MARKER)] + twice[twice.index(END_MARKER) + len(END_MARKER):]
    assert outside == PAGE  # the Allure part is kept byte for byte


@pytest.mark.parametrize("script", [
    '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>',
    '<script src="//cdn.example.org/app.js"></script>',
    '<link rel="stylesheet" href="http://fonts.example.org/a.css">',
])
def test_a_page_that_would_fetch_or_track_is_refused(tmp_path: Path, records, script: str) -> None:
    report = tmp_path / "report.html"
    report.write_text(PAGE.replace("</body>", script + "</body>"), encoding="utf-8")
    with pytest.raises(ReportError, match="tracking script or an external resource"):
        add_qa_section(report, records)


def test_generated_report_shows_qa_section_legible_failure_and_urs_text(tmp_path: Path, records) -> None:
    """One run of the real Allure 2 generator: what a reviewer opens from disk."""
    allure = find_allure(ROOT / ".tools")
    if allure is None:
        pytest.skip("Allure generator not installed (make install)")
    results = tmp_path / "allure-results"
    results.mkdir()
    message = "AssertionError: " + not_met_message(_failed_measurement(), " (alarms: none)")
    description = ("Verifies:\n\n- **URS-OQ-TEMP-001** (risk high, OQ, module expansion): The bioreactor holds the "
                   "culture temperature at 37.0 °C")
    result_id = str(uuid.uuid4())
    (results / f"{result_id}-result.json").write_text(json.dumps({
        "uuid": result_id, "historyId": result_id, "name": "Temperature held at the target of OQ-TEMP-ACC",
        "fullName": "temperature_hold.feature:Temperature held", "status": "failed", "description": description,
        "statusDetails": {"message": message, "trace": "Traceback …"}, "start": 1, "stop": 2,
        "labels": [{"name": "story", "value": "URS-OQ-TEMP-001"}, {"name": "epic", "value": "OQ"}]}),
        encoding="utf-8")
    report = generate_single_file(allure, results, tmp_path / "report.html")
    add_qa_section(report, records)
    page = report.read_text(encoding="utf-8")

    assert page.count(START_MARKER) == 1 and "DEV-001" in page and "position:fixed" not in page.replace(" ", "")
    [case] = _embedded(page, "data/test-cases/")
    assert case["statusMessage"] == message
    assert "expected:   36.5 … 37.5 °C" in message and "actual:     worst of 1,440 readings = 37.9 °C" in message
    assert "instrument: thermometer" in message and "Measurement(" not in message
    assert "URS-OQ-TEMP-001</strong> (risk high" in case["descriptionHtml"]
    assert case["links"] == []
