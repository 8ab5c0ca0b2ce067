"""Selection of scenarios by stage, module, risk and tag expression."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mimedi_qual.profiles.urs import Requirement
from mimedi_qual.qualification.protocol import ScenarioRef
from mimedi_qual.qualification.selection import Selection, SelectionError, select

REQS = {
    "URS-A": Requirement(text="a", risk="high", stage="OQ", module="expansion", criteria=[]),
    "URS-B": Requirement(text="b", risk="low", stage="OQ", module="harvest", criteria=[]),
    "URS-C": Requirement(text="c", risk="medium", stage="IQ", module="installation", criteria=[]),
}


def ref(name: str, stage: str, *tags: str) -> ScenarioRef:
    return ScenarioRef(Path(f"features/{stage.lower()}/{name}.feature"), 3, "f", name, frozenset(tags), stage)


SCENARIOS = [ref("a", "OQ", "URS-A", "slow"), ref("b", "OQ", "URS-B"), ref("c", "IQ", "URS-C")]


def names(selection: Selection) -> list[str]:
    return [s.name for s in select(SCENARIOS, REQS, selection).scenarios]


def test_no_filter_selects_everything_without_marker_expression():
    chosen = select(SCENARIOS, REQS, Selection())
    assert len(chosen) == 3 and chosen.marker_expression is None


def test_filters_combine_with_and():
    assert names(Selection(stages=("oq",))) == ["a", "b"]
    assert names(Selection(modules=("harvest", "installation"))) == ["b", "c"]
    assert names(Selection(risks=("high",))) == ["a"]
    assert names(Selection(stages=("oq",), risks=("high", "medium"))) == ["a"]
    assert names(Selection(tags="not slow")) == ["b", "c"]
    assert names(Selection(tags="URS-A or URS-C", risks=("medium",))) == ["c"]


def test_marker_expression_names_the_urs_ids_of_module_and_risk():
    chosen = select(SCENARIOS, REQS, Selection(modules=("expansion",), tags="not fast"))
    assert chosen.marker_expression == "(URS-A) and (not fast)"


@pytest.mark.parametrize("selection, message", [
    (Selection(modules=("nowhere",)), "--module nowhere"),
    (Selection(risks=("extreme",)), "--risk extreme"),
    (Selection(tags="URS-A and ("), "--tags"),
    (Selection(stages=("iq",), risks=("high",)), "matches no scenario"),
])
def test_bad_or_empty_selection_is_refused(selection, message):
    with pytest.raises(SelectionError, match=message.replace("(", r"\(")):
        select(SCENARIOS, REQS, selection)


def run_cli(project_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", *args],
                          cwd=project_root, capture_output=True, text=True, timeout=300)


@pytest.mark.campaign
def test_cli_runs_only_what_the_tags_select(project_root, tmp_path):
    proc = run_cli(project_root, "--out", str(tmp_path), "--stage", "iq", "--tags", "URS-IQ-001")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    campaign = next(tmp_path.iterdir())
    results = [json.loads(p.read_text()) for p in (campaign / "allure-results").glob("*-result.json")]
    stories = {lab["value"] for r in results for lab in r["labels"] if lab["name"] == "story"}
    assert stories == {"URS-IQ-001"}


@pytest.mark.campaign
def test_cli_module_filter_excludes_other_modules(project_root, tmp_path):
    proc = run_cli(project_root, "--out", str(tmp_path), "--stage", "iq", "--module", "installation")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    campaign = next(tmp_path.iterdir())
    results = [json.loads(p.read_text()) for p in (campaign / "allure-results").glob("*-result.json")]
    assert results and all(r["status"] == "passed" for r in results)


def test_cli_empty_selection_is_bad_input(project_root, tmp_path):
    proc = run_cli(project_root, "--out", str(tmp_path / "out"), "--stage", "iq", "--risk", "extreme")
    assert proc.returncode == 2
    assert "--risk extreme" in proc.stdout
    assert not (tmp_path / "out").exists()
