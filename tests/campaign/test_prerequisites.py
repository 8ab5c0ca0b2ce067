"""Stage gating: OQ runs on a released IQ, or the campaign records that IQ was not released.

No bench starts. A *released IQ campaign* is written here record by record on
a real bench (a simulated one is a dry run, which is never released) and
signed as a reviewer and an approver would sign it; the OQ campaign's start
is written by ``record_campaign_start`` exactly as a run writes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mimedi_qual.campaign.prerequisites import record_unreleased_prerequisites, released_by, stage_gates
from mimedi_qual.campaign.record import record_campaign_start
from mimedi_qual.evidence.deviations import DeviationCategory, deviations_from_records
from mimedi_qual.evidence.execution import sign_execution
from mimedi_qual.evidence.protocol import approve_protocol
from mimedi_qual.evidence.signatures import sign_campaign
from mimedi_qual.evidence.store import EvidenceStore, utc_now
from mimedi_qual.evidence.users import Role, UserRegistry, create_user
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_bench

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
BENCH = "BENCH-LAB2-03"
PROTOCOL = "MQ-MIMEDI-001"


class Signers:
    def __init__(self, root: Path):
        self.registry_path, self.keys = root / "users.yaml", root / "keys"
        create_user(self.registry_path, self.keys, user_id="adm.one", printed_name="Ada Admin", roles=[Role.ADMIN],
                    password=PASSWORD)
        for user_id, name, role in (("exec.ops", "Erin Executor", Role.EXECUTOR),
                                    ("rev.one", "Robin Reviewer", Role.REVIEWER),
                                    ("appr.one", "Alex Approver", Role.APPROVER)):
            create_user(self.registry_path, self.keys, user_id=user_id, printed_name=name, roles=[role],
                        password=PASSWORD, by="adm.one", by_password=PASSWORD)

    @property
    def registry(self) -> UserRegistry:
        return UserRegistry.load(self.registry_path)

    def sign(self, store: EvidenceStore, user_id: str, role: Role, meaning: str) -> None:
        sign_campaign(store, self.registry, self.keys, user_id=user_id, password=PASSWORD, role=role,
                      meaning=meaning)


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> Signers:
    return Signers(tmp_path_factory.mktemp("users"))


def iq_campaign(directory: Path, signers: Signers, *, bench_id: str = BENCH, release: bool = True) -> Path:
    """A finished IQ campaign on a real bench, all criteria met, reviewed and (``release``) released to OQ."""
    manifest = [("features/iq/identity.feature", "a" * 64)]
    approval = approve_protocol(signers.registry, signers.keys, user_id="appr.one", password=PASSWORD,
                                protocol_id=PROTOCOL, protocol_version="0.1", manifest=manifest)
    with EvidenceStore.create(directory) as store:
        executor_key = signers.registry.unlock("exec.ops", PASSWORD, signers.keys)
        store.append("campaign_started", sign_execution({  # the executor signs the start, as `run --user` does
            "campaign_id": directory.name, "stage": "IQ", "protocol_id": PROTOCOL, "protocol_version": "0.1",
            "protocol_hash": approval.protocol_hash, "bench_profile": "profiles/benches/lab2-03.yaml",
            "bench_simulated": False, "bench_id": bench_id, "executor_user_id": "exec.ops",
            "executor_printed_name": "Erin Executor", "executor_signed_utc": utc_now()}, executor_key))
        store.append("protocol", {"protocol_id": PROTOCOL, "version": "0.1", "protocol_hash": approval.protocol_hash,
                                  "files": [{"path": p, "sha256": s} for p, s in manifest],
                                  "approvals": [approval.to_payload()]})
        store.append("scenario", {"feature": "features/iq/identity.feature", "scenario": "Identity",
                                  "urs": ["URS-IQ-001"], "status": "passed", "duration_s": 0.1})
        store.append("campaign_finished", {"verdict": "criteria_met", "criteria_total": 0, "criteria_failed": 0,
                                           "deviations": 0, "conclusion": "met", "recommendation": "release"})
        signers.sign(store, "exec.ops", Role.EXECUTOR, "executed")
        signers.sign(store, "rev.one", Role.REVIEWER, "reviewed")
        if release:
            signers.sign(store, "appr.one", Role.APPROVER, "approved-oq")  # "approved — release to OQ"
    return directory


def test_oq_in_the_same_campaign_as_iq_records_a_deviation_naming_the_stage(tmp_path: Path) -> None:
    (gate,) = stage_gates(["iq", "oq"], [])
    assert not gate.released and "IQ is executed in this same campaign" in gate.reason
    assert "its release is this campaign's review and approval" not in gate.statement  # the circular text is gone
    with EvidenceStore.create(tmp_path / "C") as store:
        (deviation,) = record_unreleased_prerequisites(store, [gate])
    assert deviation.category == DeviationCategory.PREREQUISITE_NOT_RELEASED
    assert deviation.description.startswith("OQ started without IQ released")


def test_a_campaign_run_of_iq_and_oq_records_it_and_states_it(tmp_path: Path) -> None:
    """Through the campaign start a run writes (the old behaviour: no deviation, a circular statement)."""
    paths = ProjectPaths.at(ROOT)
    with EvidenceStore.create(tmp_path / "C") as store:
        record_campaign_start(store, root=ROOT, campaign_id="C", stages=["iq", "oq", "pq"],
                              bench=load_bench(paths.default_bench), bench_path=paths.default_bench,
                              acceptance_path=paths.default_acceptance)
        records = store.records()
    started = records[0].payload
    assert [g["stage"] for g in started["stage_gates"]] == ["OQ", "PQ"]
    assert all("NOT RELEASED" in line and "prerequisite_not_released deviation" in line
               for line in started["prerequisites"])
    found = [d for d in deviations_from_records(records) if d.category == DeviationCategory.PREREQUISITE_NOT_RELEASED]
    assert [d.description.split(":")[0] for d in found] == ["OQ started without IQ released",
                                                             "PQ started without OQ released"]


def test_oq_with_a_released_iq_campaign_as_prerequisite_has_no_deviation(tmp_path: Path, signers: Signers) -> None:
    iq = iq_campaign(tmp_path / "IQ-1", signers)
    (gate,) = stage_gates(["oq"], [iq], bench_id=BENCH, protocol_id=PROTOCOL, registry_path=signers.registry_path)
    assert gate.released, gate.reason
    assert "IQ-1" in gate.statement and "Alex Approver" in gate.statement
    with EvidenceStore.create(tmp_path / "C") as store:
        assert record_unreleased_prerequisites(store, [gate]) == []


def test_oq_without_a_prerequisite_or_with_an_unreleased_one_records_why(tmp_path: Path, signers: Signers) -> None:
    (gate,) = stage_gates(["oq"], [])
    assert not gate.released and "no released IQ campaign given (--prerequisite DIR)" in gate.reason
    reviewed_only = iq_campaign(tmp_path / "IQ-2", signers, release=False)
    assert "carries no approver's release" in released_by(reviewed_only, registry_path=signers.registry_path)
    other_bench = iq_campaign(tmp_path / "IQ-3", signers, bench_id="BENCH-LAB1-01")
    assert "ran on bench BENCH-LAB1-01, not BENCH-LAB2-03" in released_by(other_bench, bench_id=BENCH,
                                                                          registry_path=signers.registry_path)
    (gate,) = stage_gates(["oq"], [reviewed_only], bench_id=BENCH, registry_path=signers.registry_path)
    assert not gate.released and "IQ-2 carries no approver's release" in gate.reason


def test_a_released_iq_campaign_edited_afterwards_releases_nothing(tmp_path: Path, signers: Signers) -> None:
    import sqlite3

    iq = iq_campaign(tmp_path / "IQ-4", signers)
    with sqlite3.connect(iq / "evidence.sqlite") as con:  # a forger who knows SQLite drops the guard first
        con.execute("DROP TRIGGER records_refuse_update")
        con.execute("update records set payload = replace(payload, 'criteria_met', 'criteria_met ') "
                    "where kind = 'campaign_finished'")
    assert "does not verify intact" in released_by(iq, registry_path=signers.registry_path)
