"""The evidence commands as a new user drives them: user add, sign, verify, summary."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mimedi_qual.cli.evidence import register
from mimedi_qual.evidence.store import EvidenceStore


@pytest.fixture
def cli():
    # A fresh app with only our commands: the shared `mimedi_qual.cli.app` also
    # registers commands other modules own.
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str, password: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=None if password is None else password + "\n")

    return invoke


def add_user(cli, users: Path, user_id: str, name: str, role: str, password: str = "s3cret password"):
    """Add a user the way a new registry needs it: bootstrap adm.one (admin) first, then adm.one adds the user."""
    if not users.exists() or "adm.one" not in users.read_text():
        assert cli("user", "add", "adm.one", "--name", "Ada Admin", "--role", "admin", "--users", users,
                   "--password-stdin", password="admin password").exit_code == 0
    result = cli("user", "add", user_id, "--name", name, "--role", role, "--by", "adm.one", "--users", users,
                 "--password-stdin", password=f"admin password\n{password}")
    assert result.exit_code == 0, result.output
    return result


def test_add_users_sign_review_approve_verify_tamper(cli, campaign_dir: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    result = cli("user", "add", "adm.one", "--name", "Ada Admin", "--role", "admin", "--users", users,
                 "--password-stdin", password="admin password")
    assert result.exit_code == 0, result.output
    for user_id, name, role in [("rev.one", "Robin Reviewer", "reviewer"), ("appr.one", "Alex Approver", "approver")]:
        result = cli("user", "add", user_id, "--name", name, "--role", role, "--by", "adm.one", "--users", users,
                     "--password-stdin", password="admin password\ns3cret password")
        assert result.exit_code == 0, result.output
        assert f"user {user_id}" in result.output
    assert (tmp_path / "keys" / "rev.one.pem").exists()

    result = cli("sign", campaign_dir, "--user", "rev.one", "--role", "reviewer", "--meaning", "reviewed",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 0, result.output
    assert "signed by Robin Reviewer (rev.one) as reviewer" in result.output

    result = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "rejected",
                 "--users", users, "--password-stdin", password="wrong password")
    assert result.exit_code == 1
    assert "wrong_password" in result.output

    # the example is a simulated dry run of an unapproved protocol with a failed criterion: no release
    result = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "approved-pq",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 1
    assert "signature refused (protocol_not_approved)" in result.output and "dry run" in result.output

    result = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "rejected",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 0, result.output
    assert "release: Not released: rejected by Alex Approver (approver)" in result.output

    result = cli("verify", campaign_dir, "--users", users)
    assert result.exit_code == 0, result.output
    assert "INTACT" in result.output and "2 signatures" in result.output

    result = cli("summary", campaign_dir)
    assert result.exit_code == 0, result.output
    assert (campaign_dir / "summary.pdf").stat().st_size > 1000
    assert "release: Not released: rejected by Alex Approver" in result.output
    assert "RECORD NOT INTACT" not in result.output

    raw = sorted((campaign_dir / "raw").iterdir())[0]
    raw.write_bytes(raw.read_bytes() + b"0")
    (campaign_dir / "raw" / "extra.csv").write_text("x")
    result = cli("verify", campaign_dir, "--users", users)
    assert result.exit_code == 1
    assert f"altered: raw/{raw.name}" in result.output
    assert "added: raw/extra.csv" in result.output
    assert "NOT INTACT (2 problem(s))" in result.output


def test_verify_exit_2_when_not_a_campaign(cli, tmp_path: Path) -> None:
    result = cli("verify", tmp_path)
    assert result.exit_code == 2
    assert "not a campaign directory" in result.output


def test_sign_exit_2_when_not_a_campaign(cli, tmp_path: Path) -> None:
    result = cli("sign", tmp_path, "--user", "x", "--role", "reviewer", "--meaning", "m",
                 "--users", tmp_path / "users.yaml", "--password-stdin", password="whatever1")
    assert result.exit_code == 2


def test_sign_refusal_is_in_the_record(cli, campaign_dir: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    add_user(cli, users, "rev.one", "Robin Reviewer", "reviewer")
    result = cli("sign", campaign_dir, "--user", "rev.one", "--role", "approver", "--meaning", "rejected",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 1
    with EvidenceStore.open(campaign_dir) as store:
        (event,) = store.records(kind="audit_event")
    assert event.payload["reason_code"] == "role_not_held"


def test_approve_protocol_writes_a_verifiable_approval(cli, tmp_path: Path) -> None:
    from mimedi_qual.evidence.protocol import ProtocolApproval, check_protocol_approval, protocol_hash
    from mimedi_qual.evidence.users import UserRegistry

    users = tmp_path / "users.yaml"
    add_user(cli, users, "appr.one", "Alex Approver", "approver")
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "t.feature").write_text("Feature: T\n")
    result = cli("approve-protocol", "MQ-OQ-001", "1.0", tmp_path / "features", "--root", tmp_path,
                 "--user", "appr.one", "--out", tmp_path / "approvals", "--users", users,
                 "--password-stdin", password="s3cret password")
    assert result.exit_code == 0, result.output
    approval = ProtocolApproval.load(tmp_path / "approvals" / "MQ-OQ-001-1.0-appr.one.json")
    digest = protocol_hash([tmp_path / "features"], tmp_path)
    assert digest in result.output
    assert check_protocol_approval(approval, digest, UserRegistry.load(users)) == []
    result = cli("approve-protocol", "MQ-OQ-001", "1.0", tmp_path / "features", "--root", tmp_path,
                 "--user", "appr.one", "--out", tmp_path / "approvals", "--users", users,
                 "--password-stdin", password="bad password")
    assert result.exit_code == 1


def test_approve_protocol_without_paths_approves_what_run_judges_by(cli, tmp_path: Path, monkeypatch) -> None:
    """The default set is the project's judging inputs: a run with the default acceptance profile is approved."""
    import shutil

    from mimedi_qual.campaign.record import record_campaign_start
    from mimedi_qual.evidence import status
    from mimedi_qual.evidence.protocol import ProtocolApproval, judging_files, protocol_manifest
    from mimedi_qual.paths import ProjectPaths, project_paths
    from mimedi_qual.profiles import load_bench
    from mimedi_qual.profiles.loader import load_protocol_document

    root = Path(__file__).resolve().parents[2]
    project = tmp_path / "project"
    shutil.copytree(root / "features", project / "features")
    shutil.copytree(root / "profiles", project / "profiles", ignore=shutil.ignore_patterns("users", "approvals"))
    users = tmp_path / "users" / "users.yaml"
    monkeypatch.setenv("MIMEDI_QUAL_HOME", str(project))
    monkeypatch.setenv("MIMEDI_QUAL_USERS", str(users))
    project_paths.cache_clear()
    try:
        add_user(cli, users, "appr.one", "Alex Approver", "approver")
        result = cli("approve-protocol", "MQ-MIMEDI-001", "0.1", "--user", "appr.one", "--users", users,
                     "--password-stdin", password="s3cret password")
        assert result.exit_code == 0, result.output
        paths = ProjectPaths.at(project)
        approval = ProtocolApproval.load(paths.approvals / "MQ-MIMEDI-001-0.1-appr.one.json")
        document = load_protocol_document(paths.protocol_document)
        assert approval.file_manifest() == protocol_manifest(judging_files(paths, document.files), project)
        with EvidenceStore.create(tmp_path / "C") as store:
            record_campaign_start(store, root=project, campaign_id="C", stages=["iq"],
                                  bench=load_bench(paths.default_bench), bench_path=paths.default_bench,
                                  acceptance_path=paths.default_acceptance)
            assert status.protocol_status(store.records()).approved
    finally:
        project_paths.cache_clear()


