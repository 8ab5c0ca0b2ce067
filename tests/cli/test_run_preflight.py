"""``mimedi-qual run`` and plain pytest refuse an authoring mistake before bench time: exit 2 / usage error,
``file:line``, no campaign directory, nothing started.

Before the protocol preflight each of these ran the bench up to the faulty step
and ended as a deviation (exit 1) — or, for a unit mismatch, passed (exit 0:
"DO 29.13 °C — PASS"); under plain pytest the campaign directory was created
before the traceability gate refused the run. On the preflight's code none of
these starts a bench (unit tier).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = "URS-OQ-TEMP-901"
URS_ENTRY = (f"  {TAG}:\n    text: \"A requirement of this test.\"\n    risk: low\n    stage: OQ\n"
             "    module: expansion\n    criteria: [OQ-TEMP-ACC]\n")
HEAD = f"Feature: A mistake\n\n  @{TAG}\n  Scenario: the mistake\n    Given the bench is ready\n"

MISTAKES = {
    "misspelt step": (HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                             "    Then every reading meet OQ-TEMP-ACC\n", 7, "no step definition matches"),
    "unknown criterion": (HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                                 "    Then every reading meets OQ-TEMP-NOPE\n", 7, "not in the acceptance profile"),
    "number for a criterion": (HEAD + "    When the DO is read on the ph_do_meter every 1 minute for 1 hour\n"
                                      "    Then every reading meets 30 ± 5 % air saturation\n", 7,
                               "numbers live in profiles/acceptance"),
    "unit of another quantity": (HEAD + "    Then the DO on the ph_do_meter meets OQ-TEMP-ACC\n", 6,
                                 "which is not a unit of dissolved oxygen"),
    "step in the description": (f"Feature: A mistake\n  Given the bench is ready\n\n  @{TAG}\n"
                                "  Scenario: the mistake\n    Given the bench is ready\n", 2,
                                "step text in the Feature description"),
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "protocols"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("keys"))
    urs = root / "profiles" / "urs" / "mimedi-urs.yaml"
    urs.write_text(urs.read_text(encoding="utf-8").rstrip("\n") + "\n" + URS_ENTRY, encoding="utf-8")
    return root


def run_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MIMEDI_QUAL_HOME"}
    return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("mistake", sorted(MISTAKES), ids=lambda m: m.replace(" ", "-"))
def test_run_refuses_the_mistake_before_bench_time(project, tmp_path, mistake):
    body, line, problem = MISTAKES[mistake]
    feature = project / "features" / "oq" / "mistake.feature"
    feature.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_in(project, "-m", "mimedi_qual.cli.main", "run", "--stage", "oq", "--tags", TAG, "--out", str(out),
                  "--no-views")
    text = " ".join(proc.stdout.split())
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{feature}:{line}: " in text and problem in text, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not out.exists(), "a campaign directory was created"


@pytest.mark.parametrize("mistake", ["misspelt step", "unit of another quantity"], ids=lambda m: m.replace(" ", "-"))
def test_plain_pytest_refuses_the_mistake_before_creating_the_campaign_directory(project, tmp_path, mistake):
    body, line, problem = MISTAKES[mistake]
    feature = project / "features" / "oq" / "mistake.feature"
    feature.write_text(body, encoding="utf-8")
    campaign_dir = tmp_path / "campaign"
    proc = run_in(project, "-m", "pytest", "-c", "features/pytest.ini", str(feature),
                  "--bench=profiles/benches/sim.yaml", f"--campaign-dir={campaign_dir}", "--no-views")
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert f"{feature.relative_to(project)}:{line}: " in proc.stdout + proc.stderr
    assert problem in " ".join((proc.stdout + proc.stderr).split())
    assert not campaign_dir.exists(), "a campaign directory was created"


def test_plain_pytest_refuses_an_untraced_scenario_before_creating_the_campaign_directory(project, tmp_path):
    """The traceability gate used to run at collection, after the campaign directory had been created."""
    feature = project / "features" / "oq" / "untraced.feature"
    feature.write_text(HEAD.replace(TAG, "URS-OQ-NOT-IN-URS"), encoding="utf-8")
    campaign_dir = tmp_path / "campaign"
    proc = run_in(project, "-m", "pytest", "-c", "features/pytest.ini", str(feature),
                  "--bench=profiles/benches/sim.yaml", f"--campaign-dir={campaign_dir}", "--no-views")
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "URS-OQ-NOT-IN-URS, which is not a URS requirement" in proc.stdout + proc.stderr
    assert not campaign_dir.exists(), "a campaign directory was created"


def test_plain_pytest_names_the_project_in_its_header(tmp_path):
    root = tmp_path / "protocols"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("keys"))
    proc = run_in(root, "-m", "pytest", "-c", "features/pytest.ini", "features/iq", "--collect-only",
                  "--bench=profiles/benches/sim.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"mimedi-qual protocol: project {root} (found by mimedi_project in " in proc.stdout
