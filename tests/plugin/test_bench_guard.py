"""Running protocols without a bench fails loudly instead of skipping (labgrid's plugin would skip them)."""

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
         f"--campaign-dir={tmp_path}", "--no-views", "-q"],  # the record and measurements.jsonl are read
        cwd=project_root, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    measurements = (tmp_path / "measurements.jsonl").read_text()
    assert measurements.count('"verdict": "pass"') >= 3
    assert '"verdict": "fail"' not in measurements
    assert (tmp_path / "evidence.sqlite").is_file()  # plain pytest runs keep a campaign record too


@pytest.mark.campaign
def test_plain_pytest_campaign_gives_the_same_three_views_as_the_cli(project_root, tmp_path):
    """The campaign service closes a plain-pytest run too: record, report.html and summary.pdf, intact."""
    from mimedi_qual.evidence.verify import verify_campaign

    campaign_dir = tmp_path / "campaign"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "features/pytest.ini", "--rootdir", "features",
         "features/iq/identity_and_calibration.feature", "--bench=profiles/benches/sim.yaml",
         f"--campaign-dir={campaign_dir}", f"--alluredir={tmp_path / 'elsewhere'}", "-q"],
        cwd=project_root, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Report: {campaign_dir / 'report.html'}" in proc.stdout
    assert (campaign_dir / "report.html").is_file() and (campaign_dir / "summary.pdf").is_file()
    # results written elsewhere by --alluredir are kept in the campaign directory, where verify checks them
    assert any((campaign_dir / "allure-results").glob("*-result.json"))
    report = verify_campaign(campaign_dir)
    assert report.ok, report.summary()
    assert report.allure_files_checked > 0
    from mimedi_qual.evidence.store import EvidenceStore

    with EvidenceStore.open(campaign_dir, read_only=True) as store:
        finished = store.records(kind="campaign_finished")
        artifacts = {r.payload.get("file") for r in store.records(kind="artifact")}
    assert finished and finished[-1].payload["verdict"] == "criteria_met"
    assert {"report.html", "summary.pdf"} <= {str(a).split("/")[-1] for a in artifacts}
