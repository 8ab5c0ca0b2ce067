"""Allure files a failed scenario by the type of what stopped it, not by words in the message."""

from __future__ import annotations

import datetime as dt
import doctest
import gc
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

import mimedi_qual.errors
import mimedi_qual.lab.errors
import mimedi_qual.report.allure_categories
from mimedi_qual.errors import BenchError, CriterionError, InstrumentError, MimediQualError, ProfileError
from mimedi_qual.lab.errors import AccessDenied, CalibrationExpired, CommandRefused
from mimedi_qual.lab.places.client import PlaceError
from mimedi_qual.report.allure_categories import CHECK_NOT_MET, HARNESS_ERROR, category_of, failure_categories
from mimedi_qual.report.allure_html import find_allure, write_categories

ROOT = Path(__file__).resolve().parents[2]


def allure_message(error: BaseException) -> str:
    """What allure-pytest-bdd writes as ``statusDetails.message``: Python's own one-line form of the error."""
    import traceback

    return "".join(traceback.format_exception_only(type(error), error))


CASES = [
    # (exception raised in a step, the result's status, the category it belongs to)
    (AssertionError("OQ-TEMP-ACC: 37.9 °C against 36.5 … 37.5 °C → FAIL (thermometer)\nassert False"), "failed",
     CHECK_NOT_MET),
    # the message names an instrument, the type is a check: a check not met, not an instrument fault
    (AssertionError("instrument 'controller': PUMP_OCCLUSION is not active"), "failed", CHECK_NOT_MET),
    (InstrumentError("thermometer", "no answer within 2.0 s"), "broken", "Instrument fault"),
    (CommandRefused("controller", "MOD:COMM EXPANSION,START", -221, "Settings conflict", "HELD"), "broken",
     "Instrument fault"),
    (AccessDenied("controller", "SETP:TEMP 38", -203, "Command protected"), "broken", "Instrument fault"),
    (CalibrationExpired("thermometer", "CAL-1", dt.date(2026, 1, 1), dt.date(2026, 12, 2)), "broken",
     "Instrument fault"),
    (BenchError("bench SIM-BENCH-01 has no instrument 'tachometer' (has: balance)"), "broken",
     "Bench not available or incomplete"),
    (PlaceError("place bench-b is held by someone else"), "broken", "Bench not available or incomplete"),
    (CriterionError("criterion OQ-NOPE is not in profiles/acceptance/criteria.yaml"), "broken",
     "Criterion unknown or misused"),
    (ProfileError("profiles/process/car-t-14d.yaml", 12, "phases.0.hours: Input should be a number"), "broken",
     "Profile error"),
    # a plain Python error whose text mentions an instrument is still a harness error
    (RuntimeError("instrument 'thermometer' object has no attribute 'read'"), "broken", HARNESS_ERROR),
    (KeyError("temperature_c"), "broken", HARNESS_ERROR),
]


@pytest.mark.parametrize("error, status, category", CASES, ids=[f"{type(e).__name__}-{i}" for i, (e, _, _) in
                                                                enumerate(CASES)])
def test_the_category_follows_the_exception_type(error, status, category):
    assert category_of(allure_message(error), status) == category


def test_a_step_definition_not_found_is_a_protocol_error():
    message = "pytest_bdd.exceptions.StepDefinitionNotFoundError: Step definition is not found: When the moon"
    assert category_of(message, "broken") == "Protocol error"


def test_every_family_and_every_loaded_subclass_has_its_category():
    """Generated from the hierarchy: a new subclass is categorised with its family without editing a list."""
    categories = failure_categories()
    families = [c for c in MimediQualError.__subclasses__() if c.__module__ == "mimedi_qual.errors"]
    assert [c["name"] for c in categories] == [CHECK_NOT_MET, *(f.title for f in families), HARNESS_ERROR]

    class ThermometerFrozen(InstrumentError):
        """A subclass defined after the module was imported."""

    message = allure_message(ThermometerFrozen("thermometer", "reading frozen"))
    assert category_of(message, "broken") == "Instrument fault"
    for cls in (CommandRefused, AccessDenied, CalibrationExpired, PlaceError):
        assert any(cls.__name__ in c.get("messageRegex", "") for c in categories), cls


def test_write_categories_writes_the_generated_categories(tmp_path):
    # A class defined inside an earlier test (ThermometerFrozen above) stays among
    # __subclasses__() until the cyclic garbage collector runs, which it may do between
    # the two walks below: collect first, so both see the same hierarchy.
    gc.collect()
    write_categories(tmp_path)
    assert json.loads((tmp_path / "categories.json").read_text(encoding="utf-8")) == failure_categories()


@pytest.mark.parametrize("module", [mimedi_qual.errors, mimedi_qual.lab.errors, mimedi_qual.report.allure_categories])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_allure_files_results_as_the_categories_say(tmp_path):
    """The real Allure 2 generator agrees with category_of (whole-message match across lines, first match wins)."""
    allure = find_allure(ROOT / ".tools")
    if allure is None:
        pytest.skip("Allure generator not installed (make install)")
    results = tmp_path / "allure-results"
    results.mkdir()
    expected = {}
    for index, (error, status, category) in enumerate(CASES):
        name = f"scenario-{index}"
        expected[name] = category
        result_id = str(uuid.uuid4())
        (results / f"{result_id}-result.json").write_text(json.dumps({
            "uuid": result_id, "historyId": result_id, "name": name, "fullName": name, "status": status,
            "statusDetails": {"message": allure_message(error), "trace": "Traceback (most recent call last): …"},
            "start": 1, "stop": 2}), encoding="utf-8")
    write_categories(results)
    out = tmp_path / "report"
    subprocess.run([str(allure), "generate", str(results), "-o", str(out), "--clean"], check=True,
                   capture_output=True, timeout=300, env=dict(os.environ, ALLURE_NO_ANALYTICS="true"))
    tree = json.loads((out / "data" / "categories.json").read_text(encoding="utf-8"))
    filed = {}
    for category in tree["children"]:
        for group in category["children"]:
            for leaf in group.get("children", [group]):
                filed.setdefault(leaf["name"], []).append(category["name"])
    assert filed == {name: [category] for name, category in expected.items()}
