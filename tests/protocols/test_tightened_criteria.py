"""Every acceptance criterion can fail: tightened below what the twin achieves, its scenario fails.

For each stage the protocol is run with a tightened copy of the acceptance
profile, and ``measurements.jsonl`` must show a *failed* measurement of every
targeted criterion:

* ``band`` → tolerance 0 (only the exact target would pass);
* ``max``  → limit −1 (below any duration, count or error the twin achieves);
* ``min``  → limit 10⁹ (above anything);
* ``exact`` → the register is altered instead: the equipment register beside
  the tightened profile names other firmware and another checksum, and the
  ``tamper_register`` plugin gives every instrument another serial number and
  an expired calibration.

A scenario stops at its first failed step, so one run proves, per scenario,
only the first of its judged criteria that is tightened (the last criterion id
of each Then step is the judged one) — except in a step that judges several
results at once and fails only after recording them all (``Then the QC
release of the batch meets viability PQ-VIABILITY, CD3+ PQ-CD3, ...``): there
every tightened id of the step is proven together. The runs are therefore
grouped in *rounds*, each tightening as many criteria as it can without one
hiding another, and running only the scenarios that prove something.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mimedi_qual.profiles import load_acceptance
from mimedi_qual.qualification.protocol import load_protocol

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CRITERION_ID = re.compile(r"\b(?:IQ|OQ|PQ)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
#: Then steps that record every criterion they list before failing (mimedi_qual/steps/product_steps.py).
JUDGES_ALL = re.compile(r"^the QC release of the batch meets ")


def acceptance_ids() -> set[str]:
    return set(load_acceptance(ROOT / "profiles" / "acceptance" / "criteria.yaml").criteria)


def judged_criteria(stage: str) -> list[tuple[frozenset[str], list[tuple[str, ...]]]]:
    """Per scenario (outline examples expanded): its URS tags and its judged criteria, in order.

    Each Then step is one group: the criteria it judges before it can fail (mostly just one).
    """
    from pytest_bdd.parser import FeatureParser

    known = acceptance_ids()
    found = []
    for path in sorted((ROOT / "features" / stage).rglob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for template in feature.scenarios.values():
            tags = frozenset(template.tags | feature.tags)
            rows = [dict(zip(ex.example_params, row)) for ex in template.examples
                    for row in ex.examples] if template.examples else [{}]
            for row in rows:
                judged = []
                for step in template.steps:
                    if step.type != "then":
                        continue
                    text = step.name
                    for key, value in row.items():
                        text = text.replace(f"<{key}>", value)
                    ids = [i for i in CRITERION_ID.findall(text) if i in known]
                    if ids and JUDGES_ALL.search(text):
                        judged.append(tuple(ids))
                    elif ids:
                        judged.append((ids[-1],))
                found.append((tags, judged))
    return found


def rounds(stage: str) -> list[tuple[set[str], set[str]]]:
    """Rounds of (criteria tightened, URS tag sets of the scenarios to run) that prove every judged criterion.

    A scenario proves, in a round, the first of its judged criteria that is
    tightened in that round. Criteria are added to a round greedily, earliest
    judged first, as long as none already proven in it is shadowed.
    """
    scenarios = judged_criteria(stage)

    runs_per_tag: dict[str, int] = {}
    for tags, _ in scenarios:
        for tag in tags:
            runs_per_tag[tag] = runs_per_tag.get(tag, 0) + 1

    def proven_by(tightened: set[str]) -> dict[str, set[str]]:
        """criterion → URS tags of the cheapest scenario proving it (fewest scenarios share the tags)."""
        proven: dict[str, set[str]] = {}
        for tags, judged in scenarios:
            urs = {t for t in tags if t.startswith("URS-")}
            cost = sum(runs_per_tag[t] for t in urs)
            for cid in first_failing(judged, tightened):
                if cid not in proven or cost < sum(runs_per_tag[t] for t in proven[cid]):
                    proven[cid] = urs
        return proven

    def earliest(cid: str) -> int:
        return min(i for _, judged in scenarios for i, group in enumerate(judged) if cid in group)

    remaining = {c for _, judged in scenarios for group in judged for c in group}
    result = []
    while remaining:
        tightened: set[str] = set()
        for cid in sorted(remaining, key=lambda c: (earliest(c), c)):
            before = set(proven_by(tightened))
            if before <= set(proven_by(tightened | {cid})):
                tightened.add(cid)
        proven = proven_by(tightened)
        remaining -= set(proven)
        result.append((set(proven), {frozenset(tags) for tags in proven.values()}, tightened))
    return [(tightened, tags) for _, tags, tightened in result]


def tag_expression(tags: set[frozenset[str]]) -> str:
    """Run exactly the scenarios carrying all URS tags of one of the proving scenarios."""
    return " or ".join(sorted("(" + " and ".join(sorted(group)) + ")" for group in tags))


def first_failing(judged: list[tuple[str, ...]], tightened: set[str]) -> set[str]:
    """The tightened criteria of the first step (group) of ``judged`` that holds any: what the scenario proves."""
    group = next((g for g in judged if set(g) & tightened), ())
    return set(group) & tightened


def proven_in(stage: str, round_index: int) -> set[str]:
    """The criteria round ``round_index`` must show failing."""
    scenarios = judged_criteria(stage)
    tightened, _ = rounds(stage)[round_index]
    return {c for _, judged in scenarios for c in first_failing(judged, tightened)}


def tightened_profile(directory: Path, targets: set[str]) -> Path:
    """A copy of the acceptance profile with ``targets`` tightened, and an altered equipment register."""
    data = yaml.safe_load((ROOT / "profiles" / "acceptance" / "criteria.yaml").read_text())
    for cid in targets:
        criterion = data["criteria"][cid]
        if criterion["kind"] == "band":
            criterion["tolerance"] = 0.0
        elif criterion["kind"] == "max":
            criterion["limit"] = -1.0
        elif criterion["kind"] == "min":
            criterion["limit"] = 1.0e9
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "criteria.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    register = yaml.safe_load((ROOT / "profiles" / "acceptance" / "equipment-register.yaml").read_text())
    register["controller"]["module_firmware"] = {m: v + ".1" for m, v in register["controller"]["module_firmware"].items()}
    register["controller"]["configuration_checksum"] = "0" * 64
    (directory / "equipment-register.yaml").write_text(yaml.safe_dump(register, sort_keys=False))
    return path


def run_tightened(stage: str, targets: set[str], tags: set[frozenset[str]], tmp_path: Path) -> list[dict]:
    acceptance = tightened_profile(tmp_path / "acceptance", targets)
    tamper = [what for what, prefix in (("identity", "IQ-ID-"), ("calibration", "IQ-CAL-"))
              if any(t.startswith(prefix) for t in targets)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "PYTEST_PLUGINS": "tamper_register", "MIMEDI_TAMPER": ",".join(tamper)}
    out = tmp_path / "out"
    # Only measurements.jsonl is read: --no-views renders no Allure results, report or PDF.
    proc = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "run", "--stage", stage, "--out", str(out),
                           "--acceptance", str(acceptance), "--tags", tag_expression(tags), "--no-views"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    campaign = next(d for d in out.iterdir() if d.is_dir())
    lines = (campaign / "measurements.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


CASES = [(stage, k) for stage in ("iq", "oq", "pq") for k in range(len(rounds(stage)))]


@pytest.mark.protocol
@pytest.mark.parametrize("stage, round_index", CASES, ids=[f"{s}-round{k + 1}" for s, k in CASES])
def test_tightened_criteria_fail(stage: str, round_index: int, tmp_path: Path):
    tightened, tags = rounds(stage)[round_index]
    measurements = run_tightened(stage, tightened, tags, tmp_path)
    failed = {m["criterion_id"] for m in measurements if m["verdict"] == "fail"}
    not_failed = sorted(proven_in(stage, round_index) - failed)
    assert not not_failed, f"tightened but not failed: {not_failed}"


def test_every_criterion_is_tightened_in_some_round():
    targeted = {cid for stage in ("iq", "oq", "pq") for k in range(len(rounds(stage))) for cid in proven_in(stage, k)}
    assert acceptance_ids() - targeted == set(), "criteria no scenario judges"


def test_every_stage_has_scenarios():
    assert all(load_protocol([ROOT / "features" / stage]) for stage in ("iq", "oq", "pq"))
