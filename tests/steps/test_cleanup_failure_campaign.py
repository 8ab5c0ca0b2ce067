"""A campaign whose scenario cleanup fails is not green: the failure is a deviation in the record, exit 1.

Until cleanup errors were recorded, an undo that failed (faults not cleared,
the door left open) was swallowed and the campaign still said ALL CRITERIA
MET. Here the "clear faults" undo of the clamped-line scenarios fails after
clearing; every judged criterion is met, and the campaign reports the
deviations anyway.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from failing_cleanup_plugin import MESSAGE

from mimedi_qual.evidence.store import EvidenceStore

pytestmark = pytest.mark.campaign

HERE = Path(__file__).resolve().parent


def test_a_failed_undo_is_a_deviation_and_the_campaign_is_not_green(project_root: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "PYTEST_PLUGINS": "failing_cleanup_plugin"}
    proc = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "oq",
                           "--tags", "URS-OQ-ALARM-010", "--out", str(tmp_path), "--no-views"],
                          cwd=project_root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ALL CRITERIA MET" not in proc.stdout
    campaign = next(d for d in tmp_path.iterdir() if d.is_dir())
    with EvidenceStore.open(campaign, read_only=True) as store:
        deviations = [r.payload for r in store.records(kind="deviation")
                      if r.payload["category"] != "prerequisite_not_released"]  # OQ ran without IQ released
        measurements = [r.payload for r in store.records(kind="measurement")]
        scenarios = [r.payload for r in store.records(kind="scenario")]
    assert measurements and all(m["verdict"] == "pass" for m in measurements)
    assert deviations and all(d["category"] == "execution_error" for d in deviations)
    assert all("clear faults" in d["description"] and MESSAGE in d["actual"] for d in deviations)
    assert all(d["scenario"] and d["urs"] == ["URS-OQ-ALARM-010"] for d in deviations)
    # each scenario's last word in the record is not "passed": its cleanup failed after its steps
    last_status = {}
    for scenario in scenarios:
        last_status[scenario["nodeid"]] = scenario["status"]
    assert last_status and all(status == "broken" for status in last_status.values()), scenarios
