"""Closing a campaign: only a campaign in which every selected scenario ran is finished.

Unit tier: a :class:`Campaign` over the example record (no bench, no pytest run). Each way a campaign
can stop before its end — scenarios not run, Ctrl-C/SIGTERM in a view, a view that fails, a kill
during the PDF, the disk filling up — leaves a ``campaign_interrupted`` state (or a finish that
:func:`~mimedi_qual.evidence.status.completion` sees was cut off), refuses review and release
signatures, and stays resumable.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from mimedi_qual.campaign import service
from mimedi_qual.campaign.resume import ResumeError, resume_plan
from mimedi_qual.campaign.service import Campaign
from mimedi_qual.campaign.views import Views
from mimedi_qual.evidence import status
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.signatures import SignatureRefused, sign_campaign
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.evidence.verify import verify_campaign
from mimedi_qual.paths import ProjectPaths

PASSWORD = "correct horse battery"
INTERRUPTED_KIND = "campaign_interrupted"


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> tuple[UserRegistry, Path]:
    root = tmp_path_factory.mktemp("users")
    create_user(root / "users.yaml", root / "keys", user_id="adm.one", printed_name="Ada Admin",
                roles=[Role.ADMIN], password=PASSWORD)
    create_user(root / "users.yaml", root / "keys", user_id="rev.one", printed_name="Robin Reviewer",
                roles=[Role.REVIEWER], password=PASSWORD, by="adm.one", by_password=PASSWORD)
    return UserRegistry.load(root / "users.yaml"), root / "keys"


def _campaign(tmp_path: Path, project_root: Path, *, views: bool) -> Campaign:
    """The example campaign's record, open and unfinished, as the service holds it while pytest runs."""
    directory = tmp_path / "C-EXAMPLE-0001"
    store = write_example_campaign(directory, failing=False, finish=False)
    return Campaign(ProjectPaths.at(project_root), directory, store, project_root / "profiles/benches/sim.yaml",
                    project_root / "profiles/acceptance/oq.yaml", views=views)


def _records(directory: Path):
    with EvidenceStore.open(directory, read_only=True) as store:
        return store.records()


def _review_refusal(directory: Path, signers) -> str:
    registry, keys = signers
    with EvidenceStore.open(directory) as store, pytest.raises(SignatureRefused) as refused:
        sign_campaign(store, registry, keys, user_id="rev.one", password=PASSWORD, role=Role.REVIEWER,
                      meaning="reviewed")
    return refused.value.reason_code


def _assert_interrupted_and_resumable(directory: Path, signers) -> None:
    done = status.completion(_records(directory))
    assert not done.complete and done.interrupted, done
    assert ("interrupted", done.reason) in status.release_blockers(_records(directory)).absolute
    assert _review_refusal(directory, signers) == "interrupted"
    assert resume_plan(directory).campaign_dir == directory.resolve()   # no ResumeError: it can be finished


def test_a_campaign_whose_selected_scenarios_did_not_all_run_is_interrupted_not_finished(
        tmp_path, project_root, signers):
    """The observation: a campaign stopped with 51 of 73 scenarios run was `campaign_finished`, criteria_met."""
    campaign = _campaign(tmp_path, project_root, views=False)
    campaign.selected_nodeids = ["a.feature::one", "a.feature::two", "a.feature::three"]
    campaign.ended_nodeids = {"a.feature::one"}
    assert campaign.close() is None
    records = _records(campaign.campaign_dir)
    assert not [r for r in records if r.kind == "campaign_finished"]
    (stop,) = [r.payload for r in records if r.kind == INTERRUPTED_KIND]
    assert stop["phase"] == "scenarios" and stop["scenarios_selected"] == 3 and stop["scenarios_run"] == 1
    assert stop["not_run"] == ["a.feature::two", "a.feature::three"]
    assert "1 of 3 selected scenarios ran" in status.completion(records).reason
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)
    assert not verify_campaign(campaign.campaign_dir).problems


