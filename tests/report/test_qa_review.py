"""report.html's QA section, read from the record: deviations with closure, signatures and approval, failures
as criterion / expected / actual / instrument, URS text inline, one definition of the scenario count."""

from __future__ import annotations

import doctest
import html
import re
from pathlib import Path

import pytest

import mimedi_qual.report.qa_review
from mimedi_qual.evidence.deviations import close_deviation
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.status import DRAFT_NOTICE, SIMULATED_NOTICE, UNAPPROVED_NOTICE
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.report.qa_review import END_MARKER, START_MARKER, qa_review, qa_review_html, scenario_counts

PASSWORD = "correct horse battery"


def text_of(section: str) -> str:
    """The section as a reader sees it: tags and the style sheet dropped, one table row a line, cells
    separated by ' | ', lines inside a cell by ' / '."""
    section = re.sub(r"<style>.*?</style>", "", section, flags=re.S)
    section = re.sub(r"</t[dh]>", " | ", section)
    section = re.sub(r"<(br|hr)\b[^>]*>", " / ", section)
    section = re.sub(r"<(tr|h2|p)\b[^>]*>", "\n", section)
    return html.unescape(re.sub(r"<[^>]+>", "", section))


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> tuple[UserRegistry, Path]:
    root = tmp_path_factory.mktemp("users")
    create_user(root / "users.yaml", root / "keys", user_id="adm.one", printed_name="Ada Admin",
                roles=[Role.ADMIN], password=PASSWORD)
    for user_id, name, role in [("rev.one", "Robin Reviewer", Role.REVIEWER),
                                ("appr.one", "Alex Approver", Role.APPROVER),
                                ("exec.ops", "Erin Executor", Role.EXECUTOR)]:
        create_user(root / "users.yaml", root / "keys", user_id=user_id, printed_name=name, roles=[role],
                    password=PASSWORD, by="adm.one", by_password=PASSWORD)
    return UserRegistry.load(root / "users.yaml"), root / "keys"


@pytest.fixture
def failing(tmp_path: Path) -> EvidenceStore:
    store = write_example_campaign(tmp_path / "C-FAIL")
    yield store
    store.close()


def test_docstring_examples() -> None:
    result = doctest.testmod(mimedi_qual.report.qa_review)
    assert result.attempted > 0 and result.failed == 0


def test_deviations_show_id_category_impact_and_open(failing: EvidenceStore) -> None:
    text = text_of(qa_review_html(failing.records()))
    row = next(line for line in text.splitlines() if line.startswith("DEV-001 |"))
    assert "criterion_not_met" in row and "OQ temperature accuracy not shown" in row and "OPEN" in row
    assert "1 deviation(s) (1 open)" in text


def test_a_closed_deviation_shows_who_when_root_cause_and_action(failing: EvidenceStore, signers) -> None:
    registry, keys = signers
    closure = close_deviation(failing, registry, keys, "DEV-001", user_id="rev.one", password=PASSWORD,
                              role="reviewer", root_cause="thermometer probe outside the bag",
                              action="probe re-seated", product_impact="none", quality_impact="minor",
                              impact_assessment="OQ, no product", capa="CAPA-2026-017")
    text = text_of(qa_review_html(failing.records()))
    assert "CLOSED" in text and "OPEN" not in text
    for shown in (f"closed {closure.utc} by Robin Reviewer (rev.one, reviewer) — signature valid",
                  "root cause: thermometer probe outside the bag", "action: probe re-seated", "CAPA: CAPA-2026-017",
                  "product impact: none", "quality impact: minor", "impact assessment: OQ, no product"):
        assert shown in text
    assert "(0 open)" in text


def test_failures_are_criterion_expected_actual_instrument_not_python_reprs(failing: EvidenceStore) -> None:
    review = qa_review(failing.records())
    [row] = review.not_met
    assert (row.criterion, row.expected, row.instrument, row.deviation) == (
        "OQ-TEMP-ACC", "37.0 ± 0.5 °C (36.5 … 37.5 °C)", "ref-thermometer", "DEV-001")
    assert row.actual == "max of 3 readings = 37.90 °C"  # result_text: statistic, value at the resolution
    section = qa_review_html(failing.records())
    assert "Measurement(" not in section and "AssertionError" not in section
    text = text_of(section)
    assert "OQ-TEMP-ACC" in text and "| 37.0 ± 0.5 °C (36.5 … 37.5 °C) | max of 3 readings = 37.90 °C" in text


def test_unsigned_campaign_is_a_draft_with_the_pdf_notices(failing: EvidenceStore) -> None:
    text = text_of(qa_review_html(failing.records()))
    for notice in (SIMULATED_NOTICE, UNAPPROVED_NOTICE, DRAFT_NOTICE):
        assert notice in text
    assert "No signature yet: this report is a draft." in text
    assert "executor's recommendation | Do not release" in text and "Not released: no approver" in text


