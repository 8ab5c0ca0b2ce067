"""The executor at a campaign's start: a registered executor signs it (required on a real bench), anyone else
only runs a labelled dry run on the simulated bench; each refusal is recorded in the registry's history."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.campaign.preflight import load_bench_profile
from mimedi_qual.campaign.record import ExecutorRefused, authenticate_executor, record_campaign_start
from mimedi_qual.evidence.execution import DRY_RUN_LABEL, executor_status
from mimedi_qual.evidence.registry_log import RegistryHistory, log_path
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.evidence.verify import verify_campaign

PW = "executor passphrase"


@pytest.fixture(scope="module")
def registry_path(tmp_path_factory) -> Path:
    """ada (admin), erin (executor), rita (reviewer only)."""
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    create_user(path, path.parent / "keys", user_id="ada", printed_name="Ada Admin", roles=[Role.ADMIN], password=PW)
    for user_id, role in (("erin", Role.EXECUTOR), ("rita", Role.REVIEWER)):
        create_user(path, path.parent / "keys", user_id=user_id, printed_name=user_id.title(), roles=[role],
                    password=PW, by="ada", by_password=PW)
    return path


@pytest.fixture
def users_env(registry_path, monkeypatch) -> Path:
    monkeypatch.setenv("MIMEDI_QUAL_USERS", str(registry_path))
    monkeypatch.delenv("MIMEDI_QUAL_KEYS", raising=False)
    return registry_path


def _refusals(registry_path: Path) -> list[str]:
    return [e.detail.split(":")[0] for e in RegistryHistory.load(log_path(registry_path)).entries if e.act == "refused"]


def test_a_real_bench_needs_a_registered_executor_with_their_password(project_root, users_env):
    with pytest.raises(ExecutorRefused, match="real bench") as refused:
        authenticate_executor(project_root, None, None, simulated=False)
    assert refused.value.reason_code == "no_executor"
    before = _refusals(users_env)
    for user_id, password, code in (("erin", "not her password", "wrong_password"),
                                    ("rita", PW, "role_not_held"), ("mallory", PW, "unknown_user")):
        with pytest.raises(ExecutorRefused) as refused:
            authenticate_executor(project_root, user_id, password, simulated=False)
        assert refused.value.reason_code == code
    assert _refusals(users_env)[len(before):] == ["wrong_password", "role_not_held", "unknown_user"]
    executor = authenticate_executor(project_root, "erin", PW, simulated=False)
    assert executor.registered and executor.printed_name == "Erin"


def test_the_start_is_signed_by_the_executor_and_verifies(project_root, users_env, tmp_path):
    bench_path = project_root / "profiles" / "benches" / "sim.yaml"
    executor = authenticate_executor(project_root, "erin", PW, simulated=True)
    with EvidenceStore.create(tmp_path / "c") as store:
        record_campaign_start(store, root=project_root, campaign_id="c", stages=["iq"],
                              bench=load_bench_profile(bench_path), bench_path=bench_path,
                              acceptance_path=project_root / "profiles" / "acceptance" / "criteria.yaml",
                              executor=executor)
        records = store.records()
    started = executor_status(records)
    assert started.signed and not started.dry_run
    assert records[0].payload["dry_run"] is False
    report = verify_campaign(tmp_path / "c", UserRegistry.load(users_env))
    assert report.ok, report.problems


def test_on_the_simulated_bench_an_unregistered_executor_is_a_labelled_dry_run(project_root, users_env, tmp_path):
    executor = authenticate_executor(project_root, "somebody", None, simulated=True)
    assert not executor.registered
    assert executor.printed_name == f"somebody ({DRY_RUN_LABEL})"
    bench_path = project_root / "profiles" / "benches" / "sim.yaml"
    with EvidenceStore.create(tmp_path / "c") as store:
        record_campaign_start(store, root=project_root, campaign_id="c", stages=["iq"],
                              bench=load_bench_profile(bench_path), bench_path=bench_path,
                              acceptance_path=project_root / "profiles" / "acceptance" / "criteria.yaml",
                              executor_user_id="erin")      # a registered id, but no password given: a dry run
        records = store.records()
    assert records[0].payload["dry_run"] is True
    assert records[0].payload["executor_printed_name"] == f"erin ({DRY_RUN_LABEL})"
    assert executor_status(records).dry_run


def _start(project_root: Path, directory: Path, executor=None) -> Path:
    bench_path = project_root / "profiles" / "benches" / "sim.yaml"
    with EvidenceStore.create(directory) as store:
        record_campaign_start(store, root=project_root, campaign_id=directory.name, stages=["iq"],
                              bench=load_bench_profile(bench_path), bench_path=bench_path,
                              acceptance_path=project_root / "profiles" / "acceptance" / "criteria.yaml",
                              executor=executor)
    return directory


def test_only_the_executor_who_signed_the_start_resumes_it(project_root, users_env, tmp_path):
    from mimedi_qual.campaign.record import authenticate_resumer

    signed = _start(project_root, tmp_path / "signed", authenticate_executor(project_root, "erin", PW, simulated=True))
    for user_id, password, code in ((None, None, "no_executor"), ("rita", PW, "not_executor"),
                                    ("erin", "not her password", "wrong_password")):
        with pytest.raises(ExecutorRefused) as refused:
            authenticate_resumer(project_root, signed, user_id, password, simulated=True)
        assert refused.value.reason_code == code
    assert authenticate_resumer(project_root, signed, "erin", PW, simulated=True).user_id == "erin"

    dry = _start(project_root, tmp_path / "dry")
    assert authenticate_resumer(project_root, dry, None, None, simulated=True) is None   # resumes as it started
    with pytest.raises(ExecutorRefused, match="real bench without a signed start"):
        authenticate_resumer(project_root, dry, "erin", PW, simulated=False)
