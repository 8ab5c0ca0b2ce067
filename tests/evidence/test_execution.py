"""Who executed a campaign: a signed start by a registered executor, or a labelled dry run nobody can sign
as executor — and verify checks both against the registry's history, failing closed."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mimedi_qual.evidence import status
from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.execution import DRY_RUN_NOTICE, executor_status
from mimedi_qual.evidence.signatures import SignatureRefused, sign_campaign, signature_manifest
from mimedi_qual.evidence.store import EvidenceStore, utc_now
from mimedi_qual.evidence.users import Role, UserRegistry, create_user, key_fingerprint, public_key_b64
from mimedi_qual.evidence.verify import verify_campaign

PASSWORD = "correct horse battery"  # the conftest `signers` fixture's password


def _refusal(store: EvidenceStore, signers, user_id: str, role: Role) -> str:
    with pytest.raises(SignatureRefused) as refused:
        sign_campaign(store, signers.registry, signers.keys_dir, user_id=user_id, password=PASSWORD,
                      role=role, meaning="executed")
    return refused.value.reason_code


def _append_signature(store: EvidenceStore, key, user_id: str, printed_name: str, role: str) -> None:
    """A signature record as sign_campaign writes it, appended past its rules (a forger's, or old code's)."""
    head = store.records()[-1]
    payload = {"campaign_id": "C-EXAMPLE-0001", "user_id": user_id, "printed_name": printed_name, "role": role,
               "meaning": "executed", "signed_utc": utc_now(), "signed_head_seq": head.seq,
               "signed_head_hash": head.hash}
    signature = key.sign(signature_manifest(payload))
    payload["public_key_ed25519"] = public_key_b64(key.public_key())
    payload["key_fingerprint"] = key_fingerprint(payload["public_key_ed25519"])
    payload["signature_ed25519"] = base64.b64encode(signature).decode()
    store.append("signature", payload)


def test_a_dry_run_is_labelled_and_a_later_registered_id_cannot_sign_it_as_executor(campaign_dir, signers):
    # exec.ops ran the campaign as an unregistered OS account; the id exec.ops is registered (the fixture's
    # registry) — the observed attack: sign as the executor of someone's earlier dry run.
    with EvidenceStore.open(campaign_dir) as store:
        records = store.records()
        assert executor_status(records).dry_run and not executor_status(records).releasable
        assert DRY_RUN_NOTICE in status.notices(records)
        assert _refusal(store, signers, "exec.ops", Role.EXECUTOR) == "dry_run_executor"
        refusal = store.records()[-1]
        assert (refusal.kind, refusal.payload["reason_code"]) == ("audit_event", "dry_run_executor")
        _append_signature(store, signers.executor_key, "exec.ops", "Erin Executor", "executor")   # past the rules
    report = verify_campaign(campaign_dir, signers.registry)
    assert [p.detail for p in report.problems if p.category == "invalid"] == [
        "role rule broken: the campaign is a dry run: its executor was not a registered user who signed its start, "
        "so nobody can sign it as executor"]


def test_a_signed_start_verifies_and_only_its_executor_signs_as_executor(executed_dir, signers, tmp_path):
    with EvidenceStore.open(executed_dir) as store:
        records = store.records()
        started = executor_status(records)
        assert started.signed and not started.dry_run and started.user_id == "exec.ops"
        assert DRY_RUN_NOTICE not in status.notices(records)
        sign_campaign(store, signers.registry, signers.keys_dir, user_id="exec.ops", password=PASSWORD,
                      role=Role.EXECUTOR, meaning="executed")
    report = verify_campaign(executed_dir, signers.registry)
    assert report.ok, report.problems
    assert report.signatures_checked == 2          # the start's and the executor's

    # The same id registered anew, later, in another registry (someone else's key): neither the start nor
    # an executor signature made with the new key is accepted.
    later = tmp_path / "later" / "users.yaml"
    create_user(later, later.parent / "keys", user_id="adm.two", printed_name="Admin Two", roles=[Role.ADMIN],
                password=PASSWORD)
    create_user(later, later.parent / "keys", user_id="exec.ops", printed_name="Erin Executor",
                roles=[Role.EXECUTOR], password=PASSWORD, by="adm.two", by_password=PASSWORD)
    registry = UserRegistry.load(later)
    with EvidenceStore.open(executed_dir) as store:
        with pytest.raises(SignatureRefused) as refused:
            sign_campaign(store, registry, later.parent / "keys", user_id="exec.ops", password=PASSWORD,
                          role=Role.EXECUTOR, meaning="executed")
        # sign verifies the record first: against this registry the start's signature is not the registered one
        assert refused.value.reason_code in ("already_signed", "not_the_executor_key", "not_intact")
    problems = [p.detail for p in verify_campaign(executed_dir, registry).problems]
    assert any("registered only at" in d and "after signing" in d for d in problems), problems


def test_the_new_id_owner_cannot_sign_as_executor_with_their_own_key(executed_dir, signers, tmp_path):
    later = tmp_path / "later" / "users.yaml"
    create_user(later, later.parent / "keys", user_id="adm.two", printed_name="Admin Two", roles=[Role.ADMIN],
                password=PASSWORD)
    create_user(later, later.parent / "keys", user_id="exec.ops", printed_name="Erin Executor",
                roles=[Role.EXECUTOR], password=PASSWORD, by="adm.two", by_password=PASSWORD)
    with EvidenceStore.open(executed_dir) as store:
        with pytest.raises(SignatureRefused) as refused:
            sign_campaign(store, UserRegistry.load(later), later.parent / "keys", user_id="exec.ops",
                          password=PASSWORD, role=Role.EXECUTOR, meaning="executed")
    # sign verifies the record first: against the later registry the start's signer was not registered then
    assert refused.value.reason_code in ("not_the_executor_key", "not_intact")
    assert "campaign_started record #1" in str(refused.value) or refused.value.reason_code == "not_the_executor_key"


def test_a_real_bench_campaign_without_an_executor_signature_is_not_intact(tmp_path, signers):
    write_example_campaign(tmp_path / "real", simulated=False).close()
    report = verify_campaign(tmp_path / "real", signers.registry)
    assert [p.detail for p in report.problems] == ["a campaign on a real bench without the executor's signature"]


def test_verify_fails_closed_without_a_registry_or_with_an_unknown_signer(executed_dir, signers, tmp_path):
    unchecked = verify_campaign(executed_dir)
    assert not unchecked.ok
    assert [(p.category, p.item) for p in unchecked.problems] == [("unverifiable", "signatures")]
    other = tmp_path / "other" / "users.yaml"
    create_user(other, other.parent / "keys", user_id="adm.two", printed_name="Admin Two", roles=[Role.ADMIN],
                password=PASSWORD)
    problems = [p.detail for p in verify_campaign(executed_dir, UserRegistry.load(other)).problems]
    assert problems == ["signer 'exec.ops' is not in the registry history "
                        f"({other.parent / 'registry-log.jsonl'})"]

    from mimedi_qual.cli.evidence import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    missing = runner.invoke(app, ["verify", str(executed_dir), "--users", str(tmp_path / "nowhere" / "users.yaml")])
    assert missing.exit_code == 1, missing.output
    assert "unverifiable: user registry: no user registry found" in missing.output
    assert "NOT INTACT" in missing.output
    ok = runner.invoke(app, ["verify", str(executed_dir), "--users", str(signers.registry_path)])
    assert ok.exit_code == 0, ok.output


def test_verify_uses_the_projects_registry_not_the_cwds_and_refuses_a_tampered_one(
        executed_dir, signers, tmp_path, monkeypatch):
    import shutil

    from mimedi_qual.cli.evidence import register
    from mimedi_qual.paths import project_paths

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    # A registry that would vouch for exec.ops lies under the current directory (not a project: no features/).
    cwd = tmp_path / "elsewhere"
    shutil.copytree(signers.registry_path.parent, cwd / "profiles" / "users")
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("MIMEDI_QUAL_USERS", raising=False)
    result = runner.invoke(app, ["verify", str(executed_dir)])
    assert str(project_paths().users_registry) in result.output          # the project's, named
    assert str(cwd / "profiles" / "users") not in result.output
    # A hand-edited registry (a role given outside the history) cannot vouch for anyone.
    edited = cwd / "profiles" / "users" / "users.yaml"
    edited.write_text(edited.read_text().replace("- executor", "- executor\n  - approver", 1))
    result = runner.invoke(app, ["verify", str(executed_dir), "--users", str(edited)])
    assert result.exit_code == 1, result.output
    assert "unverifiable: user registry: cannot be trusted" in result.output and "roles differ" in result.output
