"""BenchCleanup: the undo actions a scenario registered run at its end — unless it carried them out itself."""

from mimedi_qual.steps.alarm_steps import BenchCleanup


def test_actions_run_last_registered_first_and_errors_do_not_stop_the_rest():
    done = []
    cleanup = BenchCleanup()
    cleanup.register("clear faults", lambda: done.append("clear"))
    cleanup.register("broken", lambda: 1 / 0)
    cleanup.register("exchange the challenged medium", lambda: done.append("exchange"))
    cleanup.register("clear faults", lambda: done.append("registered twice"))   # the first one stays
    cleanup.run()
    assert done == ["exchange", "clear"]


def test_an_undo_the_scenario_did_itself_is_not_repeated():
    done = []
    cleanup = BenchCleanup()
    cleanup.register("exchange the challenged medium", lambda: done.append("exchange"))
    cleanup.done("exchange the challenged medium")
    cleanup.done("never registered")
    cleanup.run()
    assert done == []
