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
