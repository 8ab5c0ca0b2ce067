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

    result = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "approved",
                 "--users", users, "--password-stdin", password="wrong password")
    assert result.exit_code == 1
    assert "wrong_password" in result.output

    result = cli("sign", campaign_dir, "--user", "appr.one", "--role", "approver", "--meaning", "approved",
                 "--users", users, "--password-stdin", password="s3cret password")
    assert result.exit_code == 0, result.output

    result = cli("verify", campaign_dir, "--users", users)
    assert result.exit_code == 0, result.output
    assert "INTACT" in result.output and "2 signatures" in result.output

    result = cli("summary", campaign_dir)
    assert result.exit_code == 0, result.output
    assert (campaign_dir / "summary.pdf").stat().st_size > 1000

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
    result = cli("sign", campaign_dir, "--user", "rev.one", "--role", "approver", "--meaning", "approved",
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
