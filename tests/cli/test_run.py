"""``mimedi-qual run`` end to end on the simulated bench, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(project_root: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", *args],
                          cwd=project_root, capture_output=True, text=True, timeout=timeout)


def allure_results(campaign_dir: Path) -> dict[str, list[dict]]:
    """Allure results by epic (stage): IQ, OQ, PQ → every scenario result of that stage."""
    results: dict[str, list[dict]] = {}
    for path in (campaign_dir / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text())
        epic = next(label["value"] for label in data["labels"] if label["name"] == "epic")
        results.setdefault(epic, []).append(data)
    return results


def named(results: list[dict], name: str) -> dict:
    matches = [r for r in results if r["name"] == name]
    assert len(matches) == 1, [r["name"] for r in results]
    return matches[0]


OQ_TEMPERATURE_AT_37 = "Temperature held at the target of OQ-TEMP-ACC for 24 hours"


def only_campaign(out: Path) -> Path:
    dirs = [d for d in out.iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def attachments_of(step: dict, campaign_dir: Path) -> dict[str, str]:
    return {a["name"]: (campaign_dir / "allure-results" / a["source"]).read_text()
            for a in step.get("attachments", []) if not a.get("type", "").startswith("image/")}


@pytest.mark.campaign
def test_full_campaign_passes_with_evidence(project_root, tmp_path):
    proc = run_cli(project_root, "--out", str(tmp_path))
    # IQ, OQ and PQ in one campaign: every criterion met, and OQ and PQ ran without the earlier stage released
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("Result: ALL CRITERIA MET, but 2 DEVIATION(S): OQ started without IQ released, PQ started without "
            "OQ released") in proc.stdout
    campaign_dir = only_campaign(tmp_path)
    assert proc.stdout.rstrip().splitlines()[-1] == f"Report: {campaign_dir / 'report.html'}"

    results = allure_results(campaign_dir)
    assert set(results) == {"IQ", "OQ", "PQ"}
    for epic, result in ((epic, r) for epic, rs in results.items() for r in rs):
        assert result["status"] == "passed", (epic, result["name"])
        labels = {(label["name"], label["value"]) for label in result["labels"]}
        assert ("framework", "pytest-bdd") in labels
        story = [value for name, value in labels if name == "story"]
        assert story and story[0].startswith("URS-")
        assert f"**{story[0]}** (risk " in result["description"]  # the URS text inline, not a link into the tree
        assert all(step["name"].split()[0] in ("Given", "When", "Then", "And") for step in result["steps"])

    oq_steps = {s["name"]: s for s in named(results["OQ"], OQ_TEMPERATURE_AT_37)["steps"]}
    judging = oq_steps["Then every reading meets OQ-TEMP-ACC"]
    verdict = attachments_of(judging, campaign_dir)
    # The judging step carries the raw series it judged: after the '#' lines, a header and one row a minute.
    rows = [line for line in verdict["thermometer readings"].splitlines() if not line.startswith("#")]
    assert len(rows) == 1 + 24 * 60
    measurement = json.loads(verdict["measurement OQ-TEMP-ACC: PASS"])
    assert measurement["low"] == pytest.approx(36.5) and measurement["high"] == pytest.approx(37.5)
    assert 36.5 <= measurement["value"] <= 37.5
    assert measurement["statistics"]["n_samples"] == 1440
    # ... and they are the raw files the measurement record names, byte for byte, with the plot.
    raw = campaign_dir / "raw"
    assert verdict["thermometer readings"] == (raw / f"{measurement['raw_series_sha256']}.csv").read_text()
    plots = [a for a in judging["attachments"] if a["name"] == "OQ-TEMP-ACC plot"]
    assert len(plots) == 1 and ((campaign_dir / "allure-results" / plots[0]["source"]).read_bytes()
                                == (raw / f"{measurement['plot_sha256']}.png").read_bytes())

    html = (campaign_dir / "report.html").read_text()
    assert "googletagmanager" not in html
    assert "<script" in html and 'src="http' not in html  # self-contained: nothing fetched from the network
    environment = (campaign_dir / "allure-results" / "environment.properties").read_text()
    assert "Instrument.thermometer=FLUKE,1529,SIM-T-0001,1.20" in environment

    # Legible results, one text on every view: the Allure verdict line is the record's result_text (and the
    # line of measurements.jsonl), naming the statistic of 1,440 readings, the resolution and the source.
    line = measurement["result_text"]
    assert verdict["OQ-TEMP-ACC verdict"] == line
    assert line.startswith(f"OQ-TEMP-ACC: {measurement['statistic']} of 1,440 readings = ") and \
        measurement["statistic"] in ("min", "max")
    assert "against 37.0 ± 0.5 °C (36.5 … 37.5 °C) → PASS (thermometer, resolution 0.0001 °C; criterion: " \
        "profiles/acceptance/criteria.yaml v" in line
    jsonl = [json.loads(entry) for entry in (campaign_dir / "measurements.jsonl").read_text().splitlines()]
    assert line in [entry["result_text"] for entry in jsonl]
    assert "nan" not in (campaign_dir / "measurements.jsonl").read_text().lower()
    # Every raw row names instrument and serial; the record relates the bench clock to UTC over the series.
    assert all(row.startswith("thermometer,SIM-T-0001,") for row in rows[1:])
    clocks = measurement["series_clocks"]
    assert clocks["bench_clock"] == "virtual" and clocks["bench_end_s"] - clocks["bench_start_s"] == 86400
    assert "Clocks: bench time virtual: " in proc.stdout
    # One end time: the CLI, the Allure environment and campaign.json print campaign_finished's.
    finished = json.loads((campaign_dir / "campaign.json").read_text())["Finished.UTC"]
    assert f"Finished.UTC={finished}" in environment and f"Finished: {finished} " in proc.stdout


@pytest.mark.campaign
def test_tightened_tolerance_fails_the_oq_scenario(project_root, tmp_path):
    """Proof the OQ check can fail: ±0.01 °C is below what the twin achieves."""
    criteria = (project_root / "profiles/acceptance/criteria.yaml").read_text()
    tight = criteria.replace("    target: 37.0\n    tolerance: 0.5\n    unit: \"°C\"\n    source: \"[Vali] typically",
                             "    target: 37.0\n    tolerance: 0.01\n    unit: \"°C\"\n    source: \"[Vali] typically")
    assert tight != criteria
    acceptance = tmp_path / "tight.yaml"
    acceptance.write_text(tight)
    out = tmp_path / "out"
    proc = run_cli(project_root, "--out", str(out), "--acceptance", str(acceptance))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = allure_results(only_campaign(out))
    oq = named(results["OQ"], OQ_TEMPERATURE_AT_37)
    assert oq["status"] == "failed"
    assert "OQ-TEMP-ACC" in oq["statusDetails"]["message"]
    assert all(r["status"] == "passed" for r in results["IQ"] + results["PQ"])
    assert "DEVIATION" in proc.stdout


def test_broken_profile_is_bad_input_and_nothing_runs(project_root, tmp_path):
    bench = tmp_path / "bench.yaml"
    text = (project_root / "profiles/benches/sim.yaml").read_text().replace("clock: simulated", "clock: sundial")
    bench.write_text(text)
    line = next(n for n, content in enumerate(text.splitlines(), 1) if content.startswith("clock: sundial"))
    out = tmp_path / "out"
    proc = run_cli(project_root, "--bench", str(bench), "--out", str(out))
    assert proc.returncode == 2
    assert f"{bench}:{line}:" in proc.stdout.replace("\n", "")
    assert not out.exists()


def test_broken_feature_file_is_bad_input(project_root, tmp_path):
    features = tmp_path / "project"
    (features / "features" / "iq").mkdir(parents=True)
    (features / "features" / "iq" / "broken.feature").write_text("Scenario: no feature line\n  Given x\n")
    (features / "profiles").symlink_to(project_root / "profiles")
    proc = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", "iq"],
                          cwd=features, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "broken.feature:1" in proc.stdout.replace("\n", "")


def test_unknown_stage_is_bad_input(project_root, tmp_path):
    proc = run_cli(project_root, "--stage", "xq", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "unknown stage" in proc.stdout


@pytest.mark.campaign
def test_an_acceptance_profile_outside_the_approved_protocol_is_not_approved_on_the_cli(project_root, tmp_path):
    """Issue 12 item 1: a loosened --acceptance under an approved protocol is 'not approved' with a deviation."""
    import os
    import shutil
    import sqlite3

    project = tmp_path / "project"
    shutil.copytree(project_root / "features", project / "features")
    shutil.copytree(project_root / "profiles", project / "profiles", ignore=shutil.ignore_patterns("users", "approvals"))
    env = dict(os.environ, MIMEDI_QUAL_HOME=str(project), MIMEDI_QUAL_USERS=str(tmp_path / "users" / "users.yaml"),
               MIMEDI_QUAL_KEYS=str(tmp_path / "users" / "keys"), COLUMNS="200")

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", *args], cwd=project, env=env,
                              input=stdin, capture_output=True, text=True, timeout=300)

    for args, stdin in ((("ada", "--name", "Ada Admin", "--role", "admin"), "admin-pw-1\n"),
                        (("adam", "--name", "Adam Approve", "--role", "approver", "--by", "ada"),
                         "admin-pw-1\napprover-pw-2\n")):
        assert cli("user", "add", *args, "--password-stdin", stdin=stdin).returncode == 0
    approved = cli("approve-protocol", "MQ-MIMEDI-001", "0.1", "--user", "adam", "--password-stdin",
                   stdin="approver-pw-2\n")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    loose = tmp_path / "loose" / "criteria.yaml"
    loose.parent.mkdir()
    loose.write_text((project / "profiles" / "acceptance" / "criteria.yaml").read_text().replace(
        "tolerance: 0.5", "tolerance: 5.0"))
    proc = cli("run", "--stage", "iq", "--tags", "URS-IQ-002", "--out", str(tmp_path / "out"), "--no-views",
               "--acceptance", str(loose))
    assert proc.returncode == 1, proc.stdout + proc.stderr   # the scenarios pass; the protocol changed
    header = next(line for line in proc.stdout.splitlines() if line.startswith("protocol MQ-MIMEDI-001"))
    assert "not approved: differs from the approved protocol" in header and str(loose.resolve()) in header
    assert "PROTOCOL NOT APPROVED" in proc.stdout and "PROTOCOL DIFFERS FROM THE APPROVED ONE" in proc.stdout
    assert "Protocol approved yes" not in proc.stdout
    campaign = only_campaign(tmp_path / "out")
    with sqlite3.connect(f"file:{campaign / 'evidence.sqlite'}?mode=ro", uri=True) as con:
        (files,) = con.execute("select json_extract(payload, '$.files') from records where kind='protocol'").fetchone()
        descriptions = [d for (d,) in con.execute("select json_extract(payload, '$.description') from records "
                                                  "where kind='deviation' and json_extract(payload, '$.category') "
                                                  "= 'protocol_changed'")]
    assert str(loose.resolve()) in files and "profiles/acceptance/criteria.yaml" not in files
    assert len(descriptions) == 1 and str(loose.resolve()) in descriptions[0]
