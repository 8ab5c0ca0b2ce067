"""Electronic signatures: role rules, passwords, audit trail, tamper evidence, protocol approval."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence import status
from mimedi_qual.evidence.example_campaign import EXAMPLE_PROTOCOL_HASH, write_example_campaign
from mimedi_qual.evidence.protocol import (
    approve_protocol,
    check_protocol_approval,
    protocol_hash,
    protocol_manifest,
)
from mimedi_qual.evidence.signatures import (
    MAX_FAILED_ATTEMPTS,
    SignatureRefused,
    sign_campaign,
    signature_manifest,
)
from mimedi_qual.evidence.store import EvidenceStore, canonical_json, record_hash
from mimedi_qual.evidence.users import (
    Role,
    UserError,
    WrongPasswordError,
    create_user,
    public_key_b64,
    verify_ed25519,
)
from mimedi_qual.evidence.verify import verify_campaign

PASSWORD = "correct horse battery"  # the conftest `signers` fixture's password


#: a meaning each role may always sign with (an approver's rejection needs no release conditions)
PLAIN_MEANING = {Role.EXECUTOR: "executed", Role.REVIEWER: "reviewed", Role.APPROVER: "rejected"}


def _sign(store: EvidenceStore, signers, user_id: str, role: Role, meaning: str | None = None,
          password: str = PASSWORD, **release):
    return sign_campaign(store, signers.registry, signers.keys_dir, user_id=user_id, password=password,
                         role=role, meaning=meaning or PLAIN_MEANING[role], **release)


def _refusal(store: EvidenceStore, signers, user_id: str, role: Role, password: str = PASSWORD,
             meaning: str | None = None, **release) -> str:
    before = len(store)
    with pytest.raises(SignatureRefused) as refused:
        _sign(store, signers, user_id, role, meaning, password=password, **release)
    audit = store.records()[before:]
    assert [r.kind for r in audit] == ["audit_event"], "a refusal must leave exactly one audit event"
    assert audit[0].payload["event"] == "signature_refused"
    assert audit[0].payload["user_id"] == user_id
    assert audit[0].payload["reason_code"] == refused.value.reason_code
    assert not store.records(kind="signature")[len(store.records(kind="signature")):]
    return refused.value.reason_code


def test_review_then_approval_signs_the_head_and_verifies(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        head = store.head
        review = _sign(store, signers, "rev.one", Role.REVIEWER, "reviewed")
        approval = _sign(store, signers, "appr.one", Role.APPROVER, "rejected")
    p = review.payload
    assert (p["user_id"], p["printed_name"], p["role"], p["meaning"], p["meaning_id"]) == (
        "rev.one", "Robin Reviewer", "reviewer", "reviewed: record complete and accurate", "reviewed")
    assert p["signed_head_seq"] == head.seq and p["signed_head_hash"] == head.hash
    assert p["signed_utc"].endswith("Z")
    assert approval.payload["signed_head_hash"] == review.hash  # approval covers the review
    assert verify_ed25519(p["public_key_ed25519"], p["signature_ed25519"], signature_manifest(p))
    report = verify_campaign(campaign_dir, signers.registry)
    assert report.ok, report.problems
    assert report.signatures_checked == 2


def test_executor_cannot_review_or_approve_own_campaign(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        # exec.ops executed the example campaign and holds the reviewer role too
        assert _refusal(store, signers, "exec.ops", Role.REVIEWER) == "executor_cannot_sign_role"


def test_executor_may_sign_as_executor_only_for_own_campaign(
    executed_dir: Path, signers, tmp_path: Path
) -> None:
    with EvidenceStore.open(executed_dir) as store:
        executed = _sign(store, signers, "exec.ops", Role.EXECUTOR)
        assert executed.payload["role"] == "executor"
    other = tmp_path / "someone-elses-campaign"
    write_example_campaign(other, executor_user_id="op.other", executor_printed_name="Other Operator").close()
    with EvidenceStore.open(other) as store:
        assert _refusal(store, signers, "exec.ops", Role.EXECUTOR) == "not_executor"
        # ...but exec.ops may review it: they did not execute it
        _sign(store, signers, "exec.ops", Role.REVIEWER)


def test_same_person_cannot_sign_two_roles(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        _sign(store, signers, "qa.both", Role.REVIEWER)
        assert _refusal(store, signers, "qa.both", Role.APPROVER) == "second_role"
        assert _refusal(store, signers, "qa.both", Role.REVIEWER) == "already_signed"


def test_approval_needs_a_review_first(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refusal(store, signers, "appr.one", Role.APPROVER) == "not_reviewed"


def test_role_not_held_is_refused(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refusal(store, signers, "rev.one", Role.APPROVER) == "role_not_held"


def test_unknown_user_is_refused(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refusal(store, signers, "nobody", Role.REVIEWER) == "unknown_user"


def test_wrong_password_is_refused_and_audited_then_locks(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        for _ in range(MAX_FAILED_ATTEMPTS):
            assert _refusal(store, signers, "rev.one", Role.REVIEWER, password="wrong password") == "wrong_password"
        assert not store.records(kind="signature")
        # even the right password no longer works on this campaign
        assert _refusal(store, signers, "rev.one", Role.REVIEWER) == "locked"
        audit = store.records(kind="audit_event")
        assert len(audit) == MAX_FAILED_ATTEMPTS + 1
        assert "wrong password" in audit[0].payload["detail"]
    assert verify_campaign(campaign_dir, signers.registry).ok  # audit events are part of the chain


def test_unlock_wrong_password_raises(signers) -> None:
    with pytest.raises(WrongPasswordError):
        signers.registry.unlock("rev.one", "not the password", signers.keys_dir)
    assert signers.registry.unlock("rev.one", PASSWORD, signers.keys_dir) is not None


def test_private_key_file_is_encrypted_and_private(signers) -> None:
    path = signers.keys_dir / "rev.one.pem"
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert path.stat().st_mode & 0o077 == 0


def test_create_user_refuses_duplicates_and_weak_passwords(signers) -> None:
    with pytest.raises(UserError, match="is taken"):
        create_user(signers.registry_path, signers.keys_dir, user_id="rev.one", printed_name="X",
                    roles=[Role.REVIEWER], password=PASSWORD, by="adm.one", by_password=PASSWORD)
    with pytest.raises(UserError, match="at least"):
        create_user(signers.registry_path, signers.keys_dir, user_id="new.user", printed_name="X",
                    roles=[Role.REVIEWER], password="short")


def _rewrite_signature_and_rechain(campaign: Path, seq: int, change) -> None:
    """A forger who edits a signature record and recomputes every hash after it."""
    db = sqlite3.connect(campaign / "evidence.sqlite")
    db.execute("DROP TRIGGER IF EXISTS records_refuse_update")
    rows = db.execute("SELECT seq, kind, utc, payload, prev_hash FROM records ORDER BY seq").fetchall()
    prev = None
    for row_seq, kind, utc, payload_json, prev_hash in rows:
        payload = json.loads(payload_json)
        if row_seq == seq:
            change(payload)
        if prev is not None:
            prev_hash = prev
        digest = record_hash(row_seq, kind, utc, payload, prev_hash)
        db.execute("UPDATE records SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                   (json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                    prev_hash, digest, row_seq))
        prev = digest
    db.commit()
    db.close()


def test_one_byte_changed_in_a_signature_is_named(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        review = _sign(store, signers, "rev.one", Role.REVIEWER)

    def flip(payload: dict) -> None:
        raw = bytearray(base64.b64decode(payload["signature_ed25519"]))
        raw[0] ^= 0x01
        payload["signature_ed25519"] = base64.b64encode(bytes(raw)).decode()

    _rewrite_signature_and_rechain(campaign_dir, review.seq, flip)
    report = verify_campaign(campaign_dir, signers.registry)
    # the chain was rebuilt, so only the signature check can catch it — and it must
    assert [(p.category, p.item) for p in report.problems] == [
        ("altered", f"signature record #{review.seq} (Robin Reviewer, reviewer)")
    ]


def test_changed_meaning_breaks_the_signature(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        review = _sign(store, signers, "rev.one", Role.REVIEWER, "reviewed")
    _rewrite_signature_and_rechain(campaign_dir, review.seq, lambda p: p.update(meaning="approved"))
    report = verify_campaign(campaign_dir, signers.registry)
    assert any("does not verify" in p.detail for p in report.problems)
    # the release decision is signed too: upgrading it breaks the signature
    _rewrite_signature_and_rechain(campaign_dir, review.seq,
                                   lambda p: p.update(meaning="reviewed: record complete and accurate",
                                                      release={**p["release"], "decision": "released"}))
    report = verify_campaign(campaign_dir, signers.registry)
    assert any("does not verify" in p.detail for p in report.problems)


def test_forged_signature_with_an_unregistered_key_is_named(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        review = _sign(store, signers, "rev.one", Role.REVIEWER)
    forger = Ed25519PrivateKey.generate()

    def forge(payload: dict) -> None:
        payload["public_key_ed25519"] = public_key_b64(forger.public_key())
        payload["signature_ed25519"] = base64.b64encode(forger.sign(signature_manifest(payload))).decode()

    _rewrite_signature_and_rechain(campaign_dir, review.seq, forge)
    report = verify_campaign(campaign_dir, signers.registry)
    assert [p.detail for p in report.problems] == [
        "signed with a key that is not the one registered for 'rev.one'"
    ]
    # Without a registry the forgery cannot be told from a signature: verify fails closed.
    unchecked = verify_campaign(campaign_dir)
    assert [(p.category, p.item) for p in unchecked.problems] == [("unverifiable", "signatures")]


def test_signature_moved_onto_other_records_is_named(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        review = _sign(store, signers, "rev.one", Role.REVIEWER)
    _rewrite_signature_and_rechain(campaign_dir, review.seq, lambda p: p.update(signed_head_seq=3))
    report = verify_campaign(campaign_dir, signers.registry)
    assert {p.category for p in report.problems} == {"altered"}
    assert len(report.problems) == 2  # head hash is not record #3's, and the manifest changed


# -- protocol hash and approval ----------------------------------------------------------


def _protocol(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "features" / "oq").mkdir(parents=True)
    (root / "profiles" / "acceptance").mkdir(parents=True)
    (root / "features" / "oq" / "temperature.feature").write_text("Feature: T\n  Scenario: hold\n")
    (root / "profiles" / "acceptance" / "oq.yaml").write_text("OQ-TEMP-ACC: {target: 37, tolerance: 0.5}\n")
    (root / "features" / "oq" / "notes.txt").write_text("not part of the protocol")
    return root


def test_protocol_hash_covers_names_and_contents_but_not_location(tmp_path: Path) -> None:
    root = _protocol(tmp_path)
    paths = [root / "features", root / "profiles"]
    first = protocol_hash(paths, root)
    assert [p for p, _sha in protocol_manifest(paths, root)] == [
        "features/oq/temperature.feature", "profiles/acceptance/oq.yaml"]
    moved = tmp_path / "elsewhere"
    root.rename(moved)
    assert protocol_hash([moved / "features", moved / "profiles"], moved) == first
    (moved / "profiles" / "acceptance" / "oq.yaml").write_text("OQ-TEMP-ACC: {target: 37, tolerance: 0.6}\n")
    assert protocol_hash([moved / "features", moved / "profiles"], moved) != first
    (moved / "features" / "oq" / "notes.txt").write_text("changed")  # not a protocol file
    second = protocol_hash([moved / "features", moved / "profiles"], moved)
    (moved / "features" / "oq" / "temperature.feature").rename(moved / "features" / "oq" / "t2.feature")
    assert protocol_hash([moved / "features", moved / "profiles"], moved) != second


def test_protocol_approval_round_trip_and_checks(tmp_path: Path, signers) -> None:
    root = _protocol(tmp_path)
    digest = protocol_hash([root / "features", root / "profiles"], root)
    approval = approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password=PASSWORD,
                                protocol_id="MQ-OQ-001", protocol_version="1.0", protocol_hash_hex=digest)
    loaded = type(approval).load(approval.save(tmp_path / "approval.json"))
    assert loaded == approval and loaded.printed_name == "Alex Approver"
    assert check_protocol_approval(loaded, digest, signers.registry) == []
    assert check_protocol_approval(loaded, "0" * 64, signers.registry)  # protocol changed since approval
    with pytest.raises(SignatureRefused):
        approve_protocol(signers.registry, signers.keys_dir, user_id="rev.one", password=PASSWORD,
                         protocol_id="MQ-OQ-001", protocol_version="1.0", protocol_hash_hex=digest)
    with pytest.raises(WrongPasswordError):
        approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password="nope nope",
                         protocol_id="MQ-OQ-001", protocol_version="1.0", protocol_hash_hex=digest)


def test_unfinished_campaign_cannot_be_reviewed(tmp_path: Path, signers) -> None:
    with write_example_campaign(tmp_path / "running", finish=False) as store:
        assert _refusal(store, signers, "rev.one", Role.REVIEWER) == "not_finished"


# -- sign verifies the record first -----------------------------------------------------------------------


def test_a_record_that_does_not_verify_is_not_signed_edited_raw_csv(campaign_dir: Path, signers) -> None:
    csv = next(p for p in sorted((campaign_dir / "raw").iterdir()) if p.suffix == ".csv" and "37.9" in p.read_text())
    csv.write_text(csv.read_text().replace("37.9", "37.1"))  # the failing reading made to pass
    with EvidenceStore.open(campaign_dir) as store:
        before = len(store)
        with pytest.raises(SignatureRefused) as refused:
            _sign(store, signers, "rev.one", Role.REVIEWER)
        audit = store.records()[before:]
    assert refused.value.reason_code == "not_intact"
    assert f"altered: raw/{csv.name}" in str(refused.value) and "NOT INTACT (1 problem(s))" in str(refused.value)
    assert [r.kind for r in audit] == ["audit_event"]
    assert audit[0].payload["reason_code"] == "not_intact" and csv.name in audit[0].payload["detail"]


def test_a_record_that_does_not_verify_is_not_signed_edited_measurement_row(campaign_dir: Path, signers) -> None:
    db = sqlite3.connect(campaign_dir / "evidence.sqlite")
    db.execute("DROP TRIGGER records_refuse_update")
    db.execute("UPDATE records SET payload = replace(payload, '\"verdict\":\"fail\"', '\"verdict\":\"pass\"') "
               "WHERE kind = 'measurement'")
    db.commit()
    db.close()
    with EvidenceStore.open(campaign_dir) as store:
        assert _refusal(store, signers, "rev.one", Role.REVIEWER) == "not_intact"
        assert not store.records(kind="signature")


# -- meanings from the profile ----------------------------------------------------------------------------


def test_free_text_meaning_is_refused_with_the_allowed_list(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        assert _refusal(store, signers, "rev.one", Role.REVIEWER, meaning="ok lol") == "meaning_not_allowed"
        with pytest.raises(SignatureRefused) as refused:
            _sign(store, signers, "appr.one", Role.APPROVER, "approved: release to PQ")
        # a reviewer's meaning is not an approver's
        assert _refusal(store, signers, "rev.one", Role.REVIEWER, meaning="approved-pq") == "meaning_not_allowed"
    message = str(refused.value)
    assert "'approved: release to PQ' is not a meaning of the approver role" in message
    for allowed in ("approved-pq", "conditionally-approved-pq", "rejected"):
        assert allowed in message


def test_the_meaning_is_stored_as_the_profile_text_by_id_or_text(campaign_dir: Path, signers) -> None:
    with EvidenceStore.open(campaign_dir) as store:
        review = _sign(store, signers, "rev.one", Role.REVIEWER, "reviewed: record complete and accurate")
    assert (review.payload["meaning_id"], review.payload["release"]["decision"]) == ("reviewed", "none")


# -- release decisions ------------------------------------------------------------------------------------


def _releasable(tmp_path: Path, signers, *, failing: bool = False, simulated: bool = False, approved: bool = True,
                dry_run: bool = False) -> EvidenceStore:
    """An example campaign executed by exec.ops who signed its start (not a dry run), pre-approved, reviewed."""
    approvals = []
    if approved:
        approval = approve_protocol(signers.registry, signers.keys_dir, user_id="appr.one", password=PASSWORD,
                                    protocol_id="MQ-OQ-001", protocol_version="1.0",
                                    protocol_hash_hex=EXAMPLE_PROTOCOL_HASH)
        approvals = [approval.to_payload()]
    store = write_example_campaign(tmp_path / "c", simulated=simulated, failing=failing, protocol_approvals=approvals,
                                   executor_key=None if dry_run else signers.executor_key)
    _sign(store, signers, "rev.one", Role.REVIEWER)
    return store


def test_release_of_a_passing_approved_real_campaign_is_in_the_signature(tmp_path: Path, signers) -> None:
    with _releasable(tmp_path, signers) as store:
        approval = _sign(store, signers, "appr.one", Role.APPROVER, "approved-pq")
        release = status.stage_release(store.records())
    assert approval.payload["meaning"] == "approved — release to PQ"
    assert approval.payload["release"] == {"decision": "released", "to": "PQ", "justification": "", "accepts": []}
    assert release.released and release.statement.startswith("Released to PQ by Alex Approver (approver) on ")
    assert verify_campaign(tmp_path / "c", signers.registry).ok


def test_release_is_refused_while_criteria_failed_and_deviations_are_open(tmp_path: Path, signers) -> None:
    with _releasable(tmp_path, signers, failing=True) as store:
        code = _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-pq")
        (event,) = [r for r in store.records(kind="audit_event") if r.payload["reason_code"] == code]
        assert not status.stage_release(store.records()).released
    assert code == "release_blocked"
    assert "criteria not met: OQ-TEMP-ACC; open deviations: DEV-001" in event.payload["detail"]


def test_a_conditional_release_must_name_everything_it_accepts_with_a_justification(tmp_path: Path, signers) -> None:
    why = "OQ-TEMP-ACC exceeded by 0.4 °C for one reading; PQ batches monitor vessel temperature per batch"
    with _releasable(tmp_path, signers, failing=True) as store:
        conditional = "conditionally-approved-pq"
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning=conditional,
                        accepts=["DEV-001", "OQ-TEMP-ACC"]) == "no_justification"
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning=conditional, accepts=["DEV-001"],
                        justification=why) == "accepts_incomplete"
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning=conditional,
                        accepts=["DEV-001", "OQ-TEMP-ACC", "DEV-777"], justification=why) == "accepts_unknown"
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-pq", accepts=["DEV-001"],
                        justification=why) == "not_conditional"
        signed = _sign(store, signers, "appr.one", Role.APPROVER, conditional,
                       accepts=["OQ-TEMP-ACC", "DEV-001"], justification=why)
        release = status.stage_release(store.records())
    assert signed.payload["release"] == {"decision": "conditional", "to": "PQ", "justification": why,
                                         "accepts": ["OQ-TEMP-ACC", "DEV-001"]}
    assert release.statement.startswith("Conditionally released to PQ by Alex Approver (approver)")
    assert release.statement.endswith(f"accepting OQ-TEMP-ACC, DEV-001: {why}")
    assert verify_campaign(tmp_path / "c", signers.registry).ok


def test_a_closed_deviation_no_longer_needs_accepting_but_the_failed_criterion_does(tmp_path: Path, signers) -> None:
    from mimedi_qual.evidence.deviations import close_deviation

    with _releasable(tmp_path, signers, failing=True) as store:
        close_deviation(store, signers.registry, signers.keys_dir, "DEV-001", user_id="qa.both", password=PASSWORD,
                        role="approver", root_cause="probe against the heater", action="holder fixed",
                        product_impact="none", quality_impact="minor", impact_assessment="OQ only, no product",
                        capa="CAPA-2026-014")
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-pq") == "release_blocked"
        _sign(store, signers, "appr.one", Role.APPROVER, "conditionally-approved-pq", accepts=["OQ-TEMP-ACC"],
              justification="one reading 0.4 °C high; root cause removed (DEV-001, CAPA-2026-014)")


@pytest.mark.parametrize("setup, code", [
    ({"approved": False}, "protocol_not_approved"),
    ({"simulated": True, "dry_run": True}, "dry_run"),
])
def test_release_is_refused_on_an_unapproved_protocol_and_on_a_dry_run(tmp_path: Path, signers, setup, code) -> None:
    with _releasable(tmp_path, signers, **setup) as store:
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-pq") == code
        _sign(store, signers, "appr.one", Role.APPROVER, "rejected")  # rejecting is always possible
        assert status.stage_release(store.records()).statement.startswith("Not released: rejected by Alex Approver")


def test_release_is_refused_on_an_interrupted_campaign(tmp_path: Path, signers) -> None:
    with _releasable(tmp_path, signers) as store:
        store.append("interruption", {"last_seq_before": len(store), "last_utc_before": "2026-12-02T10:00:00Z"})
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-pq") == "interrupted"


def test_release_names_the_stage_after_the_campaigns(tmp_path: Path, signers) -> None:
    with _releasable(tmp_path, signers) as store:  # an OQ campaign
        assert _refusal(store, signers, "appr.one", Role.APPROVER, meaning="approved-oq") == "wrong_stage"


def test_verify_names_a_release_forged_past_the_rules(tmp_path: Path, signers) -> None:
    """A registered approver's key used behind sign's back to release a failing campaign: verify names it."""
    from mimedi_qual.evidence.manifest import seal
    from mimedi_qual.evidence.store import utc_now

    with _releasable(tmp_path, signers, failing=True) as store:
        head = store.head
        payload = {"campaign_id": "C-EXAMPLE-0001", "user_id": "appr.one", "printed_name": "Alex Approver",
                   "role": "approver", "meaning": "approved — release to PQ", "meaning_id": "approved-pq",
                   "release": {"decision": "released", "to": "PQ", "justification": "", "accepts": []},
                   "signed_utc": utc_now(), "signed_head_seq": head.seq, "signed_head_hash": head.hash}
        key = signers.registry.unlock("appr.one", PASSWORD, signers.keys_dir)
        forged = store.append("signature", seal(payload, key, signature_manifest))
    problems = [(p.item, p.detail) for p in verify_campaign(tmp_path / "c", signers.registry).problems]
    assert problems == [(f"signature record #{forged.seq} (Alex Approver, approver)",
                         "release rule broken: release refused while criteria not met: OQ-TEMP-ACC; open deviations: "
                         "DEV-001: close the deviations, or sign a conditional release "
                         "(--accepts OQ-TEMP-ACC,DEV-001 --justification TEXT)")]


def test_a_signature_written_before_release_decisions_still_verifies() -> None:
    """Manifests of older signatures (no meaning_id, no release) are what they signed."""
    key = Ed25519PrivateKey.generate()
    payload = {"campaign_id": "c", "user_id": "u", "printed_name": "U", "role": "reviewer", "meaning": "reviewed",
               "signed_utc": "2026-11-01T00:00:00Z", "signed_head_seq": 1, "signed_head_hash": "0" * 64}
    signature = base64.b64encode(key.sign(canonical_json(payload))).decode()
    assert verify_ed25519(public_key_b64(key.public_key()), signature, signature_manifest(payload))
