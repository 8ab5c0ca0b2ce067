"""report.html after signing: its QA section is rebuilt from the record, the rebuild recorded, verify INTACT."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mimedi_qual.campaign.views import REPORT_FILE, VIEW_REBUILT_KIND, Views, finish_views, rebuild_report
from mimedi_qual.cli.evidence import register
from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.report.qa_review import START_MARKER

PASSWORD = "correct horse battery"
ALLURE_PAGE = "<!DOCTYPE html><html><head><title>Allure Report</title></head><body><div id=\"content\"></div></body></html>"


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> tuple[UserRegistry, Path]:
    root = tmp_path_factory.mktemp("users")
    create_user(root / "users.yaml", root / "keys", user_id="adm.one", printed_name="Ada Admin",
                roles=[Role.ADMIN], password=PASSWORD)
    for user_id, name, role in [("rev.one", "Robin Reviewer", Role.REVIEWER),
                                ("appr.one", "Alex Approver", Role.APPROVER)]:
        create_user(root / "users.yaml", root / "keys", user_id=user_id, printed_name=name, roles=[role],
                    password=PASSWORD, by="adm.one", by_password=PASSWORD)
    return UserRegistry.load(root / "users.yaml"), root / "keys"


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A finished passing example campaign closed as the service closes one, with a (stand-in) Allure page."""
    directory = tmp_path / "C-EXAMPLE-0001"
    store = write_example_campaign(directory, failing=False)
    (directory / REPORT_FILE).write_text(ALLURE_PAGE, encoding="utf-8")
    finish_views(store, Views(report=directory / REPORT_FILE))
    store.close()
    return directory


def _sign(campaign: Path, signers, user_id: str, role: Role, meaning: str) -> None:
    registry, keys = signers
    with EvidenceStore.open(campaign) as store:
        sign_campaign(store, registry, keys, user_id=user_id, password=PASSWORD, role=role, meaning=meaning)


def test_campaign_close_writes_the_qa_section_and_records_the_report(campaign: Path) -> None:
    page = (campaign / REPORT_FILE).read_text(encoding="utf-8")
    assert page.count(START_MARKER) == 1 and "No signature yet: this report is a draft." in page
    assert verify_campaign(campaign).ok


def test_summary_after_signing_rebuilds_the_report_and_verify_stays_intact(campaign: Path, signers) -> None:
    _sign(campaign, signers, "rev.one", Role.REVIEWER, "reviewed")
    # a simulated dry run: the approver's decision can only be a rejection (meanings from the profile)
    _sign(campaign, signers, "appr.one", Role.APPROVER, "rejected")
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["summary", str(campaign)])
    assert result.exit_code == 0, result.output
    assert "QA section rebuilt" in result.output

    page = (campaign / REPORT_FILE).read_text(encoding="utf-8")
    assert "Alex Approver (appr.one)" in page and "rejected — not released" in page
    assert "No signature yet" not in page and page.count(START_MARKER) == 1
    with EvidenceStore.open(campaign, read_only=True) as store:
        rebuilt = [r for r in store.records(kind=VIEW_REBUILT_KIND) if r.payload["file"] == REPORT_FILE]
    assert [r.payload["view"] for r in rebuilt] == ["report"]
    report = verify_campaign(campaign, signers[0])
    assert report.ok, report.problems
    assert any(v.startswith(f"{REPORT_FILE}: matches record #{rebuilt[0].seq} (rebuilt") for v in report.views)


def test_an_altered_report_is_not_rebuilt_over(campaign: Path) -> None:
    """Rebuilding would record the alteration: refused, the record unchanged, verify still names the file."""
    report = campaign / REPORT_FILE
    report.write_text(report.read_text(encoding="utf-8").replace("Allure Report", "Allure Rep0rt"), encoding="utf-8")
    with EvidenceStore.open(campaign, read_only=True) as store:
        before = len(store.records())
    with pytest.raises(EvidenceError, match="does not match its latest record"):
        rebuild_report(campaign)
    with EvidenceStore.open(campaign, read_only=True) as store:
        assert len(store.records()) == before
    assert any(p.item == REPORT_FILE for p in verify_campaign(campaign).problems)


def test_a_campaign_without_report_has_nothing_to_rebuild(tmp_path: Path) -> None:
    write_example_campaign(tmp_path / "C").close()
    assert rebuild_report(tmp_path / "C") is None


def test_after_tampering_the_rebuilt_report_and_pdf_say_the_record_is_not_intact(campaign: Path) -> None:
    import pypdfium2 as pdfium

    csv = next(p for p in sorted((campaign / "raw").iterdir()) if p.suffix == ".csv")
    csv.write_bytes(csv.read_bytes() + b"# edited\n")
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["summary", str(campaign)])
    assert result.exit_code == 1, result.output             # the views are rebuilt, and say so
    assert "NOTICE: RECORD NOT INTACT" in result.output and f"altered: raw/{csv.name}" in result.output
    assert "RECORD NOT INTACT" in (campaign / REPORT_FILE).read_text(encoding="utf-8")
    first_page = pdfium.PdfDocument(str(campaign / "summary.pdf"))[0].get_textpage().get_text_range()
    assert "RECORD NOT INTACT" in " ".join(first_page.split())
