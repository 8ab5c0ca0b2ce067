"""Electronic signatures: role rules, passwords, audit trail, tamper evidence, protocol approval."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence.example_campaign import write_example_campaign
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
from mimedi_qual.evidence.store import EvidenceStore, record_hash
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


def _sign(store: EvidenceStore, signers, user_id: str, role: Role, meaning: str = "reviewed",
          password: str = PASSWORD):
    return sign_campaign(store, signers.registry, signers.keys_dir, user_id=user_id, password=password,
                         role=role, meaning=meaning)


def _refusal(store: EvidenceStore, signers, user_id: str, role: Role, password: str = PASSWORD) -> str:
    before = len(store)
    with pytest.raises(SignatureRefused) as refused:
        _sign(store, signers, user_id, role, password=password)
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
        approval = _sign(store, signers, "appr.one", Role.APPROVER, "approved: release to PQ")
    p = review.payload
    assert (p["user_id"], p["printed_name"], p["role"], p["meaning"]) == (
        "rev.one", "Robin Reviewer", "reviewer", "reviewed")
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
        executed = _sign(store, signers, "exec.ops", Role.EXECUTOR, "executed")
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
    db.execute("DROP TRIGGER records_refuse_update")
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
