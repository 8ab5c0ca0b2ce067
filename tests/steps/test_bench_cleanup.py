"""BenchCleanup: the undo actions a scenario registered run at its end — unless it carried them out itself —
and an undo that fails is recorded and reported, never swallowed."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder
from mimedi_qual.steps.actions.faults import inject
from mimedi_qual.steps.cleanup import BenchCleanup, CleanupFailed, scenario_cleanup


def test_actions_run_last_registered_first_and_a_failure_does_not_stop_the_rest():
    done, errors = [], []
    cleanup = BenchCleanup(on_error=lambda name, exc: errors.append((name, type(exc))))
    cleanup.register("clear faults", lambda: done.append("clear"))
    cleanup.register("broken", lambda: 1 / 0)
    cleanup.register("exchange the challenged medium", lambda: done.append("exchange"))
    cleanup.register("clear faults", lambda: done.append("registered twice"))   # the first one stays
    with pytest.raises(CleanupFailed) as failed:
        cleanup.run()
    assert done == ["exchange", "clear"]                 # every undo ran, in reverse order
    assert errors == [("broken", ZeroDivisionError)]     # the failure was reported as it happened
    assert [name for name, _ in failed.value.failures] == ["broken"]
    assert "broken: ZeroDivisionError" in str(failed.value)


def test_every_failure_is_reported_after_all_undos_ran():
    done = []
    cleanup = BenchCleanup()
    cleanup.register("first", lambda: done.append("first"))
    cleanup.register("door", lambda: (_ for _ in ()).throw(OSError("coil did not take")))
    cleanup.register("faults", lambda: 1 / 0)
    with pytest.raises(CleanupFailed) as failed:
        cleanup.run()
    assert done == ["first"]
    assert [name for name, _ in failed.value.failures] == ["faults", "door"]


def test_a_clean_run_raises_nothing():
    done = []
    cleanup = BenchCleanup()
    cleanup.register("clear faults", lambda: done.append("clear"))
    cleanup.run()
    assert done == ["clear"]


def test_an_undo_the_scenario_did_itself_is_not_repeated():
    done = []
    cleanup = BenchCleanup()
    cleanup.register("exchange the challenged medium", lambda: done.append("exchange"))
    cleanup.done("exchange the challenged medium")
    cleanup.done("never registered")
    cleanup.run()
    assert done == []


def test_a_failed_undo_is_an_execution_error_deviation_in_the_campaign_record(tmp_path):
    store = EvidenceStore.create(tmp_path / "campaign")
    try:
        recorder = EvidenceRecorder(store, tmp_path)
        cleanup = BenchCleanup(on_error=lambda name, exc: recorder.record_cleanup_error(
            name, exc, scenario="Heater failure", urs=["URS-OQ-ALARM-001"]))
        cleanup.register("clear faults", lambda: (_ for _ in ()).throw(OSError("simulation channel closed")))
        with pytest.raises(CleanupFailed):
            cleanup.run()
        deviations = store.records(kind="deviation")
        assert len(deviations) == 1
        payload = deviations[0].payload
        assert payload["category"] == "execution_error"
        assert payload["scenario"] == "Heater failure" and payload["urs"] == ["URS-OQ-ALARM-001"]
        assert "clear faults" in payload["description"]
        assert "OSError: simulation channel closed" in payload["actual"]
    finally:
        store.close()


def test_the_scenario_cleanup_records_a_failed_undo_under_the_scenario_that_ran(campaign, bench, tmp_path):
    """scenario_cleanup (what the bench_cleanup fixture uses) notes the running scenario for its teardown."""
    store = EvidenceStore.create(tmp_path / "evidence")
    try:
        recorder = EvidenceRecorder(store, tmp_path)
        recorder.pytest_bdd_before_scenario(
            request=SimpleNamespace(node=SimpleNamespace(nodeid="features/oq/alarms.feature::heater")),
            feature=SimpleNamespace(filename=str(tmp_path / "alarms.feature"), tags={"URS-OQ-ALARM-001"}),
            scenario=SimpleNamespace(name="A failed heater is alarmed", tags=set()))
        cleanup = scenario_cleanup(replace(campaign, recorder=recorder))
        inject(campaign, cleanup, "HEATER_FAIL")
        recorder.current = None                      # the scenario's call phase is over: teardown follows
        bench.faults_.fail_clear = OSError("simulation channel closed")
        with pytest.raises(CleanupFailed, match="clear faults: OSError: simulation channel closed"):
            cleanup.run()
        [deviation] = [r.payload for r in store.records(kind="deviation")]
        assert deviation["category"] == "execution_error"
        assert deviation["scenario"] == "A failed heater is alarmed"
        assert deviation["urs"] == ["URS-OQ-ALARM-001"]
    finally:
        store.close()


def test_without_an_evidence_store_a_failed_undo_is_still_raised(campaign):
    cleanup = scenario_cleanup(campaign)
    cleanup.register("broken", lambda: 1 / 0)
    with pytest.raises(CleanupFailed):
        cleanup.run()


def test_a_failure_that_cannot_be_recorded_still_lets_every_undo_run():
    done = []

    def broken_record(name, exc):
        raise OSError("evidence store closed")

    cleanup = BenchCleanup(on_error=broken_record)
    cleanup.register("first", lambda: done.append("first"))
    cleanup.register("broken", lambda: 1 / 0)
    with pytest.raises(CleanupFailed) as failed:
        cleanup.run()
    assert done == ["first"]
    assert [name for name, _ in failed.value.failures] == ["broken", "recording the failure of broken"]
