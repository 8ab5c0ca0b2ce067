"""evidence.status: each status a reader sees is decided once, from the records alone."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence import status
from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation
from mimedi_qual.evidence.protocol import ProtocolApproval
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import public_key_b64

PROTOCOL_HASH = "a" * 64


@pytest.fixture
def store(tmp_path):
    # validate=False: synthetic records carry only the fields the status rules read
    with EvidenceStore.create(tmp_path / "c", validate=False) as s:
        yield s


def approval(role: str, protocol_hash: str = PROTOCOL_HASH, forge: bool = False) -> dict:
    key = Ed25519PrivateKey.generate()
    fields = dict(protocol_id="MQ-1", protocol_version="0.1", protocol_hash=protocol_hash, user_id="adam",
                  printed_name="Adam Approver", role=role, meaning="approved for execution",
                  signed_utc="2026-12-01T10:00:00Z", public_key_ed25519=public_key_b64(key.public_key()),
                  signature_ed25519="")
    unsigned = ProtocolApproval(**fields)
    signature = key.sign(unsigned.manifest() + (b"x" if forge else b""))
    return ProtocolApproval(**{**fields, "signature_ed25519": base64.b64encode(signature).decode()}).to_payload()


def start(store, simulated: bool = True) -> None:
    store.append("campaign_started", {"campaign_id": "c", "bench_simulated": simulated, "protocol_hash": PROTOCOL_HASH})


def test_protocol_is_approved_only_by_a_valid_approver_signature_of_the_executed_hash(store):
    start(store)
    store.append("protocol", {"protocol_hash": PROTOCOL_HASH, "approvals": [approval("reviewer")]})
    assert not status.protocol_status(store.records()).approved  # a reviewer does not approve
    store.append("protocol", {"protocol_hash": PROTOCOL_HASH, "approvals": [approval("approver", forge=True)]})
    assert not status.protocol_status(store.records()).approved  # a forged signature does not
    store.append("protocol", {"protocol_hash": PROTOCOL_HASH, "approvals": [approval("approver", "b" * 64)]})
    found = status.protocol_status(store.records())
    assert not found.approved and found.approvals[0][1] is False  # another protocol's approval does not
    store.append("protocol", {"protocol_hash": PROTOCOL_HASH, "approvals": [approval("approver")]})
    assert status.protocol_status(store.records()).approved
    assert status.UNAPPROVED_NOTICE not in status.notices(store.records())


def test_a_changed_protocol_is_a_notice(store):
    start(store)
    store.append("protocol", {"protocol_hash": "c" * 64, "approvals": []})
    assert status.protocol_status(store.records()).changed
    assert status.PROTOCOL_CHANGED_NOTICE in status.notices(store.records())


def test_simulated_real_and_unknown_bench(store):
    assert status.is_simulated(store.records())  # no campaign_started: never presented as real
    assert status.UNKNOWN_BENCH_NOTICE in status.notices(store.records())
    start(store, simulated=False)
    assert not status.is_simulated(store.records())
    assert status.SIMULATED_NOTICE not in status.notices(store.records())


def test_release_decision_needs_scenarios_all_passed_and_no_deviation(store):
    start(store)
    nothing = status.release_decision(store.records())
    assert not nothing.criteria_met and "No scenario" in nothing.conclusion
    store.append("scenario", {"scenario": "s", "status": "passed"})
    store.append("measurement", {"criterion_id": "X", "verdict": "pass"})
    ok = status.release_decision(store.records())
    assert ok.criteria_met and ok.criteria_total == 1 and ok.recommendation.startswith("Release")
    record_deviation(store, DeviationCategory.EXECUTION_ERROR, description="d", expected="e", actual="a", impact="i")
    dev = status.release_decision(store.records())
    assert not dev.criteria_met and dev.deviations == 1 and dev.recommendation.startswith("Do not release")


def test_incomplete_until_finished(store):
    start(store)
    assert status.INCOMPLETE_NOTICE in status.notices(store.records())
    store.append("campaign_finished", status.release_decision(store.records()).as_payload())
    assert status.INCOMPLETE_NOTICE not in status.notices(store.records())


def test_complete_only_when_finished_not_interrupted_and_every_selected_scenario_ran(store):
    start(store)
    assert not status.completion(store.records()).complete
    store.append("campaign_finished", {"verdict": "aborted"})
    done = status.completion(store.records())
    assert not done.complete and done.interrupted
    store.append("campaign_finished", {"verdict": "criteria_met", "scenarios_selected": 73, "scenarios_run": 51})
    assert status.completion(store.records()).reason == "only 51 of 73 selected scenarios ran"
    store.append("campaign_finished", {"verdict": "criteria_met", "scenarios_selected": 73, "scenarios_run": 73})
    assert status.completion(store.records()).complete
    store.append("interruption", {"last_seq_before": 1})
    assert status.completion(store.records()).interrupted


def test_release_blockers_name_what_forbids_and_what_conditions_a_release(store):
    start(store)  # simulated, unapproved, unfinished
    store.append("protocol", {"protocol_hash": PROTOCOL_HASH, "approvals": []})
    store.append("measurement", {"criterion_id": "OQ-TEMP-ACC", "verdict": "fail"})
    store.append("measurement", {"criterion_id": "OQ-TEMP-ACC", "verdict": "fail"})
    record_deviation(store, DeviationCategory.CRITERION_NOT_MET, description="d", expected="e", actual="a", impact="i")
    blockers = status.release_blockers(store.records())
    assert [code for code, _message in blockers.absolute] == ["not_finished", "protocol_not_approved", "dry_run"]
    assert blockers.acceptable == ["OQ-TEMP-ACC", "DEV-001"]


def test_a_dry_run_is_what_the_record_says_else_the_simulated_bench(store):
    store.append("campaign_started", {"campaign_id": "c", "bench_simulated": False, "dry_run": True})
    assert status.is_dry_run(store.records())


def test_no_release_statement_without_a_release_signature(store):
    start(store)
    assert status.stage_release(store.records()).statement == "Not released: no approver has signed a release decision."


def test_a_record_that_does_not_verify_is_the_first_notice(store):
    start(store)
    assert not any("NOT INTACT" in n for n in status.notices(store.records(), integrity_problems=[]))
    first = status.notices(store.records(), integrity_problems=["altered: raw/ab.csv: content hash …", "x"])[0]
    assert first.startswith("RECORD NOT INTACT — mimedi-qual verify finds 2 problem(s) (first: altered: raw/ab.csv")
