"""``mimedi-qual check``: every authoring mistake of issue 13 refused before bench time, exit 2, ``file:line``.

Each test writes the mistake into a copy of the project (``MIMEDI_QUAL_HOME``)
and runs the check — no bench is started (unit tier). On the harness before
the protocol preflight each of these mistakes was found only mid-run (exit 1,
a deviation), or not at all (exit 0 for a unit mismatch), or as a traceback.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]

HEAD = "Feature: Mistakes\n\n  @URS-OQ-TEMP-001\n  Scenario: one mistake\n    Given the bench is ready\n"


@pytest.fixture(scope="module")
def cli_app():
    from mimedi_qual.cli import _register_commands, app

    if not app.registered_groups:       # registering twice would add every sub-command twice
        _register_commands()
    return app


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project's features/ and profiles/, found through $MIMEDI_QUAL_HOME."""
    root = tmp_path / "protocols"
    shutil.copytree(ROOT / "features", root / "features")
    shutil.copytree(ROOT / "profiles", root / "profiles", ignore=shutil.ignore_patterns("keys"))
    monkeypatch.setenv("MIMEDI_QUAL_HOME", str(root))
    from mimedi_qual.paths import project_paths

    project_paths.cache_clear()          # the project is resolved once per process
    yield root
    project_paths.cache_clear()


