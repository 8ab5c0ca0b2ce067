"""Fixtures for the evidence tests: an example campaign and a registry of signing users."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimedi_qual.evidence.example_campaign import write_example_campaign
from mimedi_qual.evidence.users import Role, UserRegistry, create_user

PASSWORD = "correct horse battery"
ADMIN = "adm.one"


@dataclass
class Signers:
    registry_path: Path
    keys_dir: Path

    @property
    def registry(self) -> UserRegistry:
        return UserRegistry.load(self.registry_path)

    @functools.cached_property
    def executor_key(self):
        """exec.ops's unlocked key: the example campaign's executor signs its start with it."""
        return self.registry.unlock("exec.ops", PASSWORD, self.keys_dir)


@pytest.fixture(scope="session")
def signers(tmp_path_factory: pytest.TempPathFactory) -> Signers:
    """adm.one (admin, who adds the others), exec.ops (executor, reviewer), rev.one (reviewer),
    appr.one (approver), qa.both (reviewer+approver); every password is :data:`PASSWORD`."""
    root = tmp_path_factory.mktemp("users")
    registry_path, keys_dir = root / "users.yaml", root / "keys"
    create_user(registry_path, keys_dir, user_id=ADMIN, printed_name="Ada Admin", roles=[Role.ADMIN],
                password=PASSWORD)
    for user_id, name, roles in [
        ("exec.ops", "Erin Executor", [Role.EXECUTOR, Role.REVIEWER]),
        ("rev.one", "Robin Reviewer", [Role.REVIEWER]),
        ("appr.one", "Alex Approver", [Role.APPROVER]),
        ("qa.both", "Quinn Both", [Role.REVIEWER, Role.APPROVER]),
    ]:
        create_user(registry_path, keys_dir, user_id=user_id, printed_name=name, roles=roles, password=PASSWORD,
                    by=ADMIN, by_password=PASSWORD)
    return Signers(registry_path, keys_dir)


@pytest.fixture(autouse=True)
def lab_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The lab ledger of these tests (``$MIMEDI_QUAL_LEDGER``, which ``verify`` reads): the example campaigns
    anchor their heads in it."""
    path = tmp_path / "ledger" / "lab-ledger.jsonl"
    monkeypatch.setenv("MIMEDI_QUAL_LEDGER", str(path))
    return path


@pytest.fixture
def campaign_dir(tmp_path: Path, lab_ledger: Path) -> Path:
    """A finished example campaign (closed store) with one failed criterion.

    A dry run: its executor exec.ops did not sign its start (so it holds no signature, and verifies
    without a registry). :func:`executed_dir` is the same campaign with the start signed.
    """
    directory = tmp_path / "C-EXAMPLE-0001"
    write_example_campaign(directory, ledger=lab_ledger).close()
    return directory


@pytest.fixture
def executed_dir(tmp_path: Path, signers: Signers, lab_ledger: Path) -> Path:
    """The example campaign executed by the registered executor exec.ops, who signed its start."""
    directory = tmp_path / "C-EXAMPLE-0002"
    write_example_campaign(directory, executor_key=signers.executor_key, ledger=lab_ledger).close()
    return directory
