"""Deviations: numbered in order, never edited; closed (and re-opened) only by a signed, complete, authorised act."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mimedi_qual.evidence.deviations import (
    DeviationActRefused,
    DeviationCategory,
    close_deviation,
    deviations,
    record_deviation,
    reopen_deviation,
)
from mimedi_qual.evidence.manifest import act_manifest, seal
from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, record_hash
from mimedi_qual.evidence.verify import verify_campaign

PASSWORD = "correct horse battery"  # the conftest `signers` fixture's password
CLOSURE = dict(root_cause="reference probe touched the heater jacket", action="probe holder replaced; hold re-run",
               product_impact="none", quality_impact="minor",
               impact_assessment="OQ on a water fill: no product exposed; the re-run hold met OQ-TEMP-ACC",
               capa="CAPA-2026-014")


def _close(store: EvidenceStore, signers, user: str = "rev.one", role: str = "reviewer", password: str = PASSWORD,
           deviation_id: str = "DEV-001", **changes):
    return close_deviation(store, signers.registry, signers.keys_dir, deviation_id, user_id=user, password=password,
                           role=role, **{**CLOSURE, **changes})


def _reopen(store: EvidenceStore, signers, user: str = "qa.both", role: str = "approver",
            reason: str = "the re-run hold was on the wrong fill volume", password: str = PASSWORD):
    return reopen_deviation(store, signers.registry, signers.keys_dir, "DEV-001", user_id=user, password=password,
                            role=role, reason=reason)


def _refused(store: EvidenceStore, act, event: str = "deviation_closure_refused") -> DeviationActRefused:
    """Run ``act``; it must be refused, leave exactly one audit event naming who/what/why, and sign nothing."""
    before = len(store)
    with pytest.raises(DeviationActRefused) as refused:
        act()
    added = store.records()[before:]
    assert [r.kind for r in added] == ["audit_event"], "a refusal leaves exactly one audit event"
    audit = added[0].payload
    assert audit["event"] == event and audit["reason_code"] == refused.value.reason_code
    assert audit["deviation_id"] == "DEV-001" and audit["detail"].startswith("DEV-001: ")
    return refused.value


def test_ids_and_categories(tmp_path: Path) -> None:
    with EvidenceStore.create(tmp_path / "c") as store:
        first = record_deviation(store, "instrument_fault", description="Thermometer answered -113",
                                 expected="a temperature", actual='-113,"Undefined header"',
                                 impact="OQ-TEMP-ACC not measured", scenario="hold", urs=["URS-TEMP-001"])
        second = record_deviation(store, DeviationCategory.CRITERION_NOT_MET, description="37.9 °C",
                                  expected="36.5–37.5 °C", actual="37.9 °C", impact="criterion not met")
        assert (first.id, second.id) == ("DEV-001", "DEV-002")
        assert first.category is DeviationCategory.INSTRUMENT_FAULT and first.urs == ("URS-TEMP-001",)
        with pytest.raises(ValueError):
            record_deviation(store, "not_a_category", description="x", expected="", actual="", impact="")
        assert [(d.id, d.is_closed, d.history) for d in deviations(store)] == [("DEV-001", False, ()),
                                                                              ("DEV-002", False, ())]


def test_a_reviewer_closes_with_a_signature_root_cause_impact_and_capa(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        record = _close(store, signers)
        (dev,) = deviations(store)
        kinds = [r.kind for r in store.records()]
    p = record.payload
    assert (p["user_id"], p["printed_name"], p["role"], p["deviation_id"]) == (
        "rev.one", "Robin Reviewer", "reviewer", "DEV-001")
    assert p["impact"] == {"product": "none", "quality": "minor", "assessment": CLOSURE["impact_assessment"]}
    assert p["capa"] == "CAPA-2026-014" and p["signed_utc"].endswith("Z") and p["signature_ed25519"]
    assert dev.is_closed and dev.closed_by == "rev.one" and dev.root_cause == CLOSURE["root_cause"]
    (event,) = dev.history
    assert event.kind == "closed" and event.signature_valid and event.capa == "CAPA-2026-014"
    # the deviation record itself is untouched: the closure is a record of its own
    assert kinds.count("deviation") == 1 and kinds[-1] == "deviation_closure"
    report = verify_campaign(campaign_dir, signers.registry)
    assert report.ok, report.problems


def test_closure_without_a_capa_says_why(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        closure = _close(store, signers, capa="none — a one-off handling error, covered by the probe-holder change")
        (dev,) = deviations(store)
    assert closure.payload["capa"].startswith("none — a one-off") and dev.capa == closure.payload["capa"]


def test_unknown_user_is_refused_and_audited(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refused(store, lambda: _close(store, signers, user="nobody")).reason_code == "unknown_user"
        assert not store.records(kind="deviation_closure")


def test_the_executor_cannot_close_a_deviation_of_their_campaign(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        # exec.ops executed the example campaign and holds the reviewer role too
        refused = _refused(store, lambda: _close(store, signers, user="exec.ops"))
    assert refused.reason_code == "executor_cannot_close" and "executed this campaign" in str(refused)


@pytest.mark.parametrize("role, code", [("executor", "role_may_not_close"), ("approver", "role_not_held")])
def test_a_role_that_may_not_close_or_is_not_held_is_refused(campaign_dir: Path, signers, role, code) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refused(store, lambda: _close(store, signers, role=role)).reason_code == code


@pytest.mark.parametrize("changes, words", [
    ({"root_cause": "  "}, "root cause"),
    ({"action": ""}, "corrective action"),
    ({"impact_assessment": ""}, "impact assessment"),
    ({"capa": ""}, "CAPA reference"),
    ({"capa": "see Bob"}, "CAPA-<year>-<number>"),
    ({"capa": "none"}, "CAPA-<year>-<number>"),
    ({"product_impact": "huge"}, "product impact 'huge'"),
])
def test_an_incomplete_closure_is_refused_and_audited(campaign_dir: Path, signers, changes, words) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        refused = _refused(store, lambda: _close(store, signers, **changes))
        assert not store.records(kind="deviation_closure")
    assert refused.reason_code == "incomplete" and words in str(refused)


def test_wrong_passwords_are_audited_then_lock_the_user_out(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        for _ in range(3):
            assert _refused(store, lambda: _close(store, signers, password="not the password")).reason_code == \
                "wrong_password"
        assert _refused(store, lambda: _close(store, signers)).reason_code == "locked"


def test_one_closure_then_reopen_is_its_own_signed_record_then_a_new_closure(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refused(store, lambda: _reopen(store, signers), "deviation_reopen_refused").reason_code == "not_closed"
        _close(store, signers)
        refused = _refused(store, lambda: _close(store, signers, user="qa.both", role="approver"))
        assert refused.reason_code == "already_closed" and "re-open it first" in str(refused)
        assert _refused(store, lambda: _reopen(store, signers, reason=" "), "deviation_reopen_refused").reason_code \
            == "incomplete"
        reopened = _reopen(store, signers)
        (dev,) = deviations(store)
        assert not dev.is_closed and dev.root_cause == ""  # re-opened: open again
        _close(store, signers, user="qa.both", role="approver", root_cause="fill volume 20 % low",
               capa="CAPA-2026-015")
        (dev,) = deviations(store)
    assert reopened.kind == "deviation_reopened" and reopened.payload["reason"].startswith("the re-run")
    assert [(e.kind, e.user_id, e.signature_valid) for e in dev.history] == [
        ("closed", "rev.one", True), ("reopened", "qa.both", True), ("closed", "qa.both", True)]
    assert dev.is_closed and dev.capa == "CAPA-2026-015" and dev.closed_by == "qa.both"
    assert "re-opened" in dev.history[1].describe() and "CAPA: CAPA-2026-014" in dev.history[0].describe()
    report = verify_campaign(campaign_dir, signers.registry)
    assert report.ok, report.problems


def test_an_unknown_deviation_is_a_usage_error_and_records_nothing(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        before = len(store)
        with pytest.raises(EvidenceStoreError, match="no deviation DEV-009 in this campaign"):
            _close(store, signers, deviation_id="DEV-009")
        assert len(store) == before


# -- verify checks closures like signatures ------------------------------------------------------------


def _rechain(campaign: Path, change_seq: int, change) -> None:
    """A forger who edits one record and recomputes every hash from it on."""
    db = sqlite3.connect(campaign / "evidence.sqlite")
    db.execute("DROP TRIGGER records_refuse_update")
    rows = db.execute("SELECT seq, kind, utc, payload, prev_hash FROM records ORDER BY seq").fetchall()
    prev = None
    for seq, kind, utc, payload_json, prev_hash in rows:
        payload = json.loads(payload_json)
        if seq == change_seq:
            change(payload)
        prev_hash = prev or prev_hash
        digest = record_hash(seq, kind, utc, payload, prev_hash)
        db.execute("UPDATE records SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                   (json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                    prev_hash, digest, seq))
        prev = digest
    db.commit()
    db.close()


def test_verify_names_a_closure_whose_root_cause_was_changed(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        closure = _close(store, signers)
    _rechain(campaign_dir, closure.seq, lambda p: p.update(root_cause="cosmic rays"))
    report = verify_campaign(campaign_dir, signers.registry)
    assert [(p.category, p.item, p.detail) for p in report.problems] == [
        ("altered", f"closure of DEV-001 in record #{closure.seq} (rev.one)",
         "Ed25519 signature does not verify over its manifest")]


def test_verify_names_unsigned_duplicate_and_executor_closures(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        unsigned = store.append("deviation_closure", {"deviation_id": "DEV-001", "root_cause": "x", "action": "y",
                                                      "closed_by": "exec.ops"})
        # a signed closure by the executor, with their registered key, written behind sign's back
        records = store.records()
        deviation = store.records(kind="deviation")[0]
        payload = {"campaign_id": "C-EXAMPLE-0001", "deviation_id": "DEV-001", "deviation_seq": deviation.seq,
                   "deviation_hash": deviation.hash, "user_id": "exec.ops", "printed_name": "Erin Executor",
                   "role": "reviewer", "meaning": "closed", "signed_utc": "2026-12-02T10:00:00Z",
                   "signed_head_seq": records[-1].seq, "signed_head_hash": records[-1].hash, **CLOSURE}
        key = signers.registry.unlock("exec.ops", PASSWORD, signers.keys_dir)
        by_executor = store.append("deviation_closure", seal(payload, key, act_manifest))
    problems = {(p.item, p.detail) for p in verify_campaign(campaign_dir, signers.registry).problems}
    assert (f"closure of DEV-001 in record #{unsigned.seq} (exec.ops)",
            "not signed: a deviation is closed or re-opened by an electronic signature") in problems
    assert (f"closure of DEV-001 in record #{by_executor.seq} (exec.ops)",
            "signed by an executor of the campaign") in problems
    assert (f"closure of DEV-001 in record #{by_executor.seq} (exec.ops)",
            "DEV-001 was already closed: one closure until it is re-opened") in problems
