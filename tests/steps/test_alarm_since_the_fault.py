"""'since the fault': the audit-trail step looks back to the scenario's first fault, or to a named one.

Before, "the alarm X is in the audit trail" looked back only to the latest
fault, so a scenario that caused two faults could not check the first one's
alarm. A copy of the project gets one scenario with two successive supply
losses; it must pass checking both alarms, and fail when it names a fault
after which the first alarm was not raised.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.protocol

SCENARIO = """Feature: Two successive faults

  @URS-OQ-ALARM-009
  Scenario: Two supplies lost one after the other
    Given the bench is ready
    And the culture has settled for 1 hour
    When the fault GAS_LOSS is injected on CO2
    Then the alarm CO2_SUPPLY_LOW is annunciated within OQ-ALARM-GAS-SUPPLY-DELAY
    When the fault GAS_LOSS is injected on O2
    Then the alarm O2_SUPPLY_LOW is annunciated within OQ-ALARM-GAS-SUPPLY-DELAY
    And the alarm CO2_SUPPLY_LOW is in the audit trail
    And the alarm O2_SUPPLY_LOW is in the audit trail since the fault GAS_LOSS
{extra}    When the faults are cleared
    And 1 hour passes
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
"""


def run_scenario(tmp_path: Path, extra: str = "") -> subprocess.CompletedProcess:
    root = tmp_path / "protocols"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("keys"))
    feature = root / "features" / "oq" / "zz_two_faults.feature"
    feature.write_text(SCENARIO.format(extra=extra), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MIMEDI_QUAL_HOME"}
    return subprocess.run([sys.executable, "-m", "pytest", "-c", "features/pytest.ini", str(feature),
                           "--bench=profiles/benches/sim.yaml", f"--campaign-dir={tmp_path / 'campaign'}",
                           "--no-views", "-q"], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_first_of_two_faults_is_found_in_the_audit_trail(tmp_path):
    proc = run_scenario(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_alarm_not_raised_since_the_named_fault_fails(tmp_path):
    """The latest GAS_LOSS is the O2 one: the CO2 alarm was raised before it."""
    proc = run_scenario(tmp_path, "    And the alarm CO2_SUPPLY_LOW is in the audit trail since the fault GAS_LOSS\n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no ALARM_RAISED entry for CO2_SUPPLY_LOW" in proc.stdout
