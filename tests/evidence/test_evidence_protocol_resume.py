"""Protocol record at run time (approved / changed / unapproved) and resuming an interrupted campaign."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.evidence.deviations import DeviationCategory, deviations
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.protocol import approve_protocol, load_approvals, protocol_hash, record_protocol
from mimedi_qual.evidence.resume import completed_scenarios, resume_campaign
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError
from mimedi_qual.evidence.verify import verify_campaign

PASSWORD = "correct horse battery"


def _protocol_files(root: Path) -> list[Path]:
    (root / "features").mkdir(parents=True)
    (root / "profiles").mkdir()
    (root / "features" / "t.feature").write_text("Feature: T\n")
    (root / "profiles" / "acceptance.yaml").write_text("OQ-TEMP-ACC: {tolerance: 0.5}\n")
    return [root / "features", root / "profiles"]


def test_approved_protocol_is_recorded_without_deviation(tmp_path: Path, signers) -> None:
    paths = _protocol_files(tmp_path / "repo")
    digest = protocol_hash(paths, tmp_path / "repo")
    approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password=PASSWORD,
                     protocol_id="MQ-OQ-001", protocol_version="1.0",
                     protocol_hash_hex=digest).save(tmp_path / "approvals" / "a.json")
    approvals = load_approvals(tmp_path / "approvals", "MQ-OQ-001", "1.0")
    assert len(approvals) == 1 and load_approvals(tmp_path / "approvals", "MQ-OQ-001", "2.0") == []
    with EvidenceStore.create(tmp_path / "c") as store:
        record, deviation = record_protocol(store, protocol_id="MQ-OQ-001", protocol_version="1.0", paths=paths,
                                            root=tmp_path / "repo", approvals=approvals, registry=signers.registry)
    assert deviation is None
    assert record.payload["protocol_hash"] == digest and len(record.payload["approvals"]) == 1
    assert [f["path"] for f in record.payload["files"]] == ["features/t.feature", "profiles/acceptance.yaml"]
    assert verify_campaign(tmp_path / "c", signers.registry).ok


def test_protocol_edited_after_approval_raises_a_deviation(tmp_path: Path, signers) -> None:
    paths = _protocol_files(tmp_path / "repo")
    approval = approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password=PASSWORD,
                                protocol_id="MQ-OQ-001", protocol_version="1.0",
                                protocol_hash_hex=protocol_hash(paths, tmp_path / "repo"))
    (tmp_path / "repo" / "profiles" / "acceptance.yaml").write_text("OQ-TEMP-ACC: {tolerance: 5}\n")
    with EvidenceStore.create(tmp_path / "c") as store:
        record, deviation = record_protocol(store, protocol_id="MQ-OQ-001", protocol_version="1.0", paths=paths,
                                            root=tmp_path / "repo", approvals=[approval])
        assert record.payload["approvals"] == []
        assert deviation is not None and deviation.category is DeviationCategory.PROTOCOL_CHANGED
        assert approval.protocol_hash in deviation.expected and record.payload["protocol_hash"] in deviation.actual


def test_unapproved_protocol_has_no_deviation_but_no_approval(tmp_path: Path) -> None:
    paths = _protocol_files(tmp_path / "repo")
    with EvidenceStore.create(tmp_path / "c") as store:
        record, deviation = record_protocol(store, protocol_id="P", protocol_version="1", paths=paths,
                                            root=tmp_path / "repo")
    assert deviation is None and record.payload["approvals"] == []


def test_resume_records_interruption_deviation_and_keeps_everything(tmp_path: Path) -> None:
    store = write_example_campaign(tmp_path / "c", finish=False)
    before = store.records()
    store.close()
    store, deviation = resume_campaign(tmp_path / "c", resumed_by="exec.ops")
    with store:
        assert store.records()[: len(before)] == before
        assert deviation is not None and deviation.category is DeviationCategory.INTERRUPTION
        assert f"record #{before[-1].seq}" in deviation.description
        kinds = [r.kind for r in store.records()[len(before):]]
        assert kinds == ["interruption", "deviation", "audit_event"]
        assert len(completed_scenarios(store)) == 2
        assert [d.id for d in deviations(store)] == ["DEV-001", "DEV-002"]  # numbering continues
    assert verify_campaign(tmp_path / "c").ok


def test_resume_refuses_a_finished_campaign(campaign_dir: Path) -> None:
    with pytest.raises(EvidenceStoreError, match="already finished"):
        resume_campaign(campaign_dir)


def _kill_mid_scenario(campaign_dir: Path) -> tuple[int, list[int]]:
    """An example campaign 'killed' mid-scenario: a step and a failed measurement, no scenario record.

    Returns the number of measurements of the completed scenarios and the partial run's record numbers.
    """
    store = write_example_campaign(campaign_dir, finish=False, failing=False)
    with store:
        measured = store.records(kind="measurement")
        partial = dict(measured[0].payload, scenario="Cut off by the kill", verdict="fail")
        step = store.append("step", {"feature": partial["feature"], "scenario": partial["scenario"],
                                     "keyword": "When", "text": "the temperature is held", "status": "passed"})
        measurement = store.append("measurement", partial)
    return len(measured), [step.seq, measurement.seq]


def test_resume_supersedes_a_partly_run_scenario_so_no_view_counts_it(tmp_path: Path) -> None:
    from mimedi_qual.cli.run import _recorded_results
    from mimedi_qual.evidence import status
    from mimedi_qual.report.qa_review import qa_review
    from mimedi_qual.report.summary_model import summarise

    counted, partial = _kill_mid_scenario(tmp_path / "c")
    store, deviation = resume_campaign(tmp_path / "c", resumed_by="exec.ops")
    with store:
        records = store.records()
    superseded = [r for r in records if r.kind == "scenario_superseded"]
    assert len(superseded) == 1 and superseded[0].payload["records"] == partial
    assert superseded[0].payload["scenario"] == "Cut off by the kill" == deviation.scenario
    assert f"#{partial[0]}–#{partial[1]}" in deviation.actual

    assert status.release_decision(records).criteria_total == counted
    assert len(summarise(records).results) == counted
    assert "Cut off by the kill" not in {row.scenario for row in summarise(records).traceability}
    assert "Cut off by the kill" not in {p["scenario"] for _r, p in summarise(records).steps}
    assert qa_review(records).not_met == []  # the partial run's failed measurement is not a result
    assert status.release_blockers(records).failed_criteria == []
    assert len(_recorded_results(tmp_path / "c")[0]) == counted  # the CLI's counts
    assert verify_campaign(tmp_path / "c").ok  # the partial run stays in the chain


def test_a_second_resume_supersedes_nothing_twice(tmp_path: Path) -> None:
    _kill_mid_scenario(tmp_path / "c")
    resume_campaign(tmp_path / "c")[0].close()
    store, _ = resume_campaign(tmp_path / "c")
    with store:
        assert len(store.records(kind="scenario_superseded")) == 1


def test_a_stop_between_scenarios_supersedes_nothing(tmp_path: Path) -> None:
    write_example_campaign(tmp_path / "c", finish=False).close()
    store, deviation = resume_campaign(tmp_path / "c")
    with store:
        assert store.records(kind="scenario_superseded") == [] and deviation.scenario == ""
