"""The protocol's judging inputs, its manifest and the approval that lists it (evidence/protocol.py)."""

from __future__ import annotations

from pathlib import Path

from mimedi_qual.evidence.protocol import (
    ProtocolApproval, approve_protocol, check_protocol_approval, judging_files, manifest_differences,
    protocol_hash_from_manifest, protocol_manifest,
)
from mimedi_qual.paths import ProjectPaths

PASSWORD = "correct horse battery"  # the signers fixture's (tests/evidence/conftest.py)


def make_project(root: Path) -> ProjectPaths:
    for relative, text in {"features/oq/t.feature": "Feature: T\n", "profiles/urs/u.yaml": "u: 1\n",
                           "profiles/process/r.yaml": "r: 1\n", "profiles/acceptance/criteria.yaml": "c: 1\n",
                           "profiles/acceptance/equipment-register.yaml": "e: 1\n",
                           "profiles/benches/sim.yaml": "b: 1\n"}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return ProjectPaths.at(root)


def names(files: list[Path], root: Path) -> list[str]:
    return [p for p, _sha in protocol_manifest(files, root)]


def test_judging_files_are_features_urs_recipes_acceptance_and_register(tmp_path: Path) -> None:
    paths = make_project(tmp_path / "p")
    assert names(judging_files(paths), paths.root) == [
        "features/oq/t.feature", "profiles/acceptance/criteria.yaml", "profiles/acceptance/equipment-register.yaml",
        "profiles/process/r.yaml", "profiles/urs/u.yaml"]  # the bench profile does not judge


def test_an_acceptance_profile_elsewhere_replaces_the_default_and_keeps_the_projects_register(tmp_path: Path) -> None:
    paths = make_project(tmp_path / "p")
    other = tmp_path / "other" / "loose.yaml"
    other.parent.mkdir()
    other.write_text("c: 2\n")
    listed = names(judging_files(paths, ["profiles/acceptance"], other), paths.root)
    assert other.resolve().as_posix() in listed               # absolute: outside the project
    assert "profiles/acceptance/criteria.yaml" not in listed  # did not judge, even though declared
    assert "profiles/acceptance/equipment-register.yaml" in listed
    (other.parent / "equipment-register.yaml").write_text("e: 2\n")  # a register beside it is the one used
    listed = names(judging_files(paths, ["profiles/acceptance"], other), paths.root)
    assert (other.parent / "equipment-register.yaml").resolve().as_posix() in listed
    assert "profiles/acceptance/equipment-register.yaml" not in listed


def test_manifest_differences_name_added_removed_and_changed_files() -> None:
    found = manifest_differences([("a", "1"), ("b", "2"), ("c", "3")], [("a", "1"), ("b", "9"), ("d", "4")])
    assert (found.added, found.removed, found.changed) == (("d",), ("c",), ("b",))
    assert found.describe() == "changed b; added d; removed c"
    assert not manifest_differences([("a", "1")], [("a", "1")])


def test_an_approval_lists_its_files_and_a_doctored_list_is_caught(tmp_path: Path, signers) -> None:
    manifest = [("features/t.feature", "a" * 64), ("profiles/acceptance/criteria.yaml", "b" * 64)]
    approval = approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password=PASSWORD,
                                protocol_id="MQ", protocol_version="1", manifest=manifest)
    digest = protocol_hash_from_manifest(manifest)
    assert approval.protocol_hash == digest and approval.file_manifest() == manifest
    loaded = ProtocolApproval.load(approval.save(tmp_path / "a.json"))
    assert loaded == approval and check_protocol_approval(loaded, digest, signers.registry) == []
    doctored = ProtocolApproval.from_payload({**loaded.to_payload(),
                                              "files": [{"path": "features/t.feature", "sha256": "c" * 64}]})
    assert any("list of files" in p for p in check_protocol_approval(doctored, digest, signers.registry))
    # an approval written before approvals listed their files still loads and verifies
    bare = {k: v for k, v in loaded.to_payload().items() if k != "files"}
    assert check_protocol_approval(ProtocolApproval.from_payload(bare), digest, signers.registry) == []