def check(cli_app, *args: str):
    result = CliRunner().invoke(cli_app, ["check", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def write_feature(project: Path, body: str, name: str = "mistake.feature") -> Path:
    path = project / "features" / "oq" / name
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_protocol_passes_the_check_within_two_seconds(cli_app, project):
    started = time.perf_counter()
    result = check(cli_app)
    elapsed_s = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "ok: " in result.output and "$MIMEDI_QUAL_HOME" in result.output
    assert elapsed_s < 10, elapsed_s   # ≤ 2 s on a quiet machine (README, Performance); loose on a shared CI box


def test_a_misspelt_step_names_file_line_and_the_closest_phrase(cli_app, project):
    path = write_feature(project, HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                                         "    Then every reading meet OQ-TEMP-ACC\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:7: no step definition matches 'Then every reading meet OQ-TEMP-ACC'" in result.output
    assert "did you mean: 'every reading meets {criterion_id}'" in result.output
    assert "mimedi-qual steps" in result.output


def test_an_unknown_criterion_names_the_step_line_and_the_files_searched(cli_app, project):
    path = write_feature(project, HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                                         "    Then every reading meets OQ-TEMP-ACCC\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:7: " in result.output
    assert "criterion OQ-TEMP-ACCC is not in the acceptance profile" in result.output
    assert str(project / "profiles" / "acceptance" / "criteria.yaml") in result.output
    assert "did you mean OQ-TEMP-ACC" in result.output


@pytest.mark.parametrize("written", ["30.0", "30 ± 5 % air saturation"])
def test_a_number_where_a_criterion_belongs_is_refused_with_the_rule(cli_app, project, written):
    path = write_feature(project, HEAD + "    When the DO is read on the ph_do_meter every 1 minute for 1 hour\n"
                                         f"    Then every reading meets {written}\n"
                                         f"    And the DO on the ph_do_meter meets {written}\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    for line in (7, 8):
        assert f"{path}:{line}: " in result.output
    assert result.output.count("numbers live in profiles/acceptance: name a criterion") == 2


@pytest.mark.parametrize("step, quantity, criterion, unit", [
    ("the DO on the ph_do_meter meets OQ-TEMP-ACC", "dissolved oxygen", "OQ-TEMP-ACC", "°C"),
    ("the CO2 on the gas_analyzer meets OQ-PH-ACC", "CO2 fraction", "OQ-PH-ACC", "pH"),
])
def test_a_criterion_in_a_unit_of_another_quantity_is_refused(cli_app, project, step, quantity, criterion, unit):
    path = write_feature(project, HEAD + f"    Then {step}\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    criteria = project / "profiles" / "acceptance" / "criteria.yaml"
    assert f"{path}:6: 'Then {step}' measures {quantity}" in result.output
    assert f"criterion {criterion} ({criteria}:" in result.output and f"is in '{unit}'" in result.output


def test_a_criterion_of_the_wrong_unit_in_the_profile_is_refused_for_the_steps_that_judge_it(cli_app, project):
    """The shipped DO criterion rewritten in °C: every scenario judging it is refused, naming the criterion's line."""
    criteria = project / "profiles" / "acceptance" / "criteria.yaml"
    text = criteria.read_text(encoding="utf-8")
    criteria.write_text(text.replace('unit: "% air sat"', 'unit: "°C"', 1), encoding="utf-8")
    result = check(cli_app, str(project / "features" / "oq"))
    assert result.exit_code == 2, result.output
    assert "criterion OQ-DO-ACC (" in result.output and "is in '°C', which is not a unit of dissolved oxygen" in \
        " ".join(result.output.split())


def test_a_compatible_unit_passes_the_check(cli_app, project):
    """OQ-TEMP-ACC in K (37.0 °C = 310.15 K): the check accepts it; the judging converts (test_quantities)."""
    criteria = project / "profiles" / "acceptance" / "criteria.yaml"
    text = criteria.read_text(encoding="utf-8")
    start = text.index("  OQ-TEMP-ACC:\n")
    block = text[start:text.index("\n  OQ-TEMP-ACC-LOW:")]
    kelvin = block.replace("target: 37.0", "target: 310.15").replace('unit: "°C"', 'unit: "K"')
    assert kelvin != block
    criteria.write_text(text.replace(block, kelvin), encoding="utf-8")
    result = check(cli_app, str(project / "features" / "oq" / "temperature_hold.feature"))
    assert result.exit_code == 0, result.output


def test_a_second_acceptance_file_is_read_and_a_duplicate_id_names_both_lines(cli_app, project):
    acceptance = project / "profiles" / "acceptance"
    (acceptance / "extra.yaml").write_text(
        'version: "0.1"\ncriteria:\n  OQ-EXTRA-TEMP:\n    description: "x"\n    kind: band\n    target: 37.0\n'
        '    tolerance: 1.0\n    unit: "°C"\n    source: "ours"\n', encoding="utf-8")
    path = write_feature(project, HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                                         "    Then every reading meets OQ-EXTRA-TEMP\n")
    assert check(cli_app, str(path)).exit_code == 0          # the criterion of the second file is found
    (acceptance / "extra.yaml").write_text(
        'version: "0.1"\ncriteria:\n  OQ-TEMP-ACC:\n    description: "x"\n    kind: band\n    target: 37.0\n'
        '    tolerance: 1.0\n    unit: "°C"\n    source: "ours"\n', encoding="utf-8")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    first = acceptance / "criteria.yaml"
    text = first.read_text(encoding="utf-8").splitlines()
    line = text.index("  OQ-TEMP-ACC:") + 1
    assert f"{acceptance / 'extra.yaml'}:3: criterion OQ-TEMP-ACC is defined twice: here and at {first}:{line}" \
        in " ".join(result.output.split())


def test_a_duplicate_urs_id_in_a_second_file_names_both_lines(cli_app, project):
    urs = project / "profiles" / "urs"
    original = (urs / "mimedi-urs.yaml").read_text(encoding="utf-8")
    (urs / "more.yaml").write_text(
        'document: "x"\nversion: "1"\nrequirements:\n  URS-OQ-TEMP-001:\n    text: "again"\n    risk: high\n'
        '    stage: OQ\n    module: expansion\n    criteria: [OQ-TEMP-ACC]\n', encoding="utf-8")
    result = check(cli_app)
    assert result.exit_code == 2, result.output
    line = original.splitlines().index("  URS-OQ-TEMP-001:") + 1
    assert f"requirement URS-OQ-TEMP-001 is defined twice: here and at {urs / 'mimedi-urs.yaml'}:{line}" in \
        " ".join(result.output.split())


@pytest.mark.parametrize("content, problem", [
    (b"", "the feature file is empty"),
    (b"# a comment only\n\n", "the feature file is empty"),
    (b"Feature: only a description\n  It says what it would check.\n", "has no scenario"),
])
def test_an_empty_or_description_only_feature_is_refused_in_plain_words(cli_app, project, content, problem):
    path = project / "features" / "oq" / "empty.feature"
    path.write_bytes(content)
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:1: " in result.output and problem in result.output
    assert "cannot parse" not in result.output


def test_a_step_in_the_feature_description_is_flagged(cli_app, project):
    path = write_feature(project, "Feature: Steps before the scenario\n  Given the bench is ready\n\n"
                                  "  @URS-OQ-TEMP-001\n  Scenario: fine\n    Given the bench is ready\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2: step text in the Feature description: 'Given the bench is ready'" in result.output


def test_readings_judged_without_sampling_and_an_unknown_instrument_are_refused(cli_app, project):
    path = write_feature(project, HEAD + "    Then every reading meets OQ-TEMP-ACC\n"
                                         "    When the thermometr is read every 1 minute for 1 hour\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:6: 'Then every reading meets OQ-TEMP-ACC' judges readings, but no earlier step" in result.output
    assert f"{path}:7: " in result.output and "the bench has no instrument 'thermometr'" in result.output


def test_an_outline_is_checked_row_by_row(cli_app, project):
    path = write_feature(project, "Feature: Outline\n\n  @URS-OQ-TEMP-001\n  Scenario Outline: alarms\n"
                                  "    Given the bench is ready\n    Then the alarm <alarm> is annunciated within <c>\n\n"
                                  "    Examples:\n      | alarm | c |\n      | DOOR_OPEN | OQ-ALARM-DOOR-DELAY |\n"
                                  "      | DOOR_OPEN | OQ-NOPE |\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:6: 'Then the alarm DOOR_OPEN is annunciated within OQ-NOPE': criterion OQ-NOPE" in result.output
    assert "OQ-ALARM-DOOR-DELAY" not in result.output


# ------------------------------------------------------------------------- every profile error: file[:line]
BAD_FILES = {
    "control characters": b"version:\x00\x01\x02\n",
    "wrong encoding": b"version: \"\xff\xfe\"\n",
    "wrong type": b"- a list\n- not a mapping\n",
}


@pytest.mark.parametrize("content", sorted(BAD_FILES), ids=lambda c: c.replace(" ", "-"))
@pytest.mark.parametrize("which", ["bench", "acceptance", "urs", "recipe"])
def test_every_profile_error_is_file_line_exit_2_without_traceback(cli_app, project, which, content):
    profiles = project / "profiles"
    args: list[str] = []
    if which == "bench":
        bad = profiles / "benches" / "broken.yaml"
        args = ["--bench", str(bad)]
    elif which == "acceptance":
        bad = profiles / "acceptance" / "more-criteria.yaml"
    elif which == "urs":
        bad = profiles / "urs" / "more-urs.yaml"
    else:
        bad = profiles / "process" / "broken-recipe.yaml"
        write_feature(project, HEAD + '    When the process recipe "broken-recipe" runs, sampled by the thermometer\n')
    bad.write_bytes(BAD_FILES[content])
    result = check(cli_app, *args)
    assert result.exit_code == 2, result.output
    assert f"{bad}:1: " in result.output, result.output


def test_a_step_under_the_wrong_keyword_says_which_keyword_it_has(cli_app, project):
    path = write_feature(project, HEAD + "    When the thermometer is read every 1 minute for 1 hour\n"
                                         "    And every reading meets OQ-TEMP-ACC\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:7: 'And every reading meets OQ-TEMP-ACC' is a Then step, not a When step" in \
        " ".join(result.output.split())


def test_an_unknown_recipe_is_refused_with_the_recipes_known(cli_app, project):
    path = write_feature(project, HEAD + '    When the batch recipe "car-t-15d" runs as run 1\n')
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert f"{path}:6: " in flat and "no recipe 'car-t-15d'" in flat and "car-t-14d" in flat


@pytest.mark.parametrize("content, line, problem", [
    (b"Feature: x\n  Scenario: y\n    Given the bench is r\xe9ady\n", 3, "not a UTF-8 text file"),
    (b"Feature: x\x00\n", 1, "NUL character"),
])
def test_a_feature_file_that_is_not_text_names_its_line(cli_app, project, content, line, problem):
    path = project / "features" / "oq" / "binary.feature"
    path.write_bytes(content)
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: " in result.output and problem in result.output


def test_every_problem_is_listed_in_one_pass(cli_app, project):
    write_feature(project, HEAD + "    Then every reading meet OQ-TEMP-ACC\n", "one.feature")
    write_feature(project, HEAD + "    Then the DO on the ph_do_meter meets 30.0\n", "two.feature")
    result = check(cli_app, str(project / "features" / "oq"))
    assert result.exit_code == 2, result.output
    assert "one.feature:6: " in result.output and "two.feature:6: " in result.output
    assert "2 problems in the protocol; nothing was started" in result.output


def test_weighing_a_pump_line_not_routed_to_the_balance_is_refused_naming_the_line_and_the_routing_step(
        cli_app, project):
    path = write_feature(project, HEAD.replace("TEMP", "PUMP")
                         + "    When the BASE pump delivers 10 mL at 5 mL/min onto the balance 6 times\n"
                           "    Then the systematic flow error meets OQ-PUMP-ACC\n")
    result = check(cli_app, str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:6: 'When the BASE pump delivers" in result.output
    assert "the BASE line is not routed to the balance in this scenario — write 'Given the BASE pump line is " \
           "routed to the balance' before this step" in " ".join(result.output.split())
