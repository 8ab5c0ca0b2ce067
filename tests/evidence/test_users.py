"""The user registry under authority: bootstrap by an admin, every later act an admin's, ids never reused,
a hash-chained signed history that users.yaml must agree with."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mimedi_qual.errors import ProfileError
from mimedi_qual.evidence.registry_log import LOG_FILE_NAME, RegistryHistory, log_path
from mimedi_qual.evidence.users import (
    AuthorityRefused,
    AuthorityRequired,
    Role,
    UserError,
    UserRegistry,
    create_user,
    deactivate_user,
)

ADMIN_PW, USER_PW = "admin passphrase", "user passphrase"


@dataclass
class Reg:
    path: Path
    keys: Path

    def add(self, user_id: str, roles, *, by: str | None = "ada", by_password: str | None = ADMIN_PW):
        return create_user(self.path, self.keys, user_id=user_id, printed_name=user_id.title(), roles=roles,
                           password=USER_PW, by=by, by_password=by_password)

    def acts(self) -> list[tuple[str, str, str]]:
        return [(e.act, e.user_id, e.by) for e in RegistryHistory.load(log_path(self.path)).entries]

    def last_refusal(self) -> str:
        return [e for e in RegistryHistory.load(log_path(self.path)).entries if e.act == "refused"][-1].detail


@pytest.fixture
def reg(tmp_path: Path) -> Reg:
    """A registry bootstrapped by ada (admin)."""
    r = Reg(tmp_path / "users" / "users.yaml", tmp_path / "users" / "keys")
    create_user(r.path, r.keys, user_id="ada", printed_name="Ada Admin", roles=[Role.ADMIN], password=ADMIN_PW)
    return r


def test_the_first_user_of_an_empty_registry_must_be_an_admin(tmp_path: Path) -> None:
    path, keys = tmp_path / "users.yaml", tmp_path / "keys"
    with pytest.raises(UserError, match="must hold the admin role"):
        create_user(path, keys, user_id="eve", printed_name="Eve", roles=[Role.APPROVER], password=USER_PW)
    assert not path.exists() and not log_path(path).exists()     # nothing half-done
    create_user(path, keys, user_id="ada", printed_name="Ada", roles=[Role.ADMIN], password=ADMIN_PW)
    (entry,) = RegistryHistory.load(log_path(path)).entries
    assert (entry.act, entry.user_id, entry.by, entry.roles) == ("bootstrap", "ada", "ada", ["admin"])
    assert entry.signature_valid(entry.public_key_ed25519)
    assert UserRegistry.load(path).get("ada").has_role("admin")


def test_every_later_user_needs_an_admin_and_each_refusal_is_recorded(reg: Reg) -> None:
    with pytest.raises(AuthorityRequired, match="--by ADMIN_ID"):
        reg.add("eve", [Role.APPROVER], by=None, by_password=None)
    with pytest.raises(AuthorityRefused, match="wrong password") as refused:
        reg.add("eve", [Role.APPROVER], by_password="not the admin's")
    assert refused.value.reason_code == "wrong_password"
    with pytest.raises(AuthorityRefused, match="not a registered user"):
        reg.add("eve", [Role.APPROVER], by="mallory")
    reg.add("rita", [Role.REVIEWER])                                  # the legitimate act works
    with pytest.raises(AuthorityRefused, match="does not hold the admin role"):
        reg.add("eve", [Role.APPROVER], by="rita", by_password=USER_PW)
    assert reg.acts() == [("bootstrap", "ada", "ada"), ("refused", "eve", ""), ("refused", "eve", "ada"),
                          ("refused", "eve", "mallory"),
                          ("add", "rita", "ada"), ("refused", "eve", "rita")]
    assert reg.last_refusal().startswith("not_admin:")
    registry = UserRegistry.load(reg.path)
    assert "eve" not in registry and "rita" in registry
    add = registry.history.entries[4]
    assert add.signature_valid(registry.get("ada").public_key_ed25519)   # signed by the admin who added rita


def test_an_admin_is_locked_out_after_three_wrong_passwords(reg: Reg) -> None:
    for _ in range(3):
        with pytest.raises(AuthorityRefused, match="wrong password"):
            reg.add("eve", [Role.APPROVER], by_password="guess guess")
    with pytest.raises(AuthorityRefused, match="locked out") as refused:
        reg.add("eve", [Role.APPROVER])                              # even the right password now
    assert refused.value.reason_code == "locked"


def test_user_ids_are_never_reused_and_a_deactivated_user_cannot_sign(reg: Reg) -> None:
    reg.add("rita", [Role.REVIEWER])
    with pytest.raises(AuthorityRefused, match="does not hold the admin role"):
        deactivate_user(reg.path, reg.keys, user_id="ada", by="rita", by_password=USER_PW, reason="coup")
    with pytest.raises(AuthorityRefused, match="last active admin"):
        deactivate_user(reg.path, reg.keys, user_id="ada", by="ada", by_password=ADMIN_PW, reason="leaving")
    deactivate_user(reg.path, reg.keys, user_id="rita", by="ada", by_password=ADMIN_PW, reason="left the site")
    registry = UserRegistry.load(reg.path)
    assert "rita" not in registry
    with pytest.raises(UserError, match="deactivated"):
        registry.unlock("rita", USER_PW, reg.keys)
    (reg.keys / "rita.pem").unlink()                    # even with the old key file gone, the id stays taken
    with pytest.raises(AuthorityRefused, match="never reused") as refused:
        reg.add("rita", [Role.APPROVER])
    assert refused.value.reason_code == "id_taken"
    assert reg.acts()[-1] == ("refused", "rita", "ada")
    assert "deactivated:" in reg.path.read_text()       # the readable view shows it too


def test_a_hand_edited_users_yaml_is_refused_with_its_line(reg: Reg, tmp_path: Path) -> None:
    # A second registry's key: a syntactically perfect entry that no admin of *this* registry added.
    other = Reg(tmp_path / "other" / "users.yaml", tmp_path / "other" / "keys")
    create_user(other.path, other.keys, user_id="eve", printed_name="Eve", roles=[Role.ADMIN], password=USER_PW)
    eve_key = UserRegistry.load(other.path).get("eve").public_key_ed25519
    original = reg.path.read_text()
    reg.path.write_text(original + f"- user_id: eve\n  printed_name: Eve\n  roles: [approver]\n"
                        f"  public_key_ed25519: {eve_key}\n")
    line = original.count("\n") + 1
    with pytest.raises(ProfileError, match=rf"^{re.escape(str(reg.path))}:{line}: users\[1\]: user 'eve' is not "
                                           r"in the registry history"):
        UserRegistry.load(reg.path)
    reg.path.write_text(original.replace("- admin", "- admin\n  - approver"))      # a role given by hand
    with pytest.raises(ProfileError, match=r"users\[0\]: user 'ada': roles differ"):
        UserRegistry.load(reg.path)
    reg.path.write_text("users: []\n")                                             # a user removed by hand
    with pytest.raises(ProfileError, match="ada of the registry history .* missing from this file"):
        UserRegistry.load(reg.path)


def test_a_tampered_registry_history_is_caught_with_its_line(reg: Reg) -> None:
    reg.add("rita", [Role.REVIEWER])
    log = log_path(reg.path)
    original = log.read_text()
    lines = original.splitlines(keepends=True)

    log.write_text(lines[0] + lines[1].replace('"reviewer"', '"approver"'))       # a role edited in place
    with pytest.raises(ProfileError, match=rf"{LOG_FILE_NAME}:2: registry history broken: .* altered"):
        UserRegistry.load(reg.path)

    entry = json.loads(lines[1])                                                   # ...and its hash recomputed
    entry["roles"] = ["approver"]
    from mimedi_qual.evidence.registry_log import LogEntry

    forged = LogEntry(**entry)
    forged = LogEntry(**{**entry, "hash": forged.computed_hash()})
    log.write_text(lines[0] + forged.to_line())
    with pytest.raises(ProfileError, match=r":2: registry history broken: .*signature of 'ada' does not verify"):
        UserRegistry.load(reg.path)

    log.write_text(lines[1])                                                       # the bootstrap cut off
    with pytest.raises(ProfileError, match=r":1: registry history broken: entry seq 2, expected 1"):
        UserRegistry.load(reg.path)

    log.unlink()                                                # the whole history deleted: users.yaml remains
    with pytest.raises(ProfileError, match="not in the registry history"):
        UserRegistry.load(reg.path)


# -- the CLI -------------------------------------------------------------------------------------
@pytest.fixture
def cli():
    from mimedi_qual.cli.users import user_app

    app = typer.Typer()
    app.add_typer(user_app, name="user")
    runner = CliRunner()
    return lambda *args, stdin="": runner.invoke(app, ["user", *map(str, args)], input=stdin)


def test_user_add_on_the_command_line(cli, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    result = cli("add", "eve", "--name", "Eve", "--role", "approver", "--users", users, "--password-stdin",
                 stdin=f"{USER_PW}\n")
    assert result.exit_code == 2 and "must hold the admin role" in result.output
    result = cli("add", "ada", "--name", "Ada Admin", "--role", "admin", "--users", users, "--password-stdin",
                 stdin=f"{ADMIN_PW}\n")
    assert result.exit_code == 0 and "bootstraps the registry" in result.output
    result = cli("add", "eve", "--name", "Eve", "--role", "approver", "--users", users, "--password-stdin",
                 stdin=f"{USER_PW}\n")
    assert result.exit_code == 1 and "refused (no_authority)" in result.output       # a control, recorded
    assert "give --by ADMIN_ID" in result.output and "recorded in" in result.output
    result = cli("add", "eve", "--name", "Eve", "--role", "approver", "--by", "ada", "--users", users,
                 "--password-stdin", stdin=f"wrong one!\n{USER_PW}\n")
    assert result.exit_code == 1 and "refused (wrong_password)" in result.output     # a control
    assert "recorded in" in result.output
    result = cli("add", "eve", "--name", "Eve", "--role", "approver", "--by", "ada", "--users", users,
                 "--password-stdin", stdin=f"{ADMIN_PW}\n{USER_PW}\n")
    assert result.exit_code == 0 and "added by admin ada" in result.output
    result = cli("list", "--users", users)
    assert result.exit_code == 0 and "4 entries" in result.output
    assert re.search(r"eve +Eve +approver .* by ada; active", result.output)


def test_a_deactivated_users_earlier_signatures_stay_valid_later_ones_do_not(reg: Reg) -> None:
    from mimedi_qual.evidence.store import utc_now

    reg.add("rita", [Role.REVIEWER])
    before = utc_now()
    deactivate_user(reg.path, reg.keys, user_id="rita", by="ada", by_password=ADMIN_PW, reason="left the site")
    history = UserRegistry.load(reg.path).history
    key = history.users["rita"].public_key_ed25519
    assert history.signer_problem("rita", key, "reviewer", before) is None
    assert "deactivated" in history.signer_problem("rita", key, "reviewer", utc_now())
    assert "did not hold the approver role" in history.signer_problem("rita", key, "approver", before)
