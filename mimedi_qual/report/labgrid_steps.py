"""Mirror labgrid's step events into Allure: what was sent to which device, and what came back.

Every driver call decorated with labgrid's ``@step`` (each SCPI query and
write, each MT-SICS command, power switching, console I/O, strategy
transitions) emits a *start* and a *stop* event on ``labgrid.step.steps``.
:class:`LabgridStepReporter` subscribes to them and, while a Gherkin step is
running, turns each into an Allure sub-step of that Gherkin step::

    When the thermometer is read every 1 minute for 24 hours
      ├─ thermometer: read temperature            result=37.0012
      │   └─ thermometer: scpi query              command='FETC? 1'  result='37.0012'
      ├─ ...

Decisions (keep the report readable and the evidence complete):

* **Sub-steps are emitted when a top-level labgrid step ends**, as a whole
  tree, so every sub-step carries its arguments *and* its result (or the
  exception) as Allure parameters. Steps that ran a second or more carry
  ``duration_s``.
* **Bulk loops are coalesced.** The first ``max_substeps`` top-level device
  calls of a Gherkin step become sub-steps; from then on the calls are
  written, one line each, into an I/O log that is attached to the Gherkin
  step as one text attachment (``labgrid I/O log: N device calls``). The log
  holds *every* call of the step, including the first ones, so one file is
  the whole record. A 24 h sampling loop at one reading a minute (1,440
  readings, ~2,900 device calls) becomes 40 sub-steps and one attachment
  instead of thousands of nodes. Within a sub-step at most
  ``max_children`` children are shown; the rest are counted.
* Outside a Gherkin step (bench start-up in a session fixture) nothing is
  emitted: Allure has no step to hang it on.

Registered by the mimedi-qual pytest plugin; with no Allure listener active
(plain ``pytest`` without ``--alluredir``) the Allure hooks do nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

MAX_SUBSTEPS = 40
MAX_CHILDREN = 20
MAX_VALUE_CHARS = 200
LONG_STEP_S = 1.0


def _short(value):
    """The value itself (Allure shows its repr), or its repr cut short when that is long."""
    text = repr(value)
    return value if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"


@dataclass
class _Call:
    """One labgrid step while it runs and after it ended."""

    title: str
    args: dict
    depth: int
    children: list[_Call] = field(default_factory=list)
    result: object = None
    exception: BaseException | None = None
    skipped: str | None = None
    duration_s: float = 0.0
    done: bool = False

    def params(self) -> dict[str, object]:
        params = {k: _short(v) for k, v in (self.args or {}).items()}
        if self.exception is not None:
            params["exception"] = f"{type(self.exception).__name__}: {self.exception}"[:MAX_VALUE_CHARS]
        elif self.result is not None:
            params["result"] = _short(self.result)
        if self.skipped:
            params["skipped"] = self.skipped
        if self.duration_s >= LONG_STEP_S:
            params["duration_s"] = f"{self.duration_s:.3f}"
        return params

    def log_line(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.params().items()]
        return "  " * self.depth + f"{self.title} " + " ".join(parts)


def _title(step) -> str:
    source = getattr(step, "source", None)
    owner = getattr(source, "name", None) or (type(source).__name__ if source is not None else "")
    if not owner or step.title.startswith(f"{owner}:"):
        return step.title
    return f"{owner}: {step.title}"


class LabgridStepReporter:
    """Subscribe to labgrid steps; emit them as Allure sub-steps of the running Gherkin step.

    ``hook`` is the Allure hook relay (``allure_commons.plugin_manager.hook``
    by default); tests pass a recorder.
    """

    def __init__(self, hook=None, max_substeps: int = MAX_SUBSTEPS, max_children: int = MAX_CHILDREN):
        if hook is None:
            import allure_commons

            hook = allure_commons.plugin_manager.hook
        self.hook = hook
        self.max_substeps = max_substeps
        self.max_children = max_children
        self._active = False
        self._stack: list[_Call] = []
        self._top_level_calls = 0
        self._log: list[str] = []

    # -- subscription -------------------------------------------------------
    def subscribe(self) -> None:
        from labgrid.step import steps

        steps.subscribe(self)

    def unsubscribe(self) -> None:
        from labgrid.step import steps

        if self in steps._subscribers:
            steps.unsubscribe(self)

    # -- Gherkin step boundaries (pytest-bdd hooks; tryfirst: before Allure closes the step) --
    def begin(self) -> None:
        self._active = True
        self._stack.clear()
        self._top_level_calls = 0
        self._log = []

    def end(self) -> None:
        if not self._active:
            return
        self._active = False
        while self._stack:  # interrupted mid-call: record what was running
            call = self._stack.pop()
            call.skipped = call.skipped or "interrupted (step ended before the device call returned)"
            self._finish(call)
        if self._top_level_calls > self.max_substeps:
            body = "\n".join(self._log) + "\n"
            from allure_commons.types import AttachmentType

            self.hook.attach_data(body=body, name=f"labgrid I/O log: {self._top_level_calls} device calls",
                                  attachment_type=AttachmentType.TEXT, extension=None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func):
        self.begin()

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args):
        self.end()

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_error(self, request, feature, scenario, step, step_func, step_func_args, exception):
        self.end()

    # -- labgrid events -----------------------------------------------------
    def __call__(self, event) -> None:
        if not self._active:
            return
        data = event.data
        state = data.get("state")
        if state == "start":
            call = _Call(_title(event.step), dict(data.get("args") or {}), depth=len(self._stack))
            if self._stack:
                self._stack[-1].children.append(call)
            else:
                self._top_level_calls += 1
            self._stack.append(call)
        elif state == "stop":
            if not self._stack:
                return
            call = self._stack.pop()
            call.result = data.get("result")
            call.exception = data.get("exception")
            call.duration_s = data.get("duration", 0.0) or 0.0
            self._finish(call)
        elif "skip" in data and self._stack:
            self._stack[-1].skipped = str(data["skip"])

    def _finish(self, call: _Call) -> None:
        call.done = True
        if call.depth != 0:
            return
        self._log.extend(self._log_lines(call))
        if self._top_level_calls <= self.max_substeps:
            self._emit(call)

    def _log_lines(self, call: _Call) -> list[str]:
        lines = [call.log_line()]
        for child in call.children:
            lines.extend(self._log_lines(child))
        return lines

    def _emit(self, call: _Call) -> None:
        step_uuid = str(uuid.uuid4())
        self.hook.start_step(uuid=step_uuid, title=call.title, params=call.params())
        for child in call.children[:self.max_children]:
            self._emit(child)
        hidden = len(call.children) - self.max_children
        if hidden > 0:
            more = str(uuid.uuid4())
            self.hook.start_step(uuid=more, title=f"… {hidden} more device calls (see the I/O log)", params={})
            self.hook.stop_step(uuid=more, exc_type=None, exc_val=None, exc_tb=None)
            self._top_level_calls = max(self._top_level_calls, self.max_substeps + 1)  # force the log
        exc = call.exception
        self.hook.stop_step(uuid=step_uuid, exc_type=type(exc) if exc else None, exc_val=exc,
                            exc_tb=exc.__traceback__ if exc else None)
