"""Ctrl-C leaves the campaign unfinished — never "criteria met" — and ``run --resume`` finishes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from mimedi_qual.evidence.store import EvidenceStore


def test_an_interrupted_campaign_stays_open_and_resumes(project_root, tmp_path):
    run = subprocess.Popen([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "oq", "--no-views",
                            "--out", str(tmp_path)], cwd=project_root, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not any((d / "evidence.sqlite").exists() for d in tmp_path.iterdir()) or not _scenarios(tmp_path):
        assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 130, output
    assert "--resume" in output
    campaign = next(tmp_path.iterdir())
    with EvidenceStore.open(campaign, read_only=True) as store:
        assert not store.records(kind="campaign_finished"), "an interrupted campaign must not be concluded"
    resumed = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--resume", str(campaign),
                              "--no-views"], cwd=project_root, capture_output=True, text=True, timeout=600)
    # the interruption itself is a deviation: resumed, complete, but not "all criteria met"
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    with EvidenceStore.open(campaign, read_only=True) as store:
        assert len(store.records(kind="campaign_finished")) == 1
        assert store.records(kind="interruption")


def _scenarios(out) -> int:
    for d in out.iterdir():
        try:
            with EvidenceStore.open(d, read_only=True) as store:
                return len(store.records(kind="scenario"))
        except Exception:  # noqa: BLE001 — being created
            return 0
    return 0


pytestmark = pytest.mark.campaign


# -- the finish cannot be broken by signals, paths or the disk (issue 17 items 1 and 6) -------------------------
MIMEDI = [sys.executable, "-m", "mimedi_qual.cli.main"]


def _wait_for_scenarios(run: subprocess.Popen, out, at_least: int = 1) -> None:
    deadline = time.monotonic() + 120
    while _scenarios(out) < at_least if out.is_dir() and any(out.iterdir()) else True:
        assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()
        time.sleep(0.1)


def _kinds(campaign) -> list[str]:
    with EvidenceStore.open(campaign, read_only=True) as store:
        return [r.kind for r in store.records()]


def test_sigterm_is_handled_like_ctrl_c_and_relative_out_and_resume_paths_finish(tmp_path):
    """Before: SIGTERM ended the process by the signal (no message, nothing recorded), and a relative --out
    crashed the finish with a traceback (no summary.pdf, report not recorded)."""
    run = subprocess.Popen([*MIMEDI, "run", "--stage", "iq", "--out", "out"], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_for_scenarios(run, tmp_path / "out")
    run.send_signal(signal.SIGTERM)
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 130, output
    assert "Traceback" not in output and "--resume" in output and "INTERRUPTED" in output
    campaign = next((tmp_path / "out").iterdir())
    kinds = _kinds(campaign)
    assert "campaign_interrupted" in kinds and "campaign_finished" not in kinds
    relative = campaign.relative_to(tmp_path)
    resumed = subprocess.run([*MIMEDI, "run", "--resume", str(relative)], cwd=tmp_path, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr   # the interruption is a deviation
    assert "Traceback" not in resumed.stdout + resumed.stderr
    assert (campaign / "summary.pdf").is_file() and (campaign / "report.html").is_file()
    with EvidenceStore.open(campaign, read_only=True) as store:
        files = {r.payload["file"] for r in store.records(kind="artifact")}
    assert {"report.html", "summary.pdf"} <= files
    verified = subprocess.run([*MIMEDI, "verify", str(relative)], cwd=tmp_path, capture_output=True, text=True)
    assert verified.returncode == 0 and "INTACT" in verified.stdout, verified.stdout + verified.stderr


def test_a_kill_while_allure_generates_the_report_resumes(tmp_path):
    """Before: resume of a campaign killed in the report's generation exited 2 "BAD INPUT" (nothing left to run)."""
    marker = tmp_path / "allure-started"
    slow_allure = tmp_path / "allure"
    slow_allure.write_text(f"#!/bin/sh\ntouch {marker}\nsleep 60\n")
    slow_allure.chmod(0o755)
    out = tmp_path / "out"
    run = subprocess.Popen([*MIMEDI, "run", "--stage", "iq", "--out", str(out)], cwd=tmp_path,
                           env={**os.environ, "MIMEDI_ALLURE": str(slow_allure)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()
        time.sleep(0.1)
    run.kill()
    run.communicate(timeout=60)
    campaign = next(out.iterdir())
    assert "campaign_finished" not in _kinds(campaign)
    resumed = subprocess.run([*MIMEDI, "run", "--resume", str(campaign)], cwd=tmp_path, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    kinds = _kinds(campaign)
    assert kinds.count("scenario") == 11, "no scenario is run twice"
    assert "interruption" in kinds and kinds[-1] == "artifact" and (campaign / "summary.pdf").is_file()


SLOW_PDF = """
import os, pathlib, time
import mimedi_qual.report.summary_pdf as summary_pdf
def slow(*args, **kwargs):
    pathlib.Path(os.environ["PDF_STARTED_MARKER"]).touch()
    time.sleep(60)
summary_pdf.build_summary_pdf = slow
from mimedi_qual.cli import main
main()
"""


def test_a_kill_while_the_pdf_is_built_resumes(tmp_path):
    """Before: killed during the PDF build, campaign_finished was written with no PDF, and resume was refused
    ("already finished") — a finished-looking campaign with no summary and no interruption deviation."""
    marker = tmp_path / "pdf-started"
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-c", SLOW_PDF, "run", "--stage", "iq", "--out", str(out)],
                           cwd=tmp_path, env={**os.environ, "PDF_STARTED_MARKER": str(marker)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 180
    while not marker.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()
        time.sleep(0.1)
    run.kill()
    run.communicate(timeout=60)
    campaign = next(out.iterdir())
    assert "campaign_finished" in _kinds(campaign) and not (campaign / "summary.pdf").exists()
    with EvidenceStore.open(campaign, read_only=True) as store:
        from mimedi_qual.evidence.status import completion

        assert not completion(store.records()).complete, "a finish cut off in its views is not complete"
    resumed = subprocess.run([*MIMEDI, "run", "--resume", str(campaign)], cwd=tmp_path, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr   # the interruption deviation
    kinds = _kinds(campaign)
    assert kinds.count("scenario") == 11 and "interruption" in kinds and (campaign / "summary.pdf").is_file()
    with EvidenceStore.open(campaign, read_only=True) as store:
        from mimedi_qual.evidence.status import completion

        assert completion(store.records()).complete
    verified = subprocess.run([*MIMEDI, "verify", str(campaign)], cwd=tmp_path, capture_output=True, text=True)
    assert verified.returncode == 0 and "INTACT" in verified.stdout, verified.stdout + verified.stderr


def test_disk_full_is_a_clear_message_its_own_exit_code_and_the_record_verifies(tmp_path):
    """Before: exit 1 (the code for deviations) and two tracebacks. A real 2 MiB tmpfs (root in the sandbox)."""
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        run = subprocess.run([*MIMEDI, "run", "--stage", "iq", "--out", str(disk)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
        output = run.stdout + run.stderr
        assert run.returncode == 6, output
        assert "disk full:" in output and "Traceback" not in output and "--resume" in output
        campaign = next(disk.iterdir())
        verified = subprocess.run([*MIMEDI, "verify", str(campaign)], cwd=tmp_path, capture_output=True, text=True)
        assert verified.returncode == 0 and "INTACT" in verified.stdout, verified.stdout + verified.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)
