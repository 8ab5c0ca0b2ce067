"""``run --resume`` resumes the same campaign: its selection, its judging inputs, nothing counted twice.

No bench starts: the campaign record is opened as the campaign service opens it
(``record_campaign_start``) on a copy of the project, "killed" (left without
``campaign_finished``) and planned again with ``plan_campaign(resume=…)`` — the
part of ``run --resume`` that decides what runs, and with which criteria.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mimedi_qual.campaign.record import record_campaign_start
from mimedi_qual.campaign.resume import ProtocolChangedOnResume, ResumeError, ResumePlan
from mimedi_qual.campaign.service import CampaignRequest, plan_campaign
from mimedi_qual.evidence.deviations import DeviationCategory, deviations_from_records
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_bench
from mimedi_qual.qualification.protocol import count_runs
from mimedi_qual.report.measurements_jsonl import MEASUREMENTS_FILE, append_measurement_line

ROOT = Path(__file__).resolve().parents[2]
TAGS = "URS-OQ-TEMP-001"


@pytest.fixture
def project(tmp_path: Path) -> ProjectPaths:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("users", "approvals"))
    return ProjectPaths.at(root)


def start(paths: ProjectPaths, campaign_dir: Path, **selection) -> Path:
    """A campaign opened as the service opens it (OQ on the simulated bench), then 'killed'."""
    bench_path = paths.default_bench
    with EvidenceStore.create(campaign_dir) as store:
        record_campaign_start(store, root=paths.root, campaign_id=campaign_dir.name, stages=["oq"],
                              bench=load_bench(bench_path), bench_path=bench_path,
                              acceptance_path=paths.default_acceptance, **selection)
    return campaign_dir


def test_resume_runs_the_selection_the_campaign_started_with(project: ProjectPaths, tmp_path: Path) -> None:
    campaign = start(project, tmp_path / "C-1", selection={"modules": [], "risks": [], "tags": TAGS})
    started, _ = plan_campaign(CampaignRequest(paths=project, stages=("oq",), tags=TAGS))
    everything, _ = plan_campaign(CampaignRequest(paths=project, stages=("oq",)))
    assert count_runs(started.scenarios) < count_runs(everything.scenarios)

    plan, resumed = plan_campaign(CampaignRequest(paths=project, resume=campaign))  # no --tags given again
    assert resumed.tags == TAGS
    assert plan.marker_expression == started.marker_expression
    assert [s.name for s in plan.scenarios] == [s.name for s in started.scenarios]


def test_resume_refuses_a_new_selection(project: ProjectPaths, tmp_path: Path) -> None:
    campaign = start(project, tmp_path / "C-1", selection={"tags": TAGS})
    with pytest.raises(ResumeError, match="--tags do not go with --resume"):
        plan_campaign(CampaignRequest(paths=project, resume=campaign, tags="URS-OQ-PH-001"))


def test_resume_refuses_criteria_edited_since_the_start(project: ProjectPaths, tmp_path: Path) -> None:
    campaign = start(project, tmp_path / "C-1")
    criteria = project.root / "profiles" / "acceptance" / "criteria.yaml"
    criteria.write_text(criteria.read_text(encoding="utf-8") + "\n# widened after the kill\n", encoding="utf-8")
    with pytest.raises(ProtocolChangedOnResume) as refused:
        plan_campaign(CampaignRequest(paths=project, resume=campaign))
    assert refused.value.differences.changed == ("profiles/acceptance/criteria.yaml",)
    assert "profiles/acceptance/criteria.yaml" in str(refused.value)
    assert "--accept-changed-protocol" in str(refused.value)
    with EvidenceStore.open(campaign, read_only=True) as store:  # refused before anything was written
        assert [r.kind for r in store.records()][-1] != "interruption"


def test_a_feature_file_added_since_the_start_is_a_changed_protocol(project: ProjectPaths, tmp_path: Path) -> None:
    campaign = start(project, tmp_path / "C-1")
    (project.features / "oq" / "extra.feature").write_text(
        "Feature: added after the kill\n  Scenario: extra\n    Given the bench is ready\n", encoding="utf-8")
    with pytest.raises(ProtocolChangedOnResume) as refused:
        plan_campaign(CampaignRequest(paths=project, resume=campaign))
    assert refused.value.differences.added == ("features/oq/extra.feature",)


def test_unchanged_inputs_resume_without_a_protocol_deviation(project: ProjectPaths, tmp_path: Path) -> None:
    _plan, resumed = plan_campaign(CampaignRequest(paths=project, resume=start(project, tmp_path / "C-1")))
    assert not resumed.changed


def test_accepted_changed_criteria_are_a_protocol_changed_deviation(project: ProjectPaths, tmp_path: Path) -> None:
    campaign = start(project, tmp_path / "C-1")
    criteria = project.root / "profiles" / "acceptance" / "criteria.yaml"
    criteria.write_text(criteria.read_text(encoding="utf-8") + "\n# widened after the kill\n", encoding="utf-8")
    _plan, resumed = plan_campaign(CampaignRequest(paths=project, resume=campaign, accept_changed_protocol=True))
    resumed.record_interruption(resumed_by="exec.ops", changed=resumed.changed)
    with EvidenceStore.open(campaign, read_only=True) as store:
        devs = deviations_from_records(store.records())
    changed = [d for d in devs if d.category == DeviationCategory.PROTOCOL_CHANGED]
    assert len(changed) == 1 and "profiles/acceptance/criteria.yaml" in changed[0].description
    assert any(d.category == DeviationCategory.INTERRUPTION for d in devs)


def test_resume_rewrites_measurements_jsonl_without_the_partial_run(tmp_path: Path) -> None:
    """measurements.jsonl was appended live, the partial run's line too; on resume it holds what counts."""
    campaign = tmp_path / "C-1"
    store = write_example_campaign(campaign, finish=False)
    measured = [r.payload for r in store.records(kind="measurement")]
    partial = dict(measured[0], scenario="Cut off by the kill")
    store.append("step", {"feature": partial["feature"], "scenario": partial["scenario"], "keyword": "When",
                          "text": "the temperature is held", "status": "passed"})
    store.append("measurement", partial)
    store.close()
    for payload in [*measured, partial]:
        append_measurement_line(campaign, payload)

    ResumePlan(campaign_dir=campaign, campaign_id=campaign.name, bench_path=Path("bench.yaml"),
               acceptance_path=None, stages=["oq"]).record_interruption(resumed_by="exec.ops")
    lines = [json.loads(line) for line in (campaign / MEASUREMENTS_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(measured)
    assert "Cut off by the kill" not in {line["scenario"] for line in lines}