def test_ctrl_c_records_what_ran_and_what_did_not(tmp_path, project_root, signers):
    campaign = _campaign(tmp_path, project_root, views=False)
    campaign.selected_nodeids = ["a.feature::one", "a.feature::two"]
    campaign.ended_nodeids = {"a.feature::one", "a.feature::two"}
    campaign.close(interrupted=True, reason="interrupted (Ctrl-C or SIGTERM)")
    (stop,) = [r.payload for r in _records(campaign.campaign_dir) if r.kind == INTERRUPTED_KIND]
    assert stop["reason"] == "interrupted (Ctrl-C or SIGTERM)" and stop["scenarios_run"] == 2
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)


def test_every_selected_scenario_run_finishes_with_the_counts(tmp_path, project_root):
    campaign = _campaign(tmp_path, project_root, views=False)
    campaign.selected_nodeids = ["a.feature::one"]
    campaign.ended_nodeids = {"a.feature::one"}
    finished = campaign.close()
    assert finished["verdict"] == status.CRITERIA_MET
    assert (finished["scenarios_selected"], finished["scenarios_run"], finished["views"]) == (1, 1, False)
    assert status.completion(_records(campaign.campaign_dir)).complete
    with pytest.raises(ResumeError, match="already finished"):
        resume_plan(campaign.campaign_dir)


def _all_ran(campaign: Campaign) -> Campaign:
    campaign.selected_nodeids = ["a.feature::one"]
    campaign.ended_nodeids = {"a.feature::one"}
    return campaign


def test_ctrl_c_while_the_report_is_generated_is_an_interruption_in_phase_report(
        tmp_path, project_root, signers, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(service, "write_report", interrupted)
    campaign = _all_ran(_campaign(tmp_path, project_root, views=True))
    with pytest.raises(KeyboardInterrupt):
        campaign.close()
    records = _records(campaign.campaign_dir)
    assert [r.payload["phase"] for r in records if r.kind == INTERRUPTED_KIND] == ["report"]
    assert not [r for r in records if r.kind == "campaign_finished"]
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)


def test_a_summary_pdf_that_fails_leaves_the_campaign_interrupted_in_phase_summary(
        tmp_path, project_root, signers, monkeypatch):
    """Before: the PDF failed, a warning was printed, and the campaign was complete and signable."""
    import mimedi_qual.report.summary_pdf as summary_pdf

    def broken(*_args, **_kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(service, "write_report", lambda *a, **k: Views())
    monkeypatch.setattr(summary_pdf, "build_summary_pdf", broken)
    campaign = _all_ran(_campaign(tmp_path, project_root, views=True))
    assert campaign.close() is not None            # the run itself is concluded …
    assert campaign.view_files.failed == ["summary"]
    stops = [r.payload for r in _records(campaign.campaign_dir) if r.kind == INTERRUPTED_KIND]
    assert [s["phase"] for s in stops] == ["summary"] and "font missing" in stops[0]["reason"]
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)   # … but not complete until resumed


def test_a_kill_during_the_pdf_leaves_a_finish_that_is_not_complete_and_is_resumable(tmp_path, project_root, signers):
    """kill -9 after campaign_finished, before summary.pdf was recorded: nothing more could be written."""
    campaign = _all_ran(_campaign(tmp_path, project_root, views=False))
    from mimedi_qual.campaign.record import record_campaign_finish

    record_campaign_finish(campaign.store, extra={"scenarios_selected": 1, "scenarios_run": 1, "views": True})
    campaign.store.close()
    assert "before summary.pdf was recorded" in status.completion(_records(campaign.campaign_dir)).reason
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)


def test_disk_full_while_finishing_is_recorded_if_possible_and_the_record_verifies(
        tmp_path, project_root, signers, monkeypatch):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(service, "write_report", lambda *a, **k: Views())
    monkeypatch.setattr(service, "finish_views", full)
    campaign = _all_ran(_campaign(tmp_path, project_root, views=True))
    with pytest.raises(OSError) as raised:
        campaign.close()
    assert service._is_disk_full(raised.value)
    stops = [r.payload for r in _records(campaign.campaign_dir) if r.kind == INTERRUPTED_KIND]
    assert [s["phase"] for s in stops] == ["summary"] and "No space left" in stops[0]["reason"]
    assert not verify_campaign(campaign.campaign_dir).problems
    _assert_interrupted_and_resumable(campaign.campaign_dir, signers)


def test_sqlite_disk_full_is_disk_full():
    import sqlite3

    assert service._is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert not service._is_disk_full(OSError(errno.EACCES, "denied"))
