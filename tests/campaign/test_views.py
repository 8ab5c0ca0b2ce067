"""Views never break the record: a summary rebuilt after signing is recorded, and verify names what it matches."""

from __future__ import annotations

import shutil
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mimedi_qual.campaign.views import SUMMARY_FILE, VIEW_REBUILT_KIND, finish_views, Views
from mimedi_qual.cli.evidence import register
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.evidence.verify import match_view_copy, verify_campaign

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> tuple[UserRegistry, Path]:
    root = tmp_path_factory.mktemp("users")
    create_user(root / "users.yaml", root / "keys", user_id="adm.one", printed_name="Ada Admin",
                roles=[Role.ADMIN], password=PASSWORD)   # the first user of a registry is its admin
    for user_id, name, role in [("rev.one", "Robin Reviewer", Role.REVIEWER),
                                ("appr.one", "Alex Approver", Role.APPROVER)]:
        create_user(root / "users.yaml", root / "keys", user_id=user_id, printed_name=name, roles=[role],
                    password=PASSWORD, by="adm.one", by_password=PASSWORD)
    return UserRegistry.load(root / "users.yaml"), root / "keys"


@pytest.fixture
def cli():
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def closed_campaign(tmp_path: Path) -> Path:
    """A finished, passing example campaign whose views were written at close, as the service does."""
    directory = tmp_path / "C-EXAMPLE-0001"
    store = write_example_campaign(directory, failing=False, ledger=os.environ["MIMEDI_QUAL_LEDGER"])
    finish_views(store, Views())
    store.close()
    return directory


def _sign(campaign: Path, signers, user_id: str, role: Role, meaning: str) -> None:
    registry, keys = signers
    with EvidenceStore.open(campaign) as store:
        sign_campaign(store, registry, keys, user_id=user_id, password=PASSWORD, role=role, meaning=meaning)


def test_readme_workflow_sign_summary_sign_summary_stays_intact(cli, closed_campaign: Path, signers) -> None:
    """run → sign reviewer → summary → sign approver → summary → verify: INTACT, and the PDF's record named."""
    _sign(closed_campaign, signers, "rev.one", Role.REVIEWER, "reviewed")
    first = cli("summary", closed_campaign)
    assert first.exit_code == 0, first.output
    assert "view_rebuilt" in first.output
    # a simulated, unapproved example: the approver's decision can only be a rejection (a release is refused)
    _sign(closed_campaign, signers, "appr.one", Role.APPROVER, "rejected")
    second = cli("summary", closed_campaign)
    assert second.exit_code == 0, second.output

    with EvidenceStore.open(closed_campaign, read_only=True) as store:
        rebuilt = store.records(kind=VIEW_REBUILT_KIND)
        head_before_last = store.records()[-2]
    assert len(rebuilt) == 2
    last = rebuilt[-1].payload
    assert last["file"] == SUMMARY_FILE and last["inside_campaign"] is True
    assert last["over_head_seq"] == head_before_last.seq and last["over_head_hash"] == head_before_last.hash
    assert last["rebuilt_by"] and last["sha256"] == __import__("hashlib").sha256(
        (closed_campaign / SUMMARY_FILE).read_bytes()).hexdigest()

    result = cli("verify", closed_campaign, "--users", signers[1].parent / "users.yaml")
    assert result.exit_code == 0, result.output
    assert "INTACT" in result.output and "NOT INTACT" not in result.output
    assert f"summary.pdf: matches record #{rebuilt[-1].seq} (rebuilt" in result.output
    # A rebuilt view adds no evidence: it is not an unsigned tail after the approval.
    assert "not covered by it" not in result.output


def test_summary_swapped_for_an_earlier_build_is_named(cli, closed_campaign: Path, signers) -> None:
    earlier = closed_campaign.parent / "earlier.pdf"
    shutil.copy(closed_campaign / SUMMARY_FILE, earlier)
    _sign(closed_campaign, signers, "rev.one", Role.REVIEWER, "reviewed")
    assert cli("summary", closed_campaign).exit_code == 0
    shutil.copy(earlier, closed_campaign / SUMMARY_FILE)  # the unsigned build put back in place

    report = verify_campaign(closed_campaign)
    assert not report.ok
    [problem] = [p for p in report.problems if p.item == SUMMARY_FILE]
    assert problem.category == "altered"
    assert "earlier build of record #" in problem.detail and "written at campaign close" in problem.detail


def test_verify_pdf_tells_whether_the_copy_in_hand_is_the_current_build(cli, closed_campaign: Path,
                                                                         signers, tmp_path: Path) -> None:
    copy = tmp_path / "sent-to-qa.pdf"
    made = cli("summary", closed_campaign, "--output", copy)
    assert made.exit_code == 0, made.output
    ok, sentence = match_view_copy(closed_campaign, copy)
    assert ok and "the current summary view" in sentence

    result = cli("verify", closed_campaign, "--pdf", copy, "--users", signers[1].parent / "users.yaml")
    assert result.exit_code == 0, result.output
    assert "sent-to-qa.pdf: matches record #" in result.output

    _sign(closed_campaign, signers, "rev.one", Role.REVIEWER, "reviewed")
    assert cli("summary", closed_campaign).exit_code == 0  # a newer build: the copy in hand is superseded
    result = cli("verify", closed_campaign, "--pdf", copy)
    assert result.exit_code == 1 and "superseded by record #" in result.output

    stranger = tmp_path / "stranger.pdf"
    stranger.write_bytes(b"%PDF-1.7 not from this campaign")
    result = cli("verify", closed_campaign, "--pdf", stranger)
    assert result.exit_code == 1 and "matches no view recorded in this campaign" in result.output
    assert cli("verify", closed_campaign, "--pdf", tmp_path / "absent.pdf").exit_code == 2


def test_summary_of_a_directory_that_is_not_a_campaign_is_bad_input(cli, tmp_path: Path) -> None:
    result = cli("summary", tmp_path)
    assert result.exit_code == 2 and "not a campaign" in result.output


def test_an_altered_summary_is_not_overwritten_and_the_refusal_is_audited(cli, closed_campaign: Path) -> None:
    pdf = closed_campaign / SUMMARY_FILE
    altered = pdf.read_bytes() + b"%% edited\n"
    pdf.write_bytes(altered)
    result = cli("summary", closed_campaign)
    assert result.exit_code == 1
    assert "does not match its latest record" in result.output and "not overwritten" in result.output
    assert pdf.read_bytes() == altered                       # the altered file is kept as found
    with EvidenceStore.open(closed_campaign, read_only=True) as store:
        [audit] = [r.payload for r in store.records(kind="audit_event")
                   if r.payload.get("event") == "view_rebuild_refused"]
        assert not store.records(kind=VIEW_REBUILT_KIND)
    assert audit["reason_code"] == "view_altered"
    [problem] = [p for p in verify_campaign(closed_campaign).problems if p.item == SUMMARY_FILE]
    assert problem.category == "altered"
    pdf.unlink()                                             # moved aside: a missing view may be rebuilt
    assert cli("summary", closed_campaign).exit_code in (0, 1)
    assert pdf.is_file()
