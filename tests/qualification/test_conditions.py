"""Bench conditions in the protocol preflight: a gravimetric step on a pump line not routed to the balance.

Before the routing step and its declaration, the preflight passed a scenario
weighing the FEED line without routing it; on the bench it came out ≈ −100 %
flow error, an ordinary deviation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.plugin.vocabulary import step_definitions
from mimedi_qual.profiles import load_acceptance
from mimedi_qual.qualification.protocol_check import check_protocol

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT / "profiles" / "acceptance" / "criteria.yaml"
WEIGH = ("    When the {pump} pump delivers 10 mL at 5 mL/min onto the balance 6 times\n"
         "    Then the systematic flow error meets OQ-PUMP-ACC\n")


@pytest.fixture(scope="module")
def vocabulary():
    return step_definitions()


def findings_of(tmp_path: Path, vocabulary, body: str) -> list[str]:
    path = tmp_path / "pumps.feature"
    path.write_text("Feature: Pumps\n\n" + body, encoding="utf-8")
    return [str(f) for f in check_protocol([path], vocabulary, load_acceptance(ACCEPTANCE))]


def test_weighing_a_line_never_routed_is_refused_with_file_line_and_the_routing_phrase(tmp_path, vocabulary):
    found = findings_of(tmp_path, vocabulary, "  @URS-OQ-PUMP-001\n  Scenario: feed\n    Given the bench is ready\n"
                        + WEIGH.format(pump="FEED"))
    assert found == [f"{tmp_path / 'pumps.feature'}:6: 'When the FEED pump delivers 10 mL at 5 mL/min onto the "
                     "balance 6 times': the FEED line is not routed to the balance in this scenario — write "
                     "'Given the FEED pump line is routed to the balance' before this step (or in the Background)"]


def test_a_routed_line_and_the_harvest_line_pass(tmp_path, vocabulary):
    body = ("  Scenario: feed\n    Given the bench is ready\n    And the FEED pump line is routed to the balance\n"
            + WEIGH.format(pump="FEED") + "\n  Scenario: harvest\n    Given the bench is ready\n"
            + WEIGH.format(pump="HARVEST"))
    assert findings_of(tmp_path, vocabulary, body) == []


def test_a_routing_in_the_background_holds_for_every_scenario_and_one_scenarios_routing_not_for_the_next(
        tmp_path, vocabulary):
    body = ("  Background:\n    Given the BASE pump line is routed to the balance\n\n"
            "  Scenario: base\n    Given the bench is ready\n" + WEIGH.format(pump="BASE")
            + "\n  Scenario: perfusion routed\n    Given the PERFUSION pump line is routed to the balance\n"
            + WEIGH.format(pump="PERFUSION")
            + "\n  Scenario: perfusion again\n    Given the bench is ready\n" + WEIGH.format(pump="PERFUSION"))
    found = findings_of(tmp_path, vocabulary, body)
    assert len(found) == 1 and ":18: 'When the PERFUSION pump delivers" in found[0]


def test_routing_after_the_weighing_is_too_late(tmp_path, vocabulary):
    body = ("  Scenario: late\n    Given the bench is ready\n" + WEIGH.format(pump="FEED")
            + "    Given the FEED pump line is routed to the balance\n")
    assert len(findings_of(tmp_path, vocabulary, body)) == 1
