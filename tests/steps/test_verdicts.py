"""A step's failed check is said as QA reads it: criterion, expected, actual, instrument — never a Python repr."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import pytest

import mimedi_qual.steps
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.steps.actions.verdicts import expect_met, not_met_message

STEPS_DIR = Path(mimedi_qual.steps.__file__).parent


def _measurement(verdict: str = "fail") -> Measurement:
    return Measurement(criterion_id="OQ-TEMP-ACC", description="Vessel temperature within tolerance at 37 °C",
                       value=37.9 if verdict == "fail" else 37.0, unit="°C", low=36.5, high=37.5, verdict=verdict,
                       instrument="thermometer", source="ours", statistics={"n_samples": 1440.0})


def test_a_criterion_not_met_reads_criterion_expected_actual_instrument() -> None:
    with pytest.raises(AssertionError) as caught:
        expect_met(_measurement(), " (alarms: ['TEMP_HIGH'])", context="batch 2")
    assert str(caught.value).splitlines() == [
        "batch 2: OQ-TEMP-ACC not met: Vessel temperature within tolerance at 37 °C",
        "  expected:   36.5 … 37.5 °C",  # a Measurement without kind/target: the limits as computed
        "  actual:     worst of 1,440 readings = 37.9 °C",  # result_text: statistic of N readings = value
        "  instrument: thermometer",
        "  criterion:  ours",
        "  detail:     alarms: ['TEMP_HIGH']",
    ]


def test_a_criterion_met_raises_nothing() -> None:
    expect_met(_measurement("pass"), "never shown")


def test_the_message_is_the_whole_finding() -> None:
    assert "Measurement(" not in not_met_message(_measurement()) and "assert" not in not_met_message(_measurement())


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(STEPS_DIR.rglob("*.py"))}


def test_no_step_asserts_a_measurement_passed() -> None:
    """``assert measurement.passed, …`` under pytest's rewriting put ``Measurement(…)`` reprs in Allure."""
    found = [f"{path.name}:{node.lineno}" for path, tree in _modules().items() for node in ast.walk(tree)
             if isinstance(node, ast.Assert) and isinstance(node.test, ast.Attribute) and node.test.attr == "passed"]
    assert found == []


def test_every_step_module_with_an_assert_is_not_rewritten_by_pytest() -> None:
    """Its message is the finding: pytest's introspection (``assert 'HELD' == 'IDLE'`` …) is not appended."""
    rewritten = [path.name for path, tree in _modules().items()
                 if any(isinstance(n, ast.Assert) for n in ast.walk(tree))
                 and "PYTEST_DONT_REWRITE" not in (ast.get_docstring(tree) or "")]
    assert rewritten == []
