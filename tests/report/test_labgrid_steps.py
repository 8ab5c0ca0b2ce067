"""labgrid step events → Allure sub-steps with arguments and results; bulk loops coalesced."""

from __future__ import annotations

import pytest
from labgrid.step import step

from mimedi_qual.report.labgrid_steps import LabgridStepReporter


class RecordingHook:
    """Stands in for ``allure_commons.plugin_manager.hook``: records the Allure calls."""

    def __init__(self):
        self.calls: list[tuple] = []

    def start_step(self, uuid, title, params):
        self.calls.append(("start", title, dict(params)))

    def stop_step(self, uuid, exc_type, exc_val, exc_tb):
        self.calls.append(("stop", exc_type.__name__ if exc_type else None))

    def attach_data(self, body, name, attachment_type, extension):
        self.calls.append(("attach", name, body))


class FakeDriver:
    name = "thermometer"

    @step(title="scpi query", args=["command"], result=True)
    def query(self, command):
        if command == "BAD?":
            raise RuntimeError("no reply")
        return "37.0012"

    @step(title="read temperature", result=True)
    def read_temperature_c(self):
        return float(self.query("FETC? 1"))


@pytest.fixture
def reporter():
    hook = RecordingHook()
    reporter = LabgridStepReporter(hook=hook, max_substeps=3, max_children=2)
    reporter.subscribe()
    yield reporter
    reporter.unsubscribe()


def test_a_device_call_becomes_a_nested_sub_step_with_arguments_and_result(reporter):
    driver = FakeDriver()
    reporter.begin()
    driver.read_temperature_c()
    reporter.end()
    assert reporter.hook.calls == [
        ("start", "thermometer: read temperature", {"result": 37.0012}),
        ("start", "thermometer: scpi query", {"command": "FETC? 1", "result": "37.0012"}),
        ("stop", None),
        ("stop", None),
    ]


def test_a_failed_call_carries_its_exception(reporter):
    reporter.begin()
    with pytest.raises(RuntimeError):
        FakeDriver().query("BAD?")
    reporter.end()
    start, stop = reporter.hook.calls
    assert start[2]["exception"] == "RuntimeError: no reply"
    assert stop == ("stop", "RuntimeError")


def test_nothing_is_emitted_outside_a_gherkin_step(reporter):
    FakeDriver().read_temperature_c()
    assert reporter.hook.calls == []


def test_bulk_loop_is_coalesced_into_one_io_log(reporter):
    driver = FakeDriver()
    reporter.begin()
    for _ in range(1440):
        driver.read_temperature_c()
    reporter.end()
    starts = [c for c in reporter.hook.calls if c[0] == "start"]
    attachments = [c for c in reporter.hook.calls if c[0] == "attach"]
    assert len(starts) == 3 * 2  # the first 3 top-level calls, each with its query
    assert len(attachments) == 1
    _, name, body = attachments[0]
    assert name == "labgrid I/O log: 1440 device calls"
    lines = body.splitlines()
    assert len(lines) == 2880  # every call, including the first three
    assert lines[1] == "  thermometer: scpi query command='FETC? 1' result='37.0012'"


def test_many_children_are_counted_not_listed(reporter):
    driver = FakeDriver()

    @step(title="sample", result=False)
    def sample():
        for _ in range(5):
            driver.query("FETC? 1")

    reporter.begin()
    sample()
    reporter.end()
    titles = [c[1] for c in reporter.hook.calls if c[0] == "start"]
    assert titles == ["sample", "thermometer: scpi query", "thermometer: scpi query",
                      "… 3 more device calls (see the I/O log)"]
    assert reporter.hook.calls[-1][0] == "attach"
