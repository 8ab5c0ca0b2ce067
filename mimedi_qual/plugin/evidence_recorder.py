"""Write the campaign record into the evidence store while the campaign runs.

A pytest plugin object (registered by the mimedi-qual plugin when a bench is
given). Records are written as they are taken — each append is durable — so a
campaign process killed mid-run loses nothing already recorded:

* ``step`` — every Gherkin step with its status, duration and error;
* ``measurement`` — every judged value (via :meth:`record_measurement`, which
  ``CampaignContext.record`` calls), with scenario, feature, URS, and its raw
  files stored first: the measurement JSON and, for a judged series, the
  series CSV and its plot (:mod:`mimedi_qual.evidence.measurements`);
* ``raw_data`` — every other Allure attachment (I/O logs, tables) is also
  stored under its SHA-256 in ``raw/``: the report and the record share one
  original. A measurement's own attachments are already stored and are not
  stored twice;
* ``scenario`` — each scenario's outcome (the rows of the traceability
  matrix), with its pytest node id so ``run --resume`` can skip it;
* ``deviation`` — for a failed scenario: one per criterion not met, or the
  instrument fault, or the execution error, with expected/actual/impact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import allure_commons
import pytest

from mimedi_qual.errors import InstrumentError
from mimedi_qual.evidence.deviations import DeviationCategory, record_deviation
from mimedi_qual.evidence.measurements import MeasurementContext, RawSeries, RecordedMeasurement
from mimedi_qual.evidence.measurements import record_measurement as record_measurement_evidence
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.qualification.result_text import result_text
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.qualification.series import Series
from mimedi_qual.report.plots import series_plot_png

STEP_STATUS_FAILED, STEP_STATUS_BROKEN = "failed", "broken"
#: how an instrument_identity record says the instrument did not answer *IDN?
NO_ANSWER_PREFIX = "no answer"


@dataclass
class _Scenario:
    nodeid: str
    feature: str
    name: str
    urs: list[str]
    steps: list[str] = field(default_factory=list)  # Gherkin steps executed so far: the method
    failed_measurements: list[dict] = field(default_factory=list)
    error: BaseException | None = None
    error_step: str = ""


class EvidenceRecorder:
    def __init__(self, store: EvidenceStore, root: Path):
        self.store = store
        self.root = root
        self.current: _Scenario | None = None
        #: the scenario whose call phase ended last (its teardown may still fail)
        self._ended: _Scenario | None = None
        self._step_started = 0.0
        # Set while a view attaches what was already recorded: those attachments are not raw data again.
        self._showing_record = threading.local()
        self._idn_by_instrument: dict[str, str] | None = None

    # -- helpers ---------------------------------------------------------
    def _feature_path(self, filename: str) -> str:
        try:
            return str(Path(filename).resolve().relative_to(self.root))
        except ValueError:
            return str(filename)

    def _step_payload(self, step, status: str, error: str = "") -> dict:
        sc = self.current
        return {
            "feature": sc.feature if sc else "",
            "scenario": sc.name if sc else "",
            "keyword": step.keyword,
            "text": step.name,
            "status": status,
            "urs": sc.urs if sc else [],
            "duration_s": round(time.monotonic() - self._step_started, 6),
            "error": error,
            "line": step.line_number,
        }

    # -- pytest-bdd hooks -------------------------------------------------
    @pytest.hookimpl
    def pytest_bdd_before_scenario(self, request, feature, scenario):
        urs = sorted(t for t in (scenario.tags | feature.tags) if t.startswith("URS-"))
        self.current = _Scenario(request.node.nodeid, self._feature_path(feature.filename), scenario.name, urs)

    @pytest.hookimpl
    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func):
        self._step_started = time.monotonic()
        if self.current is not None:
            self.current.steps.append(f"{step.keyword} {step.name}")

    @pytest.hookimpl
    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args):
        self.store.append("step", self._step_payload(step, "passed"))

    @pytest.hookimpl
    def pytest_bdd_step_error(self, request, feature, scenario, step, step_func, step_func_args, exception):
        status = STEP_STATUS_FAILED if isinstance(exception, AssertionError) else STEP_STATUS_BROKEN
        message = f"{type(exception).__name__}: {exception}"
        self.store.append("step", self._step_payload(step, status, message))
        if self.current is not None and self.current.error is None:
            self.current.error = exception
            self.current.error_step = f"{step.keyword} {step.name}"

    @pytest.hookimpl
    def pytest_bdd_step_func_lookup_error(self, request, feature, scenario, step, exception):
        self._step_started = time.monotonic()
        self.store.append("step", self._step_payload(step, STEP_STATUS_BROKEN, f"no step definition: {exception}"))
        if self.current is not None and self.current.error is None:
            self.current.error = exception
            self.current.error_step = f"{step.keyword} {step.name}"

    # -- scenario outcome ----------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        sc = self.current
        if report.when == "teardown" and report.failed and self._ended is not None \
                and self._ended.nodeid == item.nodeid:
            self._teardown_failure(self._ended, report)
            return
        if sc is None or sc.nodeid != item.nodeid:
            if report.when == "setup" and report.failed:
                self._setup_failure(item, report)
            return
        if report.when != "call":
            return
        status = "passed" if report.passed else ("failed" if sc.failed_measurements or
                                                 isinstance(sc.error, AssertionError) else "broken")
        self.store.append("scenario", {
            "feature": sc.feature, "scenario": sc.name, "urs": sc.urs, "status": status,
            "duration_s": round(report.duration, 6), "nodeid": sc.nodeid,
        })
        if not report.passed:
            self._deviations_for(sc, report)
        self._ended = sc
        self.current = None

    def _teardown_failure(self, sc: _Scenario, report) -> None:
        """The scenario's cleanup failed after its steps ran (the cleanup recorded why as a deviation):
        the scenario did not end as a pass, whatever its steps said — one more ``scenario`` record says so."""
        self.store.append("scenario", {
            "feature": sc.feature, "scenario": sc.name, "urs": sc.urs, "status": STEP_STATUS_BROKEN,
            "duration_s": round(report.duration, 6), "nodeid": sc.nodeid,
        })
        self._ended = None

    def _setup_failure(self, item, report) -> None:
        """The bench could not be brought up for this scenario: an instrument fault."""
        message = report.longreprtext.strip().splitlines()[-1] if report.longreprtext else "setup failed"
        record_deviation(
            self.store, DeviationCategory.INSTRUMENT_FAULT,
            description=f"Bench not available for {item.name}: {message}",
            expected="bench reachable and ready", actual=message,
            impact="scenario not executed; no evidence produced for it",
            scenario=item.name,
        )

    def _deviations_for(self, sc: _Scenario, report) -> None:
        for m in sc.failed_measurements:
            record_deviation(
                self.store, DeviationCategory.CRITERION_NOT_MET,
                description=f"{m['criterion_id']} not met in '{sc.name}': {m.get('description', '')}",
                expected=result_text(m).acceptance, actual=result_text(m).actual,
                impact=f"acceptance criterion {m['criterion_id']} not demonstrated; "
                       f"requirement(s) {', '.join(sc.urs) or '-'} not verified",
                scenario=sc.name, urs=sc.urs, criterion_id=m["criterion_id"],
            )
        if sc.failed_measurements:
            return
        error = sc.error
        message = f"{type(error).__name__}: {error}" if error else (report.longreprtext.strip().splitlines() or ["failed"])[-1]
        if _caused_by_instrument(error):
            category = DeviationCategory.INSTRUMENT_FAULT
            impact = "the scenario stopped at the fault; its criteria are not demonstrated"
        else:
            category = DeviationCategory.EXECUTION_ERROR
            impact = "the protocol could not be executed as written; its criteria are not demonstrated"
        record_deviation(
            self.store, category,
            description=f"'{sc.name}' stopped at step '{sc.error_step}'",
            expected="step completes", actual=message[:2000], impact=impact,
            scenario=sc.name, urs=sc.urs,
        )

    # -- the bench's own events: injected and cleared faults, reconnections ------------
    def record_fault(self, event: str, fault: str, target: str = "", value: str = "",
                     bench_time_s: float | None = None) -> None:
        """An ``injected_fault`` record: a fault injected (``event="injected"``) or cleared (``"cleared"``).

        ``fault`` ``""`` with ``cleared``: every fault. Written as the step acts, naming the running
        scenario (``scenario``) or, from a cleanup after its steps, the one that ended (``after_scenario``).
        """
        parameters = {"event": event, "value": value}
        if bench_time_s is not None:
            parameters["bench_time_s"] = round(bench_time_s, 3)
        self.store.append("injected_fault", {"fault": fault or "ALL", "target": target, **self._where(),
                                             "parameters": parameters})

    def _where(self) -> dict[str, str]:
        """Which scenario a bench event belongs to: the running one, or the one whose cleanup is running."""
        if self.current is not None:
            return {"scenario": self.current.name}
        return {"scenario": "", "after_scenario": self._ended.name if self._ended is not None else ""}

    def record_reconnect(self, instrument: str, attempt: int, cause: str, connected: bool) -> None:
        """An ``instrument_reconnect`` record: one attempt of a driver to reopen a broken link."""
        self.store.append("instrument_reconnect", {"instrument": instrument, "attempt": attempt,
                                                   "cause": cause[:500], "connected": connected, **self._where()})

    # -- cleanup ------------------------------------------------------------------
    def record_cleanup_error(self, undo: str, error: BaseException, scenario: str = "",
                             urs: list[str] | None = None) -> None:
        """An undo a scenario registered failed at its end: the bench may be left changed (execution error)."""
        record_deviation(
            self.store, DeviationCategory.EXECUTION_ERROR,
            description=f"cleanup of '{scenario}' failed: {undo}",
            expected=f"{undo} completes", actual=f"{type(error).__name__}: {error}"[:2000],
            impact="the bench may be left changed for the scenarios after this one; review their results",
            scenario=scenario, urs=urs or [],
        )

    # -- measurements ----------------------------------------------------------
    def record_measurement(self, measurement: Measurement, series: Series | None = None) -> RecordedMeasurement:
        """Record a judged measurement of the running scenario, with the series it judged (if any).

        The series CSV and its plot are stored as raw files, then the
        measurement JSON, then the measurement record naming them — before
        this returns. The returned bytes are what the views attach.
        """
        sc = self.current
        context = MeasurementContext(
            scenario=sc.name if sc else "", feature=sc.feature if sc else "", urs=list(sc.urs) if sc else [],
            # Every result carries its method (the steps run so far) and its expected result.
            method=" → ".join(sc.steps) if sc else "",
        )
        raw_series = None
        if series is not None:
            plot = series_plot_png(series, title=f"{measurement.criterion_id}: {measurement.description}",
                                   low=measurement.low, high=measurement.high, unit=measurement.unit)
            raw_series = RawSeries(series.to_csv(), plot, label=series.label, clocks=series.clocks())
        text = result_text(measurement.as_dict())
        # The record carries the result as every view writes it (result_text), beside the fields it is made of.
        judged = {**measurement.as_dict(), "expected": text.acceptance, "result_text": text.line}
        recorded = record_measurement_evidence(self.store, judged, context=context, series=raw_series)
        if sc is not None and measurement.verdict != "pass":
            sc.failed_measurements.append(recorded.payload)
        return recorded

    @contextmanager
    def showing_record(self) -> Iterator[None]:
        """Attachments made inside this block show what is already recorded: they are not stored again."""
        self._showing_record.active = True
        try:
            yield
        finally:
            self._showing_record.active = False

    def instrument_idn(self, name: str) -> str:
        """The identity instrument ``name`` reported when the campaign recorded it ('' if it did not answer)."""
        if self._idn_by_instrument is None:
            self._idn_by_instrument = {}
            for record in self.store.records(kind="instrument_identity"):
                payload = record.payload
                if payload.get("idn") and not str(payload["idn"]).startswith(NO_ANSWER_PREFIX):
                    self._idn_by_instrument[payload["name"]] = payload["idn"]
        return self._idn_by_instrument.get(name, "")

    # -- Allure attachments are raw evidence too -----------------------------------
    @allure_commons.hookimpl
    def attach_data(self, body, name, attachment_type, extension):
        data = body if isinstance(body, bytes) else str(body).encode("utf-8")
        if getattr(self._showing_record, "active", False):
            return  # a view of a record (a measurement's JSON, series, plot, verdict line): stored already
        ext = extension or (attachment_type.extension if attachment_type is not None else "bin")
        scenario = self.current.name if self.current else ""
        self.store.store_raw(data, ext, description=f"{scenario}: {name}" if scenario else str(name))

    @allure_commons.hookimpl
    def attach_file(self, source, name, attachment_type, extension):
        path = Path(source)
        if path.is_file():
            self.attach_data(path.read_bytes(), name or path.name, attachment_type,
                             extension or path.suffix.lstrip("."))



def _caused_by_instrument(error: BaseException | None) -> bool:
    """True when an instrument fault (an :class:`InstrumentError`) is the error or what led to it.

    Decided by type, following the chain of causes: a step that catches an
    instrument fault and raises its own error is still stopped by the instrument.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, InstrumentError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
