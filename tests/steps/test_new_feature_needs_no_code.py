"""A protocol written only from the step vocabulary runs: no Python, no registration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.campaign

NEW_REQUIREMENT = """  URS-OQ-NEW-001:
    text: "The culture stays at 37 °C for a working day, by the controller's own probe too."
    risk: low
    stage: OQ
    module: expansion
    criteria: [OQ-TEMP-ACC]
"""

NEW_FEATURE = """Feature: A protocol an engineer wrote from `mimedi-qual steps` alone

  @URS-OQ-NEW-001
  Scenario: Eight hours at 37 °C on the reference thermometer
    Given the bench is ready
    And the temperature setpoint is the target of OQ-TEMP-ACC
    And the culture has settled for 2 hours
    When the temperature is read on the thermometer every 5 minutes for 8 hours
    Then every reading meets OQ-TEMP-ACC
"""


def test_a_new_feature_file_runs_with_no_code_change(project_root: Path, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(project_root / "profiles", project / "profiles", ignore=shutil.ignore_patterns("keys"))
    shutil.copytree(project_root / "features", project / "features")
    urs = project / "profiles" / "urs" / "mimedi-urs.yaml"
    urs.write_text(urs.read_text() + NEW_REQUIREMENT)
    (project / "features" / "oq" / "my_new_protocol.feature").write_text(NEW_FEATURE)
    proc = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "oq",
                           "--tags", "URS-OQ-NEW-001", "--out", str(tmp_path / "out")],
                          cwd=project, capture_output=True, text=True, timeout=300)
    # OQ without a released IQ: every criterion met, and the stage-gating deviation (exit 1) and nothing else
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Result: ALL CRITERIA MET, but 1 DEVIATION(S): OQ started without IQ released" in proc.stdout
    campaign = next((tmp_path / "out").iterdir())
    assert '"criterion_id": "OQ-TEMP-ACC"' in (campaign / "measurements.jsonl").read_text()
    names = [json.loads(p.read_text())["name"] for p in (campaign / "allure-results").glob("*-result.json")]
    assert names == ["Eight hours at 37 °C on the reference thermometer"]
