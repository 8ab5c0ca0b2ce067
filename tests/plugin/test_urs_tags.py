"""A ``@URS-…`` tag: story and severity labels, and the requirement's text inline in the Allure description —
no link into the source tree (``../../profiles/urs/#…`` opened nothing from a report)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from pytest_bdd.parser import FeatureParser
from pytest_bdd.scenario import scenario_wrapper_template_registry

import mimedi_qual.plugin as plugin
from mimedi_qual.paths import project_paths
from mimedi_qual.profiles import load_urs

TAG = "URS-OQ-TEMP-001"


@pytest.fixture
def requirements(monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config) -> dict:
    loaded = {}
    for path in sorted(project_paths().urs.glob("*.yaml")):
        loaded.update(load_urs(path).requirements)
    monkeypatch.setattr(plugin, "_config", pytestconfig)  # the tag is registered as a marker there
    monkeypatch.setattr(plugin, "_urs_cache", loaded)
    return loaded


def _marks(function) -> list:
    return list(getattr(function, "pytestmark", []))


def test_a_urs_tag_gives_story_severity_and_feature_but_no_link(requirements) -> None:
    def scenario_function() -> None:
        """A stand-in for pytest-bdd's scenario function."""

    plugin.pytest_bdd_apply_tag(TAG, scenario_function)
    marks = _marks(scenario_function)
    labels = {(m.kwargs.get("label_type"), m.args[0]) for m in marks if m.name == "allure_label"}
    assert ("story", TAG) in labels and ("severity", "critical") in labels
    assert [m for m in marks if m.name == "allure_link"] == []


def test_the_description_carries_the_requirement_text_then_the_gherkin_descriptions(requirements) -> None:
    feature_file = project_paths().features / "oq" / "temperature_hold.feature"
    feature = FeatureParser(str(feature_file.parent), feature_file.name).parse()
    template = next(iter(feature.scenarios.values()))

    def scenario_function() -> None:
        """A stand-in for pytest-bdd's scenario function."""

    scenario_wrapper_template_registry[scenario_function] = template
    try:
        item = SimpleNamespace(obj=scenario_function, iter_markers=lambda name: [
            SimpleNamespace(args=(TAG,))] if name == "urs" else [])
        description = plugin.urs_description(item)
    finally:
        del scenario_wrapper_template_registry[scenario_function]
    requirement = requirements[TAG]
    assert description.startswith(f"Verifies:\n\n- **{TAG}** (risk {requirement.risk}, OQ, module "
                                  f"{requirement.module}): {requirement.text}")
    assert "The controller holds the culture at its setpoint" in description  # the feature's own description
    assert "profiles/urs" not in description


def test_a_scenario_without_urs_tag_gets_no_description(requirements) -> None:
    item = SimpleNamespace(obj=None, iter_markers=lambda name: [])
    assert plugin.urs_description(item) is None
