"""Running protocols without a bench fails loudly instead of skipping (TRAPS 6)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_features_without_bench_is_a_usage_error(project_root):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "features/pytest.ini", "--rootdir", "features", "features/iq"],
        cwd=project_root, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage-error exit code
    assert "no bench was given" in proc.stderr
    assert "passed" not in proc.stdout and "skipped" not in proc.stdout


@pytest.mark.campaign
def test_a_single_feature_file_runs_directly(project_root, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "features/pytest.ini", "--rootdir", "features",
         "features/iq/identity_and_calibration.feature", "--bench=profiles/benches/sim.yaml",
         f"--campaign-dir={tmp_path}", "-q"],
        cwd=project_root, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    measurements = (tmp_path / "measurements.jsonl").read_text()
    assert measurements.count('"verdict": "pass"') >= 3
    assert '"verdict": "fail"' not in measurements
    assert (tmp_path / "evidence.sqlite").is_file()  # plain pytest runs keep a campaign record too
