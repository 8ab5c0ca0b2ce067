"""The summary PDF, read back the way a person reads it: page images and their text."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from mimedi_qual.evidence.example_campaign import EXAMPLE_PROTOCOL_HASH, write_example_campaign
from mimedi_qual.evidence.protocol import approve_protocol
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.evidence.status import DRAFT_NOTICE as BANNER_DRAFT
from mimedi_qual.evidence.status import INCOMPLETE_NOTICE as BANNER_INCOMPLETE
from mimedi_qual.evidence.status import SIMULATED_NOTICE as BANNER_SIMULATED
from mimedi_qual.evidence.status import UNAPPROVED_NOTICE as BANNER_UNAPPROVED
from mimedi_qual.qualification.result_text import result_text
from mimedi_qual.report.summary_pdf import build_summary_pdf, utc_display

PASSWORD = "correct horse battery"


def _pages(pdf_path: Path) -> list[str]:
    """Text of each page, after rendering it to an image that must not be blank."""
    document = pdfium.PdfDocument(str(pdf_path))
    texts = []
    for page in document:
        image = page.render(scale=1).to_pil().convert("L")
        low, high = image.getextrema()
        assert low < 100 and high > 200, "page rendered blank"
        texts.append(" ".join(page.get_textpage().get_text_range().split()))
    document.close()
    return texts


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> tuple[UserRegistry, Path]:
    root = tmp_path_factory.mktemp("users")
    create_user(root / "users.yaml", root / "keys", user_id="adm.one", printed_name="Ada Admin",
                roles=[Role.ADMIN], password=PASSWORD)   # the first user of a registry is its admin
    for user_id, name, role in [("rev.one", "Robin Reviewer", Role.REVIEWER),
                                ("appr.one", "Alex Approver", Role.APPROVER),
                                ("exec.ops", "Erin Executor", Role.EXECUTOR)]:
        create_user(root / "users.yaml", root / "keys", user_id=user_id, printed_name=name, roles=[role],
                    password=PASSWORD, by="adm.one", by_password=PASSWORD)
    return UserRegistry.load(root / "users.yaml"), root / "keys"


def test_draft_simulated_report_says_so_on_every_page(tmp_path: Path) -> None:
    store = write_example_campaign(tmp_path / "c", simulated=True, failing=True, finish=False)
    pdf = build_summary_pdf(store)
    store.close()
    pages = _pages(pdf)
    text = " ".join(pages)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        for banner in (BANNER_SIMULATED, BANNER_UNAPPROVED, BANNER_INCOMPLETE, BANNER_DRAFT):
            assert banner in page
        assert f"page {number} of {len(pages)}" in page
    # protocol identity and hash
    assert "MQ-OQ-001" in text and EXAMPLE_PROTOCOL_HASH in text
    # equipment and instrument identity and calibration
    assert "MM1-000042" in text and "2.3.1" in text
    assert "Fluke 1524" in text and "B48213" in text and "CAL-2026-0193" in text and "2027-03-01" in text
    # every criterion with value, unit, limits, verdict
    assert "OQ-TEMP-ACC" in text and "37.9 °C" in text and "36.5 – 37.5 °C" in text and "FAIL" in text
    assert "OQ-TEMP-RECOVERY" in text and "412 s" in text and "≤ 900 s" in text and "PASS" in text
    # traceability URS -> scenario -> result, including what was not tested
    assert "URS-TEMP-001 Temperature holds at 37 °C OQ-TEMP-ACC DEV-001 FAIL" in text
    assert "URS-TEMP-002 Temperature recovers after door opening OQ-TEMP-RECOVERY — PASS" in text
    assert "URS-ALARM-009 — — — NOT TESTED" in text
    # deviation log
    assert "DEV-001 criterion not met OQ-TEMP-ACC not met" in text
    assert "OPEN" in text
    # conclusion
    assert "1 of 2 acceptance criteria met; 1 not met." in text
    assert "does not replace OQ/PQ on the real equipment" in text
    assert "has not finished" in text


def test_approved_real_bench_report_shows_signatures_and_no_banner(tmp_path: Path, users) -> None:
    registry, keys = users
    approval = approve_protocol(registry, keys, user_id="appr.one", password=PASSWORD, protocol_id="MQ-OQ-001",
                                protocol_version="1.0", protocol_hash_hex=EXAMPLE_PROTOCOL_HASH)
    store = write_example_campaign(tmp_path / "c", simulated=False, failing=False,
                                   protocol_approvals=[approval.to_payload()],
                                   executor_key=registry.unlock("exec.ops", PASSWORD, keys))  # signed the start
    sign_campaign(store, registry, keys, user_id="rev.one", password=PASSWORD, role=Role.REVIEWER,
                  meaning="reviewed")
    approved = sign_campaign(store, registry, keys, user_id="appr.one", password=PASSWORD, role=Role.APPROVER,
                             meaning="approved-pq")
    pdf = build_summary_pdf(store, tmp_path / "out.pdf")
    store.close()
    pages = _pages(pdf)
    text = " ".join(pages)
    for banner in (BANNER_SIMULATED, BANNER_UNAPPROVED, BANNER_INCOMPLETE, BANNER_DRAFT):
        assert banner not in text
    assert "real equipment" in text
    # signature manifestations: printed name, role, meaning, UTC time
    assert "Robin Reviewer reviewer reviewed: record complete and accurate" in text
    assert "Alex Approver approver approved — release to PQ" in text
    # the stage's release statement, from the approver's signed release decision
    assert f"Release of the stage: Released to PQ by Alex Approver (approver) on {approved.payload['signed_utc']}" in text
    assert utc_display(approved.payload["signed_utc"]) in text
    assert utc_display(approved.payload["signed_utc"]).endswith(" UTC")
    assert "INVALID" not in text
    # protocol pre-approval
    assert "Alex Approver approver approved for execution" in text
    assert "2 of 2 acceptance criteria met; 0 not met." in text
    assert "Recommendation: Release to PQ." in text


def test_tampered_signature_shows_invalid(tmp_path: Path, users) -> None:
    import sqlite3

    registry, keys = users
    store = write_example_campaign(tmp_path / "c")
    sign_campaign(store, registry, keys, user_id="rev.one", password=PASSWORD, role=Role.REVIEWER,
                  meaning="reviewed")
    store.close()
    db = sqlite3.connect(tmp_path / "c" / "evidence.sqlite")
    db.execute("DROP TRIGGER records_refuse_update")
    db.execute("UPDATE records SET payload = replace(payload, 'Robin Reviewer', 'Robin Reveiwer') "
               "WHERE kind = 'signature'")
    db.commit()
    db.close()
    text = " ".join(_pages(build_summary_pdf(tmp_path / "c")))
    assert "Robin Reveiwer reviewer reviewed" in text and "INVALID" in text


def test_equipment_falls_back_to_the_controller_identity(tmp_path: Path) -> None:
    from mimedi_qual.evidence.store import EvidenceStore

    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("campaign_started", {
            "campaign_id": "C-2", "stage": "IQ", "protocol_id": "MQ-IQ-001", "protocol_version": "1.0",
            "protocol_hash": "1" * 64, "bench_profile": "profiles/benches/sim.yaml", "bench_simulated": True,
            "executor_user_id": "exec.ops", "executor_printed_name": "Erin Executor"})
        store.append("instrument_identity", {
            "name": "bioreactor", "quantity": "controller", "manufacturer": "MiMédi", "model": "MM-1",
            "serial": "MM1-000077", "firmware": "2.4.0", "calibration_certificate": "", "in_calibration": False})
        pdf = build_summary_pdf(store)
    text = " ".join(_pages(pdf))
    assert "Equipment / model bioreactor / MM-1" in text and "Serial / firmware MM1-000077 / 2.4.0" in text


def test_each_requirement_page_holds_its_whole_trail(tmp_path: Path, users) -> None:
    """URS text and risk, method, expected, instrument with certificate, result, plot, raw hashes, executor and
    reviewer on the one page that starts with the requirement (the old report spread them over six pages)."""
    registry, keys = users
    store = write_example_campaign(tmp_path / "c", failing=True)
    sign_campaign(store, registry, keys, user_id="rev.one", password=PASSWORD, role=Role.REVIEWER,
                  meaning="reviewed")
    measurement = next(r for r in store.records(kind="measurement") if r.payload["criterion_id"] == "OQ-TEMP-ACC")
    steps = [r for r in store.records(kind="step") if r.payload["scenario"] == "Temperature holds at 37 °C"]
    pdf = build_summary_pdf(store)
    store.close()
    pages = _pages(pdf)
    [page] = [p for p in pages if "URS-TEMP-001 — risk high — stage OQ — FAIL" in p]
    assert "The bioreactor holds the culture at 37.0 °C within tolerance." in page          # URS text
    assert "Given the bioreactor is running → When I log for 1 hour → Then every reading meets OQ-TEMP-ACC" in page
    assert f"step records #{steps[0].seq}–#{steps[-1].seq}" in page                           # the method
    assert "OQ-TEMP-ACC" in page and "37.0 ± 0.5 °C (36.5 … 37.5 °C)" in page                  # expected
    assert "source: profiles/acceptan" in page and "v1.0: URS (ours)" in page  # its source (the cell wraps the path)
    assert "Fluke 1524" in page and "s/n B48213" in page                                      # instrument
    assert "cert. CAL-2026-0193 due 2027-03-01 (in date)" in page                             # calibration
    assert "max of 3 readings = 37.90 °C FAIL" in page                 # result: statistic, value at resolution
    assert f"record #{measurement.seq}" in page                                               # keyed by record
    for raw in measurement.payload["raw_files"]:
        assert f"{raw['role']} {raw['sha256'][:12]}…" in page                                 # raw hashes
    assert "DEV-001" in page                                                                  # its deviation
    assert "Executed by Erin Executor (exec.ops)" in page
    assert "Reviewed by Robin Reviewer (rev.one) — “reviewed: record complete and accurate”" in page and "(VALID)" in page
    assert "Approved by not yet signed by an approver" in page
    assert f"OQ-TEMP-ACC — record #{measurement.seq}" in page                                 # the plot's caption
    assert _images_on_page(pdf, pages.index(page)) == 1                                       # and the plot
    # A requirement no scenario verified still has its page, saying so.
    [untested] = [p for p in pages if "URS-ALARM-009 — risk high — stage OQ — NOT TESTED" in p]
    assert "No scenario of this campaign verified this requirement." in untested


def _images_on_page(pdf_path: Path, index: int) -> int:
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return sum(1 for obj in document[index].get_objects() if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
    finally:
        document.close()


def test_a_plot_whose_raw_file_was_altered_is_not_drawn(tmp_path: Path) -> None:
    store = write_example_campaign(tmp_path / "c")
    series = next(f for f in store.records(kind="measurement")[0].payload["raw_files"] if f["role"] == "series")
    pdf = build_summary_pdf(store)
    assert _images_on_page(pdf, next(i for i, p in enumerate(_pages(pdf)) if "URS-TEMP-001 — risk" in p)) == 1
    (tmp_path / "c" / series["file"]).write_text("bench_time_s,elapsed_s,utc,value\n0,0,x,99\n", encoding="utf-8")
    pdf = build_summary_pdf(store)
    store.close()
    pages = _pages(pdf)
    index = next(i for i, p in enumerate(pages) if "URS-TEMP-001 — risk" in p)
    assert "does not match its recorded SHA-256 — not shown" in pages[index]
    assert _images_on_page(pdf, index) == 0


def test_instrument_past_calibration_is_called_out(tmp_path: Path) -> None:
    from mimedi_qual.evidence.store import EvidenceStore

    with EvidenceStore.create(tmp_path / "c") as store:
        store.append("instrument_identity", {
            "name": "ref-thermometer", "quantity": "temperature", "manufacturer": "Fluke", "model": "1524",
            "serial": "B1", "calibration_certificate": "CAL-1", "calibration_due_date": "2020-01-01",
            "in_calibration": False})
        store.append("measurement", {
            "criterion_id": "OQ-TEMP-ACC", "value": 37.0, "unit": "°C", "low": 36.5, "high": 37.5,
            "verdict": "pass", "instrument": "ref-thermometer", "scenario": "hold"})
        pdf = build_summary_pdf(store)
    text = " ".join(_pages(pdf))
    assert "PAST DUE" in text
    assert "past their calibration due date (ref-thermometer)" in text


def test_raw_file_manifest_is_keyed_by_record(tmp_path: Path) -> None:
    """Appendix A: record seq → result → full file names; no unkeyed list of SHA-256 names."""
    store = write_example_campaign(tmp_path / "c")
    measurements = store.records(kind="measurement")
    pdf = build_summary_pdf(store)
    store.close()
    text = " ".join(_pages(pdf))
    appendix = text[text.index("Appendix A. Raw files of each result, keyed by record"):]
    for record in measurements:
        p = record.payload
        assert {f["role"] for f in p["raw_files"]} == {"series", "measurement"}
        files = " ".join(f"{f['role']}: {f['file']}" for f in p["raw_files"])
        row = appendix[appendix.index(f"#{record.seq} {p['criterion_id']} {p['urs'][0]} "):][:400]
        assert result_text(p).actual in row
        assert f"{p['verdict'].upper()} {files}" in row
    assert "Raw evidence" not in text and "no raw file" not in text