def test_signatures_and_approval_status_come_from_the_record(tmp_path: Path, signers) -> None:
    registry, keys = signers
    from mimedi_qual.evidence.example_campaign import EXAMPLE_PROTOCOL_HASH
    from mimedi_qual.evidence.protocol import approve_protocol

    approval = approve_protocol(registry, keys, user_id="appr.one", password=PASSWORD, protocol_id="MQ-OQ-001",
                                protocol_version="1.0", protocol_hash_hex=EXAMPLE_PROTOCOL_HASH)
    # a campaign an approver can release: real bench, executor signed its start, approved protocol, all met
    store = write_example_campaign(tmp_path / "C-PASS", failing=False, simulated=False,
                                   protocol_approvals=[approval.to_payload()],
                                   executor_key=registry.unlock("exec.ops", PASSWORD, keys))
    sign_campaign(store, registry, keys, user_id="rev.one", password=PASSWORD, role=Role.REVIEWER,
                  meaning="reviewed")
    before = text_of(qa_review_html(store.records()))
    assert "not approved by signature (draft)" in before
    assert "Robin Reviewer (rev.one) | reviewer | reviewed: record complete and accurate" in before
    sign_campaign(store, registry, keys, user_id="appr.one", password=PASSWORD, role=Role.APPROVER,
                  meaning="approved-pq")
    after = text_of(qa_review_html(store.records()))
    store.close()
    assert "Alex Approver (appr.one) | approver | approved — release to PQ | released to PQ |" in after
    assert "stage release | Released to PQ by Alex Approver (approver)" in after
    assert after.count("VALID") == 2 and "INVALID" not in after
    assert "approval by signature | approved by signature" in after and DRAFT_NOTICE not in after


def test_requirements_carry_their_text_inline_not_a_link_into_the_source_tree(failing: EvidenceStore) -> None:
    failing.append("protocol", {"protocol_id": "MQ-OQ-001", "version": "1.0", "protocol_hash": "5" * 64,
                                "requirements": [{"id": "URS-TEMP-001", "risk": "high",
                                                  "text": "The vessel is held at 37.0 °C within ±0.5 °C."}]})
    section = qa_review_html(failing.records())
    text = text_of(section)
    assert "URS-TEMP-001 | The vessel is held at 37.0 °C within ±0.5 °C. | high |" in text
    assert "profiles/urs" not in section and "href" not in section


def test_the_section_is_static_and_lays_out_above_allure_never_over_it(failing: EvidenceStore) -> None:
    section = qa_review_html(failing.records())
    assert section.startswith(START_MARKER) and section.endswith(END_MARKER)
    assert "<script" not in section.lower()
    # The old banner was position:fixed over Allure's page titles; the section takes its own room.
    assert "position:fixed" not in section.replace(" ", "")
    assert "body{display:flex;flex-direction:column" in section.replace(" ", "")


def _scenario(feature: str, name: str, status: str, urs: list[str], nodeid: str) -> dict:
    return {"feature": feature, "scenario": name, "urs": urs, "status": status, "duration_s": 0.1, "nodeid": nodeid}


def test_one_count_teardown_records_and_behaviors_entries_labelled(tmp_path: Path) -> None:
    """A teardown record is not another scenario; two URS tags make two Behaviors entries, one scenario."""
    store = EvidenceStore.create(tmp_path / "C")
    store.append("scenario", _scenario("features/iq/a.feature", "A", "passed", ["URS-IQ-001"], "a::A"))
    store.append("scenario", _scenario("features/pq/b.feature", "B", "passed", ["URS-PQ-002", "URS-PQ-004"], "b::B"))
    store.append("scenario", _scenario("features/pq/b.feature", "B", "broken", ["URS-PQ-002", "URS-PQ-004"], "b::B"))
    counts = scenario_counts(store.records())
    store.close()
    assert (counts.scenarios, counts.passed, counts.teardown_records, counts.behaviors_entries) == (2, 1, 1, 3)
    assert counts.by_stage == {"IQ": 1, "PQ": 1}
    text = counts.text()
    assert text.startswith("2 scenarios (IQ 1, PQ 1): 1 passed, 1 not passed")
    assert "1 teardown record(s)" in text and "Behaviors tab lists 3 entries" in text


def test_release_statement_blockers_executor_and_integrity_as_the_pdf_says_them(failing: EvidenceStore) -> None:
    from mimedi_qual.evidence import status
    from mimedi_qual.evidence.verify import Problem

    records = failing.records()
    text = text_of(qa_review_html(records))
    assert f"stage release | {status.stage_release(records).statement}" in text
    assert "criteria not met: OQ-TEMP-ACC / open deviations: DEV-001" in text
    assert "DRY RUN: no registered executor signed the campaign's start" in text
    assert "record integrity | not checked" in text
    problem = Problem("altered", "raw/0123.csv", "content does not match its recorded hash")
    tampered = text_of(qa_review_html(records, integrity_problems=[problem]))
    assert tampered.lstrip().startswith(status.integrity_notice([problem]))
    assert "RECORD NOT INTACT · QA review" in tampered and "NOT INTACT — 1 problem(s)" in tampered
