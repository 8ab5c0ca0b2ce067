"""The traceability gate: URS ↔ scenarios, checked before anything runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mimedi_qual.profiles import load_acceptance
from mimedi_qual.profiles.urs import Requirement
from mimedi_qual.qualification.protocol import load_protocol
from mimedi_qual.qualification.traceability import check_traceability, load_requirements


def requirement(stage="OQ", module="expansion", risk="high", criteria=("OQ-TEMP-ACC",)) -> Requirement:
    return Requirement(text="t", risk=risk, stage=stage, module=module, criteria=list(criteria))


def write_feature(path: Path, tag: str, name: str = "a scenario") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Feature: f\n\n  @{tag}\n  Scenario: {name}\n    Given the bench is ready\n")
    return path


def test_the_project_protocol_traces_its_urs(project_root):
    requirements = load_requirements(project_root / "profiles" / "urs")
    acceptance = load_acceptance(project_root / "profiles" / "acceptance" / "criteria.yaml")
    gaps = check_traceability(requirements, load_protocol([project_root / "features"]), acceptance)
    assert gaps.ok, gaps.message()


def test_uncovered_requirement_and_unknown_tag_are_named(tmp_path):
    feature = write_feature(tmp_path / "oq" / "x.feature", "URS-OQ-TYPO-001", "typo")
    gaps = check_traceability({"URS-OQ-PH-001": requirement()}, load_protocol([tmp_path]))
    assert not gaps.ok
    text = gaps.message()
    assert "URS-OQ-PH-001 (OQ, expansion)" in text
    assert f"{feature}:4" in text and "@URS-OQ-TYPO-001" in text and "'typo'" in text


def test_unknown_criterion_and_untagged_scenario_are_named(tmp_path, project_root):
    (tmp_path / "iq").mkdir()
    (tmp_path / "iq" / "u.feature").write_text("Feature: f\n  Scenario: untraced\n    Given the bench is ready\n")
    write_feature(tmp_path / "iq" / "t.feature", "URS-X-1")
    acceptance = load_acceptance(project_root / "profiles" / "acceptance" / "criteria.yaml")
    gaps = check_traceability({"URS-X-1": requirement(criteria=["NO-SUCH-CRIT"])},
                              load_protocol([tmp_path]), acceptance)
    assert "NO-SUCH-CRIT" in gaps.message()
    assert "'untraced' traces to no URS requirement" in gaps.message()


def copy_project(project_root: Path, dest: Path) -> Path:
    """A scratch project: real profiles and features, copied so they can be broken."""
    shutil.copytree(project_root / "profiles", dest / "profiles", ignore=shutil.ignore_patterns("keys"))
    shutil.copytree(project_root / "features", dest / "features")
    return dest


def run_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--out", str(project / "out"), *args],
                          cwd=project, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("breakage", ["uncovered", "unknown-tag"])
def test_cli_stops_before_anything_runs(project_root, tmp_path, breakage):
    project = copy_project(project_root, tmp_path)
    if breakage == "uncovered":
        urs = project / "profiles" / "urs" / "mimedi-urs.yaml"
        urs.write_text(urs.read_text() + (
            "  URS-OQ-NEW-999:\n    text: \"not yet verified\"\n    risk: low\n    stage: OQ\n"
            "    module: expansion\n    criteria: [OQ-TEMP-ACC]\n"))
        expected = "URS-OQ-NEW-999"
    else:
        write_feature(project / "features" / "oq" / "typo.feature", "URS-OQ-TYPO-001")
        expected = "@URS-OQ-TYPO-001"
    proc = run_in(project, "--stage", "iq")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout.replace("\n", "")
    assert "traceability gate" in out and expected in out
    assert not (project / "out").exists()  # nothing ran, no campaign directory


def test_plain_pytest_run_gets_the_gate_too(project_root, tmp_path):
    project = copy_project(project_root, tmp_path)
    write_feature(project / "features" / "oq" / "typo.feature", "URS-OQ-TYPO-001")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", str(project / "features" / "pytest.ini"),
                           str(project / "features" / "iq"), f"--bench={project_root / 'profiles/benches/sim.yaml'}",
                           "-p", "no:allure_pytest_bdd"],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest usage error
    assert "URS-OQ-TYPO-001" in proc.stdout + proc.stderr
