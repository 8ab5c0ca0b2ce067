"""The protocol a campaign records at start: every judging input, and whether it is the approved set.

No bench starts: ``record_campaign_start`` writes ``campaign_started`` and
``protocol`` from the profiles alone, on a copy of the project's features and
profiles so a test may edit a recipe or hand in another acceptance profile.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mimedi_qual.campaign.record import record_campaign_start
from mimedi_qual.evidence import status
from mimedi_qual.evidence.deviations import DeviationCategory, deviations
from mimedi_qual.evidence.protocol import approve_protocol, judging_files, protocol_manifest
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_bench
from mimedi_qual.profiles.loader import load_protocol_document

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectPaths:
    """A copy of the project, its protocol approved (the default judging inputs) by a registered approver."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("users", "approvals"))
    registry, keys = tmp_path / "users" / "users.yaml", tmp_path / "users" / "keys"
    create_user(registry, keys, user_id="adm.one", printed_name="Ada Admin", roles=[Role.ADMIN], password=PASSWORD)
    create_user(registry, keys, user_id="appr.one", printed_name="Alex Approver", roles=[Role.APPROVER],
                password=PASSWORD, by="adm.one", by_password=PASSWORD)
    monkeypatch.setenv("MIMEDI_QUAL_USERS", str(registry))
    paths = ProjectPaths.at(root)
    document = load_protocol_document(paths.protocol_document)
    manifest = protocol_manifest(judging_files(paths, document.files), paths.root)
    approve_protocol(UserRegistry.load(registry), keys, user_id="appr.one", password=PASSWORD,
                     protocol_id=document.id, protocol_version=document.version, manifest=manifest,
                     ).save(paths.approvals / f"{document.id}-{document.version}-appr.one.json")
    return paths


def start(paths: ProjectPaths, campaign_dir: Path, acceptance: Path | None = None) -> list:
    """Open a campaign record as the campaign service does (no bench) and return its records."""
    bench_path = paths.default_bench
    with EvidenceStore.create(campaign_dir) as store:
        record_campaign_start(store, root=paths.root, campaign_id=campaign_dir.name, stages=["iq"],
                              bench=load_bench(bench_path), bench_path=bench_path,
                              acceptance_path=acceptance or paths.default_acceptance)
        return store.records()


def protocol_deviations(records: list) -> list:
    from mimedi_qual.evidence.deviations import deviations_from_records

    return [d for d in deviations_from_records(records) if d.category == DeviationCategory.PROTOCOL_CHANGED]


def test_the_approved_judging_inputs_run_approved_without_deviation(project: ProjectPaths, tmp_path: Path) -> None:
    records = start(project, tmp_path / "C-1")
    protocol = next(r.payload for r in records if r.kind == "protocol")
    recorded = {f["path"] for f in protocol["files"]}
    assert {"profiles/acceptance/criteria.yaml", "profiles/acceptance/equipment-register.yaml",
            "profiles/process/car-t-14d.yaml", "profiles/urs/mimedi-urs.yaml"} <= recorded
    assert any(p.startswith("features/oq/") and p.endswith(".feature") for p in recorded)
    assert status.protocol_status(records).approved
    assert status.UNAPPROVED_NOTICE not in status.notices(records)
    assert protocol_deviations(records) == [] and protocol.get("differs_from_approved") is None


def test_acceptance_profile_outside_the_approved_set_is_not_approved_and_named(project: ProjectPaths,
                                                                                tmp_path: Path) -> None:
    loose = tmp_path / "elsewhere" / "criteria.yaml"
    loose.parent.mkdir()
    text = project.default_acceptance.read_text(encoding="utf-8")
    loose.write_text(text.replace("tolerance: 0.5", "tolerance: 5.0"), encoding="utf-8")
    records = start(project, tmp_path / "C-2", acceptance=loose)
    protocol = next(r.payload for r in records if r.kind == "protocol")
    recorded = {f["path"] for f in protocol["files"]}
    # the executed manifest lists the file actually used, by its path, not the default name
    assert loose.resolve().as_posix() in recorded and "profiles/acceptance/criteria.yaml" not in recorded
    found = status.protocol_status(records)
    assert not found.approved and found.changed
    assert status.UNAPPROVED_NOTICE in status.notices(records)
    assert status.PROTOCOL_CHANGED_NOTICE in status.notices(records)
    (deviation,) = protocol_deviations(records)
    assert loose.resolve().as_posix() in deviation.description
    assert "removed profiles/acceptance/criteria.yaml" in deviation.description
    assert protocol["differs_from_approved"]["added"] == [loose.resolve().as_posix()]
    assert protocol["differs_from_approved"]["changed"] == []
    assert loose.resolve().as_posix() in found.describe()


def test_a_recipe_edited_after_approval_is_a_protocol_change_naming_it(project: ProjectPaths,
                                                                        tmp_path: Path) -> None:
    recipe = project.process_recipes / "car-t-14d.yaml"
    recipe.write_text(recipe.read_text(encoding="utf-8") + "# edited after approval\n", encoding="utf-8")
    records = start(project, tmp_path / "C-3")
    assert not status.protocol_status(records).approved
    (deviation,) = protocol_deviations(records)
    assert deviation.description.endswith("changed profiles/process/car-t-14d.yaml")
    protocol = next(r.payload for r in records if r.kind == "protocol")
    assert protocol["differs_from_approved"] == {
        "approved_hash": protocol["differs_from_approved"]["approved_hash"], "approved_by": "appr.one",
        "approved_utc": protocol["differs_from_approved"]["approved_utc"], "approval_valid": True,
        "added": [], "removed": [], "changed": ["profiles/process/car-t-14d.yaml"]}


def test_an_edited_equipment_register_beside_the_acceptance_profile_is_named(project: ProjectPaths,
                                                                             tmp_path: Path) -> None:
    register = project.default_equipment_register
    register.write_text(register.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    (deviation,) = protocol_deviations(start(project, tmp_path / "C-4"))
    assert "changed profiles/acceptance/equipment-register.yaml" in deviation.description


def test_without_any_approval_the_protocol_is_unapproved_without_deviation(project: ProjectPaths,
                                                                           tmp_path: Path) -> None:
    shutil.rmtree(project.approvals)
    records = start(project, tmp_path / "C-5")
    assert not status.protocol_status(records).approved
    assert status.UNAPPROVED_NOTICE in status.notices(records)
    assert protocol_deviations(records) == []
    with EvidenceStore.open(tmp_path / "C-5") as store:
        assert deviations(store) == []