def test_a_broken_user_registry_is_bad_input_for_sign_and_approve_protocol(cli, campaign_dir: Path,
                                                                            tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users: [unclosed\n")
    result = cli("sign", campaign_dir, "--user", "rev.one", "--role", "reviewer", "--meaning", "reviewed",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 2
    assert f"error: {users}:2: invalid YAML" in result.output
    with EvidenceStore.open(campaign_dir) as store:
        assert store.records(kind="audit_event") == []
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "t.feature").write_text("Feature: T\n")
    approve = ("approve-protocol", "MQ-OQ-001", "1.0", tmp_path / "features", "--root", tmp_path,
               "--user", "appr.one", "--out", tmp_path / "approvals", "--users", users, "--password-stdin")
    result = cli(*approve, password="s3cret password")
    assert result.exit_code == 2
    assert f"error: {users}:2: invalid YAML" in result.output
    users.write_bytes(b"users:\n  - user_id: \xff\n")     # not UTF-8
    result = cli(*approve, password="s3cret password")
    assert result.exit_code == 2
    assert "error:" in result.output
    assert not (tmp_path / "approvals").exists()


# -- sign verifies first; every view says when the record does not verify --------------------------------


def test_after_tampering_sign_refuses_and_summary_and_pdf_say_not_intact(cli, campaign_dir: Path,
                                                                         tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    users = tmp_path / "users.yaml"
    add_user(cli, users, "rev.one", "Robin Reviewer", "reviewer")
    signed = cli("sign", campaign_dir, "--user", "rev.one", "--role", "reviewer", "--meaning", "reviewed",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert signed.exit_code == 0, signed.output
    csv = next(p for p in sorted((campaign_dir / "raw").iterdir()) if p.suffix == ".csv" and "37.9" in p.read_text())
    csv.write_text(csv.read_text().replace("37.9", "37.1"))

    add_user(cli, users, "appr.one", "Alex Approver", "approver")
    refused = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "rejected",
                  "--users", users, "--password-stdin", password="s3cret password")
    assert refused.exit_code == 1
    assert "signature refused (not_intact): the record is NOT INTACT (1 problem(s)): altered: raw/" in refused.output
    assert csv.name in refused.output and "recorded in the campaign's audit trail" in refused.output

    result = cli("summary", campaign_dir)
    assert result.exit_code == 1, result.output
    assert "NOTICE: RECORD NOT INTACT — mimedi-qual verify finds 1 problem(s)" in result.output
    assert f"altered: raw/{csv.name}" in result.output
    first_page = pdfium.PdfDocument(str(campaign_dir / "summary.pdf"))[0].get_textpage().get_text_range()
    assert "RECORD NOT INTACT" in " ".join(first_page.split())


# -- close-deviation / reopen-deviation: e-signed acts ------------------------------------------------------


def _close(cli, campaign_dir: Path, users: Path, user: str, *, role: str = "reviewer", password: str = "s3cret password",
           **changes):
    options = {"--root-cause": "reference probe touched the heater jacket", "--action": "probe holder replaced",
               "--product-impact": "none", "--quality-impact": "minor",
               "--impact-assessment": "OQ on a water fill: no product exposed", "--capa": "CAPA-2026-014", **changes}
    return cli("close-deviation", campaign_dir, "DEV-001", "--user", user, "--role", role,
               *[x for pair in options.items() for x in pair], "--users", users, "--password-stdin", password=password)


def test_close_deviation_needs_a_password_a_closing_role_and_closes_once(cli, campaign_dir: Path,
                                                                        tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    add_user(cli, users, "rev.one", "Robin Reviewer", "reviewer")
    add_user(cli, users, "exec.ops", "Erin Executor", "reviewer")  # the example's executor, also a reviewer
    add_user(cli, users, "qa.lee", "Lee QA", "approver")

    assert "wrong_password" in _close(cli, campaign_dir, users, "rev.one", password="not it").output
    assert "(unknown_user)" in _close(cli, campaign_dir, users, "nobody").output
    executor = _close(cli, campaign_dir, users, "exec.ops")
    assert executor.exit_code == 1 and "(executor_cannot_close)" in executor.output
    empty = _close(cli, campaign_dir, users, "rev.one", **{"--root-cause": ""})
    assert empty.exit_code == 1 and "a closure needs a root cause" in empty.output
    assert _close(cli, campaign_dir, users, "rev.one", role="executor").exit_code == 2  # not a closing role: usage

    closed = _close(cli, campaign_dir, users, "rev.one")
    assert closed.exit_code == 0, closed.output
    assert "DEV-001 closed by Robin Reviewer (rev.one, reviewer)" in closed.output
    again = _close(cli, campaign_dir, users, "qa.lee", role="approver")
    assert again.exit_code == 1 and "(already_closed)" in again.output

    reopened = cli("reopen-deviation", campaign_dir, "DEV-001", "--user", "qa.lee", "--role", "approver",
                   "--reason", "re-run hold used the wrong fill volume", "--users", users, "--password-stdin",
                   password="s3cret password")
    assert reopened.exit_code == 0, reopened.output
    assert _close(cli, campaign_dir, users, "qa.lee", role="approver", **{"--capa": "CAPA-2026-015"}).exit_code == 0
    unknown = cli("close-deviation", campaign_dir, "DEV-999", "--user", "rev.one", "--role", "reviewer",
                  "--root-cause", "x", "--action", "y", "--product-impact", "none", "--quality-impact", "none",
                  "--impact-assessment", "z", "--capa", "CAPA-2026-001", "--users", users, "--password-stdin",
                  password="s3cret password")
    assert unknown.exit_code == 2 and "no deviation DEV-999" in unknown.output

    with EvidenceStore.open(campaign_dir) as store:
        refused = [r.payload["reason_code"] for r in store.records(kind="audit_event")
                   if r.payload["event"] == "deviation_closure_refused"]
        acts = [r.kind for r in store.records() if r.kind.startswith("deviation_")]
    assert refused == ["wrong_password", "unknown_user", "executor_cannot_close", "incomplete", "already_closed"]
    assert acts == ["deviation_closure", "deviation_reopened", "deviation_closure"]
    verified = cli("verify", campaign_dir, "--users", users)
    assert verified.exit_code == 0, verified.output

    result = cli("summary", campaign_dir)
    assert result.exit_code == 0, result.output
    import pypdfium2 as pdfium

    text = " ".join(" ".join(page.get_textpage().get_text_range().split())
                    for page in pdfium.PdfDocument(str(campaign_dir / "summary.pdf")))
    # the whole closure history of DEV-001, not only the last closure
    assert "CAPA: CAPA-2026-014" in text and "re-opened" in text and "CAPA: CAPA-2026-015" in text


def test_a_broken_meanings_profile_is_bad_input_naming_its_line(cli, campaign_dir: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    add_user(cli, users, "rev.one", "Robin Reviewer", "reviewer")
    from mimedi_qual.paths import project_paths

    meanings = tmp_path / "meanings.yaml"
    text = project_paths().signature_meanings.read_text(encoding="utf-8")
    reviewed = '      text: "reviewed: record complete and accurate"\n      decision: none\n'
    assert reviewed in text
    meanings.write_text(text.replace(reviewed, reviewed.replace("none", "released")), encoding="utf-8")
    line = text[:text.index(reviewed)].count("\n") + 2  # the decision line of the reviewer's "reviewed"
    result = cli("sign", campaign_dir, "--user", "rev.one", "--role", "reviewer", "--meaning", "reviewed",
                 "--meanings", meanings, "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 2
    assert f"error: {meanings}:{line}: meanings.reviewer.0.decision: Input should be" in result.output
    with EvidenceStore.open(campaign_dir) as store:
        assert not store.records(kind="audit_event") and not store.records(kind="signature")


def test_readme_sign_and_close_workflow_on_a_real_bench_campaign(cli, tmp_path: Path, lab_ledger: Path) -> None:
    """README's workflow: review → close DEV-001 → re-open → close → conditional release → verify → summary."""
    from mimedi_qual.evidence.example_campaign import EXAMPLE_PROTOCOL_HASH, write_example_campaign
    from mimedi_qual.evidence.protocol import approve_protocol
    from mimedi_qual.evidence.users import UserRegistry

    users = tmp_path / "users.yaml"
    add_user(cli, users, "rita", "Rita Review", "reviewer")
    add_user(cli, users, "adam", "Adam Approve", "approver")
    add_user(cli, users, "exec.ops", "Erin Executor", "executor")   # executed it, and signed its start
    executor_key = UserRegistry.load(users).unlock("exec.ops", "s3cret password", tmp_path / "keys")
    approval = approve_protocol(UserRegistry.load(users), tmp_path / "keys", user_id="adam", password="s3cret password",
                                protocol_id="MQ-OQ-001", protocol_version="1.0", protocol_hash_hex=EXAMPLE_PROTOCOL_HASH)
    campaign = tmp_path / "C-REAL"
    write_example_campaign(campaign, simulated=False, failing=True, protocol_approvals=[approval.to_payload()],
                           executor_key=executor_key, ledger=lab_ledger).close()

    def run(*args: str) -> str:
        result = cli(*args, "--users", users, "--password-stdin", password="s3cret password")
        assert result.exit_code == 0, result.output
        return result.output

    run("sign", campaign, "--user", "rita", "--role", "reviewer", "--meaning", "reviewed")
    closure = ("close-deviation", campaign, "DEV-001", "--root-cause", "probe against the heater jacket",
               "--action", "probe holder replaced", "--product-impact", "none", "--quality-impact", "minor",
               "--impact-assessment", "OQ on a water fill, no product", "--capa", "CAPA-2026-014")
    run(*closure, "--user", "rita", "--role", "reviewer")
    run("reopen-deviation", campaign, "DEV-001", "--user", "adam", "--role", "approver", "--reason",
        "holder change not yet verified")
    run(*closure, "--user", "rita", "--role", "reviewer")
    blocked = cli("sign", campaign, "--user", "adam", "--role", "approver", "--meaning", "approved-pq",
                  "--users", users, "--password-stdin", password="s3cret password")
    assert blocked.exit_code == 1 and "release refused while criteria not met: OQ-TEMP-ACC" in blocked.output
    released = run("sign", campaign, "--user", "adam", "--role", "approver", "--meaning", "conditionally-approved-pq",
                   "--accepts", "OQ-TEMP-ACC", "--justification", "one reading 0.4 °C high; cause removed (DEV-001)")
    assert "release: Conditionally released to PQ by Adam Approve (approver)" in released
    verified = cli("verify", campaign, "--users", users)
    assert verified.exit_code == 0 and "INTACT" in verified.output, verified.output
    summary = cli("summary", campaign)
    assert summary.exit_code == 0, summary.output
    assert "release: Conditionally released to PQ by Adam Approve (approver)" in summary.output
    assert "accepting OQ-TEMP-ACC: one reading 0.4 °C high; cause removed (DEV-001)" in summary.output
