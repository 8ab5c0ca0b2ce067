"""A pytest plugin object that shows campaign progress with rich and keeps outcomes.

Passed to ``pytest.main(plugins=[...])`` by ``mimedi-qual run``; pytest's
own terminal output is switched off, this is what the engineer sees.

The bar counts scenarios as every view does
(:func:`~mimedi_qual.qualification.protocol.count_runs`): one pytest item per
Scenario and per Examples row of a Scenario Outline, advanced when its
teardown ends — the number the run's header announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@dataclass
class ScenarioOutcome:
    nodeid: str
    name: str
    stage: str
    urs: list[str]
    outcome: str = "not run"  # passed / failed / error / skipped
    message: str = ""
    duration_s: float = 0.0


@dataclass
class CampaignProgress:
    console: object
    outcomes: dict[str, ScenarioOutcome] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    _progress: Progress | None = None
    _task: int | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            stage = next((m.args[0] for m in item.iter_markers("allure_label")
                          if m.kwargs.get("label_type") == "epic"), "")
            urs = [m.args[0] for m in item.iter_markers("urs")]
            name = getattr(item.obj, "__name__", item.name)
            scenario = _scenario_name(item) or name
            self.outcomes[item.nodeid] = ScenarioOutcome(item.nodeid, scenario, stage, urs)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext.strip().splitlines()[-1]}")

    def pytest_collection_finish(self, session):
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("scenarios"),
            TimeElapsedColumn(), console=self.console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("campaign", total=len(session.items))

    def pytest_runtest_logstart(self, nodeid, location):
        if self._progress is not None and nodeid in self.outcomes:
            o = self.outcomes[nodeid]
            self._progress.update(self._task, description=f"{o.stage} {o.name[:60]}")

    def pytest_runtest_logreport(self, report):
        outcome = self.outcomes.get(report.nodeid)
        if outcome is None:
            return
        outcome.duration_s += report.duration
        if report.failed:
            outcome.outcome = "failed" if report.when == "call" else "error"
            outcome.message = _short_message(report)
        elif report.skipped and outcome.outcome == "not run":
            outcome.outcome = "skipped"
        elif report.when == "call" and report.passed:
            outcome.outcome = "passed"
        if report.when == "teardown" and self._progress is not None:
            self._progress.advance(self._task)

    def pytest_sessionfinish(self, session):
        if self._progress is not None:
            self._progress.update(self._task, description="campaign")
            self._progress.stop()


def _scenario_name(item) -> str | None:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    name = template.name
    # A Scenario Outline: fill its <placeholders> with this example's values.
    example = getattr(getattr(item, "callspec", None), "params", {}).get("_pytest_bdd_example") or {}
    for key, value in example.items():
        name = name.replace(f"<{key}>", str(value))
    return name


def _short_message(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0] if text.strip() else "failed"
