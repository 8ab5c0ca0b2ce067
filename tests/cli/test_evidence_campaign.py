"""The campaign record as a new user meets it: run, sign, verify, tamper, kill, resume."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PASSWORDS = {"erin.exec": "exec-pw-1", "rita.review": "review-pw-2", "adam.approve": "approve-pw-3"}
ADMIN, ADMIN_PASSWORD = "ada.admin", "admin-pw-0"
ROLES = {"erin.exec": "executor", "rita.review": "reviewer", "adam.approve": "approver"}


def cli(project_root: Path, env: dict, *args: str, stdin: str | None = None, timeout: int = 300):
    return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", *args], cwd=project_root, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def users_env(tmp_path, project_root):
    env = dict(os.environ, MIMEDI_QUAL_USERS=str(tmp_path / "users" / "users.yaml"),
               MIMEDI_QUAL_KEYS=str(tmp_path / "users" / "keys"))
    proc = cli(project_root, env, "user", "add", ADMIN, "--name", "Ada Admin", "--role", "admin",
               "--password-stdin", stdin=ADMIN_PASSWORD + "\n")            # the first user bootstraps the registry
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for user, role in ROLES.items():
        proc = cli(project_root, env, "user", "add", user, "--name", user.replace(".", " ").title(),
                   "--role", role, "--by", ADMIN, "--password-stdin",
                   stdin=f"{ADMIN_PASSWORD}\n{PASSWORDS[user]}\n")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return env


def campaign_dir_in(out: Path) -> Path:
    (directory,) = [d for d in out.iterdir() if d.is_dir()]
    return directory


@pytest.mark.campaign
def test_run_review_approve_verify_then_tamper(project_root, tmp_path, users_env):
    out = tmp_path / "out"
    # The executor signs the start with their password (a wrong one: refused, exit 5, nothing created).
    refused = cli(project_root, users_env, "run", "--stage", "iq", "--out", str(out), "--user", "erin.exec",
                  "--password-stdin", stdin="not-her-password\n")
    assert refused.returncode == 5, refused.stdout + refused.stderr
    assert "wrong_password" in refused.stdout and not out.exists()
    proc = cli(project_root, users_env, "run", "--stage", "iq", "--out", str(out), "--user", "erin.exec",
               "--password-stdin", stdin=PASSWORDS["erin.exec"] + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "start signed" in proc.stdout
    campaign = campaign_dir_in(out)
    assert (campaign / "summary.pdf").is_file()

    def sign(user: str, role: str, meaning: str):
        return cli(project_root, users_env, "sign", str(campaign), "--user", user, "--role", role,
                   "--meaning", meaning, "--password-stdin", stdin=PASSWORDS[user] + "\n")

    # The executor may not review their own campaign; a wrong password is refused.
    assert sign("erin.exec", "reviewer", "reviewed").returncode != 0
    wrong = cli(project_root, users_env, "sign", str(campaign), "--user", "rita.review", "--role", "reviewer",
                "--meaning", "reviewed", "--password-stdin", stdin="not-her-password\n")
    assert wrong.returncode != 0
    assert sign("rita.review", "reviewer", "reviewed").returncode == 0
    # The project's protocol carries no approval here: a release is refused (audited), a rejection is not.
    release = sign("adam.approve", "approver", "approved-oq")
    assert release.returncode == 1, release.stdout + release.stderr
    assert "signature refused (protocol_not_approved)" in release.stderr
    free_text = sign("adam.approve", "approver", "approved: release to OQ")
    assert free_text.returncode == 1 and "(meaning_not_allowed)" in free_text.stderr
    rejected = sign("adam.approve", "approver", "rejected")
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    assert "release: Not released: rejected by Adam Approve" in rejected.stdout

    verified = cli(project_root, users_env, "verify", str(campaign))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "INTACT" in verified.stdout

    # The rejected IQ campaign named as prerequisite releases nothing: OQ runs with a recorded deviation.
    oq_out = tmp_path / "oq"
    oq = cli(project_root, users_env, "run", "--stage", "oq", "--tags", "URS-OQ-TEMP-002", "--out", str(oq_out),
             "--prerequisite", str(campaign), "--no-views")  # only its record is read
    assert oq.returncode == 1, oq.stdout + oq.stderr
    assert "EXECUTOR NOT A REGISTERED USER — DRY RUN" in oq.stdout    # no --user: a labelled dry run
    with sqlite3.connect(f"file:{campaign_dir_in(oq_out) / 'evidence.sqlite'}?mode=ro", uri=True) as con:
        (prerequisites,) = con.execute("select json_extract(payload, '$.prerequisites') from records "
                                       "where kind='campaign_started'").fetchone()
    assert "OQ requires IQ released: NOT RELEASED" in prerequisites

    # One byte of one raw file changed: verify names that file.
    raw = sorted((campaign / "raw").iterdir())[0]
    data = bytearray(raw.read_bytes())
    data[0] ^= 0x01
    raw.write_bytes(bytes(data))
    tampered = cli(project_root, users_env, "verify", str(campaign))
    assert tampered.returncode == 1
    assert raw.name in tampered.stdout.replace("\n", "")


@pytest.mark.campaign
def test_killed_campaign_keeps_its_records_and_resumes(project_root, tmp_path, users_env):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "iq", "--stage", "oq",
                             "--stage", "pq", "--out", str(out), "--no-views"], cwd=project_root, env=users_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    db = None
    while time.monotonic() < deadline:
        dirs = [d for d in out.iterdir() if d.is_dir()] if out.exists() else []
        if dirs and (dirs[0] / "evidence.sqlite").exists():
            db = dirs[0] / "evidence.sqlite"
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                    if con.execute("select count(*) from records where kind='scenario'").fetchone()[0] >= 1:
                        break
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    else:
        pytest.fail("campaign produced no scenario record in time")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    campaign = db.parent

    # Everything committed before the kill verifies.
    verified = cli(project_root, users_env, "verify", str(campaign))
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Only the record is read: the resumed campaign renders no report either.
    resumed = cli(project_root, users_env, "run", "--resume", str(campaign), "--no-views")
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr  # the interruption is a deviation
    assert "interruption" in resumed.stdout
    with sqlite3.connect(f"file:{campaign / 'evidence.sqlite'}?mode=ro", uri=True) as con:
        kinds = [k for (k,) in con.execute("select kind from records order by seq")]
        scenarios = [s for (s,) in con.execute(
            "select json_extract(payload, '$.scenario') from records where kind='scenario'")]
        # DEV-001/002 are OQ's and PQ's unreleased prerequisites (IQ, OQ, PQ in one campaign); then the kill
        (interrupted,) = con.execute("select json_extract(payload, '$.id') from records where kind='deviation' "
                                     "and json_extract(payload, '$.category') = 'interruption'").fetchone()
    assert kinds.count("interruption") == 1
    def close(deviation: str, password: str = PASSWORDS["rita.review"]):
        return cli(project_root, users_env, "close-deviation", str(campaign), deviation, "--user", "rita.review",
                   "--role", "reviewer", "--root-cause", "test killed the campaign process",
                   "--action", "resumed; no data lost", "--product-impact", "none", "--quality-impact", "none",
                   "--impact-assessment", "engineering dry run, no product; every record before the kill verified",
                   "--capa", "none — a deliberate interruption by the test", "--password-stdin",
                   stdin=password + "\n")

    assert close(interrupted, password="not-her-password").returncode == 1  # e-signed: a wrong password is refused
    closed = close(interrupted)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    assert close(interrupted).returncode == 1  # closed once
    assert close("DEV-999").returncode == 2
    assert kinds[-1] in ("artifact", "campaign_finished")
    assert len(scenarios) == len(set(scenarios)), "a completed scenario was run twice"
    assert len(scenarios) >= 3
    assert cli(project_root, users_env, "verify", str(campaign)).returncode == 0


def test_resume_refuses_a_finished_or_foreign_directory(project_root, tmp_path, users_env):
    proc = cli(project_root, users_env, "run", "--resume", str(tmp_path))
    assert proc.returncode == 2
    assert "not a campaign directory" in proc.stdout


#: rocking speed runs first (its feature file sorts first), then the door recovery — whose measurement is
#: followed by ~150 ms of alarm steps: the window in which the kill lands mid-scenario
RESUME_TAGS = "URS-OQ-ROCK-001 or URS-OQ-TEMP-001 or URS-OQ-TEMP-002"


def _kill_mid_scenario(root: Path, env: dict, out: Path) -> Path:
    """``run --stage oq --tags RESUME_TAGS`` killed (SIGKILL) while a scenario has a measurement but no result."""
    proc = subprocess.Popen([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "oq", "--tags",
                             RESUME_TAGS, "--out", str(out), "--no-views"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            dbs = list(out.glob("*/evidence.sqlite")) if out.exists() else []
            if dbs:
                try:
                    with sqlite3.connect(f"file:{dbs[0]}?mode=ro", uri=True) as con:
                        (last_result,) = con.execute(
                            "select coalesce(max(seq), 0) from records where kind='scenario'").fetchone()
                        (midway,) = con.execute("select count(*) from records where kind='measurement' "
                                                "and seq > ?", (last_result,)).fetchone()
                    if midway:
                        return dbs[0].parent
                except sqlite3.Error:
                    pass
            time.sleep(0.005)
        pytest.fail("the campaign was never caught mid-scenario")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.mark.campaign
def test_resume_resumes_the_same_campaign(project_root, tmp_path, users_env):
    """Issue 17 item 3: a resume keeps --tags, refuses criteria edited after the kill, counts nothing twice."""
    import json
    import shutil

    root = tmp_path / "project"  # a copy: the test edits its criteria
    shutil.copytree(project_root / "features", root / "features")
    shutil.copytree(project_root / "profiles", root / "profiles", ignore=shutil.ignore_patterns("users", "approvals"))
    campaign = _kill_mid_scenario(root, users_env, tmp_path / "out")
    with sqlite3.connect(f"file:{campaign / 'evidence.sqlite'}?mode=ro", uri=True) as con:
        (last_result,) = con.execute("select coalesce(max(seq), 0) from records where kind='scenario'").fetchone()
        partial = [s for (s,) in con.execute("select seq from records where kind in ('step', 'measurement') "
                                             "and seq > ? order by seq", (last_result,))]

    criteria = root / "profiles" / "acceptance" / "criteria.yaml"
    original = criteria.read_text(encoding="utf-8")
    criteria.write_text(original + "\n# widened after the kill\n", encoding="utf-8")
    refused = cli(root, users_env, "run", "--resume", str(campaign), "--no-views")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "profiles/acceptance/criteria.yaml" in refused.stdout.replace("\n", "")
    assert "Traceback" not in refused.stdout + refused.stderr
    criteria.write_text(original, encoding="utf-8")

    resumed = cli(root, users_env, "run", "--resume", str(campaign), "--no-views")
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr  # the interruption is a deviation
    with sqlite3.connect(f"file:{campaign / 'evidence.sqlite'}?mode=ro", uri=True) as con:
        scenarios = [s for (s,) in con.execute(
            "select json_extract(payload, '$.nodeid') from records where kind='scenario'")]
        urs = {u for (u,) in con.execute("select distinct j.value from records, json_each(json_extract("
                                         "payload, '$.urs')) j where kind='scenario'")}
        superseded = [json.loads(p) for (p,) in con.execute(
            "select payload from records where kind='scenario_superseded'")]
        measured = [(s, json.loads(p)) for s, p in con.execute(
            "select seq, payload from records where kind='measurement'")]
        kinds = [k for (k,) in con.execute("select kind from records order by seq")]
    assert urs == {"URS-OQ-ROCK-001", "URS-OQ-TEMP-001", "URS-OQ-TEMP-002"}, "resume ran what the selection excluded"
    assert len(scenarios) == len(set(scenarios)), "a completed scenario was run twice"
    assert [s["records"] for s in superseded] == [partial]
    counted = [p for s, p in measured if s not in partial]
    lines = (campaign / "measurements.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(counted) == len(measured) - sum(s in partial for s, _ in measured)
    assert kinds[-1] in ("artifact", "campaign_finished")
    assert cli(root, users_env, "verify", str(campaign)).returncode == 0
