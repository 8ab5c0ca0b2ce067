"""Fixtures for the evidence tests: an example campaign and a registry of signing users."""

from __future__ import annotations

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


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    """A finished example campaign (closed store) with one failed criterion."""
    directory = tmp_path / "C-EXAMPLE-0001"
    write_example_campaign(directory).close()
    return directory
