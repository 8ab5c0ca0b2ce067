"""The summary of a real OQ campaign, read the way an inspector reads it: one requirement, one page, PDF/A."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.report.pdfa import pdfa_problems

ADMIN, ADMIN_PASSWORD = "ada.admin", "admin-pw-0"
USERS = {"erin.exec": ("executor", "exec-pw-1"), "rita.review": ("reviewer", "review-pw-2")}


def cli(project_root: Path, env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", *args], cwd=project_root, env=env,
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.mark.campaign
def test_oq_temperature_trail_is_on_one_page_and_the_signed_pdf_verifies(project_root: Path, tmp_path: Path):
    env = dict(os.environ, MIMEDI_QUAL_USERS=str(tmp_path / "users" / "users.yaml"),
               MIMEDI_QUAL_KEYS=str(tmp_path / "users" / "keys"))
    assert cli(project_root, env, "user", "add", ADMIN, "--name", "Ada Admin", "--role", "admin",
               "--password-stdin", stdin=ADMIN_PASSWORD + "\n").returncode == 0
    for user, (role, password) in USERS.items():
        added = cli(project_root, env, "user", "add", user, "--name", user.replace(".", " ").title(), "--role", role,
                    "--by", ADMIN, "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n{password}\n")
        assert added.returncode == 0, added.stdout + added.stderr

    out = tmp_path / "out"
    run = cli(project_root, env, "run", "--stage", "oq", "--tags", "URS-OQ-TEMP-001", "--out", str(out),
              "--user", "erin.exec", "--password-stdin", stdin=USERS["erin.exec"][1] + "\n")
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 1: a recorded deviation (e.g. no IQ release)
    (campaign,) = [d for d in out.iterdir() if d.is_dir()]

    # The README's workflow: sign as reviewer, rebuild the summary, verify — INTACT, and the PDF's record named.
    signed = cli(project_root, env, "sign", str(campaign), "--user", "rita.review", "--role", "reviewer",
                 "--meaning", "reviewed", "--password-stdin", stdin=USERS["rita.review"][1] + "\n")
    assert signed.returncode == 0, signed.stdout + signed.stderr
    rebuilt = cli(project_root, env, "summary", str(campaign))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    verified = cli(project_root, env, "verify", str(campaign), "--pdf", str(campaign / "summary.pdf"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "summary.pdf: matches record #" in verified.stdout and "the current summary view" in verified.stdout

    pdf = campaign / "summary.pdf"
    assert pdfa_problems(pdf) == []
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages]
    [page] = [p for p in pages if "URS-OQ-TEMP-001 — risk high" in p]
    with EvidenceStore.open(campaign, read_only=True) as store:
        acc = next(r for r in store.records(kind="measurement") if r.payload["criterion_id"] == "OQ-TEMP-ACC")
        thermometer = next(r.payload for r in store.records(kind="instrument_identity")
                           if r.payload["name"] == acc.payload["instrument"])
    for expected in ("OQ-TEMP-ACC", "OQ-TEMP-ACC-LOW", "OQ-TEMP-ACC-HIGH",          # criteria
                     "Then every reading meets OQ-TEMP-ACC",                          # method
                     "36.5 … 37.5 °C",                                                 # expected
                     f"cert. {thermometer['calibration_certificate']} due {thermometer['calibration_due_date']}",
                     "PASS",                                                          # verdict
                     f"record #{acc.seq}",
                     *(f"{f['role']} {f['sha256'][:12]}" for f in acc.payload["raw_files"]),   # raw hashes
                     "Executed by Erin Exec (erin.exec)", "start signed by the executor",
                     "Reviewed by Rita Review (rita.review)", "Approved by", "Stage release"):
        assert expected in page, expected
    assert re.search(r"min (of 1,?440 readings|[0-9.]+ °C of 1440 readings)", page)   # the statistic named
