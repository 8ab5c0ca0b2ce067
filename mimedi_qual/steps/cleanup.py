"""Undo what a scenario did to the bench when it ends, passed or failed (not a step module).

A scenario that fails halfway must not leave the bench faulted for the next
one: a step that changes the bench registers how to undo it, and the
``bench_cleanup`` fixture runs every undo when the scenario ends, the last
registered first::

    bench_cleanup.register("clear faults", injector.clear)
    bench_cleanup.register("close the door", close_door)
    ...
    bench_cleanup.done("exchange the challenged medium")   # the scenario did it itself

An undo that fails does not stop the others. Each failure is reported to
``on_error`` (the fixture records it in the campaign record as an execution
error of the scenario) and, once every undo has run, all of them are raised
as one :class:`CleanupFailed` — a scenario that left the bench changed is
never reported green.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mimedi_qual.errors import MimediQualError
from mimedi_qual.plugin.context import CampaignContext


class CleanupFailed(MimediQualError):
    """One or more undo actions of a scenario failed: the bench may be left changed for the next scenario.

    ``failures`` holds (undo name, exception) in the order the undos ran. Each
    failure is also in the campaign record as an ``execution_error`` deviation
    of the scenario; raised from the fixture's teardown, it fails the run.
    """

    def __init__(self, failures: list[tuple[str, BaseException]]):
        self.failures = failures
        super().__init__("cleanup failed: " + "; ".join(f"{name}: {type(exc).__name__}: {exc}"
                                                        for name, exc in failures))


class BenchCleanup:
    """Undo actions a scenario registered (clear faults, close the door), run when it ends."""

    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self.actions: dict[str, Callable[[], None]] = {}
        self.on_error = on_error

    def __repr__(self) -> str:
        return f"<cleanup: {', '.join(self.actions) or 'nothing'}>"

    def register(self, name: str, action: Callable[[], None]) -> None:
        """Run ``action`` when the scenario ends; a second registration under the same name is ignored."""
        self.actions.setdefault(name, action)

    def done(self, name: str) -> None:
        """The scenario carried out this undo itself: nothing left to do at the end."""
        self.actions.pop(name, None)

    def run(self) -> None:
        """Run every undo, last registered first; then raise :class:`CleanupFailed` if any of them failed."""
        failures: list[tuple[str, BaseException]] = []
        for name, action in reversed(list(self.actions.items())):
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - every undo must run; the failures are raised together below
                failures.append((name, exc))
                self._report(name, exc, failures)
        self.actions.clear()
        if failures:
            raise CleanupFailed(failures)

    def _report(self, name: str, error: BaseException, failures: list[tuple[str, BaseException]]) -> None:
        """Hand a failure to ``on_error``; should that fail too, it joins the failures (the undos go on)."""
        if self.on_error is None:
            return
        try:
            self.on_error(name, error)
        except Exception as exc:  # noqa: BLE001 - a record that cannot be written must not stop the undos
            failures.append((f"recording the failure of {name}", exc))


def scenario_cleanup(campaign: CampaignContext) -> BenchCleanup:
    """A cleanup for the scenario running now: a failed undo becomes an execution-error deviation of it.

    The scenario is noted now, while it runs: by the time the undos run (the
    fixture's teardown) the recorder has already closed it.
    """
    recorder = campaign.recorder
    if recorder is None:        # no evidence store (a bare step test): failures are still raised
        return BenchCleanup()
    current = recorder.current
    scenario, urs = (current.name, list(current.urs)) if current is not None else ("", [])

    def record(undo: str, error: BaseException) -> None:
        recorder.record_cleanup_error(undo, error, scenario=scenario, urs=urs)

    return BenchCleanup(on_error=record)


@pytest.fixture
def bench_cleanup(campaign: CampaignContext):
    """Per scenario: undo what fault, door, pump and settings steps did, even when the scenario fails.

    A failed undo is recorded as an execution-error deviation of the scenario
    and fails its teardown.
    """
    cleanup = scenario_cleanup(campaign)
    yield cleanup
    cleanup.run()
