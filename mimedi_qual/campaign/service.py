"""The campaign service: one owner of a campaign's life, whatever face started it.

    preflight → open record → acquire bench/place → run scenarios → close record → views

``mimedi-qual run`` calls :func:`run_campaign`; plain ``pytest -c
features/pytest.ini … --bench=PROFILE`` reaches the same :class:`Campaign`
through the pytest plugin (which opens it at configure time and closes it at
session end). Either way the campaign directory holds the same record and the
same views::

    outcome = run_campaign(CampaignRequest(paths=project_paths(), stages=("iq",)))
    outcome.exit_code, outcome.campaign_dir / "summary.pdf"

While pytest runs, the :class:`Campaign` object is registered as the pytest
plugin ``mimedi-campaign``; the mimedi-qual plugin finds it there and does not
open a second record.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mimedi_qual.campaign import record as campaign_record
from mimedi_qual.evidence import status
from mimedi_qual.campaign.exit_codes import ExitCode
from mimedi_qual.campaign.preflight import STAGES, CampaignPlan, preflight
from mimedi_qual.campaign.views import Views, finish_views, write_report
from mimedi_qual.evidence.store import EvidenceStore
from mimedi_qual.evidence.verify import ALLURE_RESULTS_DIR_NAME, record_allure_results
from mimedi_qual.paths import ProjectPaths

PLUGIN_NAME = "mimedi-campaign"
#: the record of a campaign stopped before its end (see :meth:`Campaign.record_interrupted`)
INTERRUPTED_KIND = status.INTERRUPTED_KIND
PLACE_ADDRESSES_FILE = "place-addresses.json"


def new_campaign_id(bench_id: str) -> str:
    """``<UTC time>-<bench id>-<random>``: sortable, names the bench, unique across benches."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{bench_id}-{secrets.token_hex(2)}"


@dataclass(eq=False)  # identity: pytest registers it as a plugin object
class Campaign:
    """One campaign: its directory, its record (the evidence store) and how to close it.

    ``views`` False: the record and ``measurements.jsonl`` only — no Allure
    results, no ``report.html``, no ``summary.pdf`` (tests that read only the
    record, and quick dry runs).
    """

    paths: ProjectPaths
    campaign_dir: Path
    store: EvidenceStore
    bench_path: Path
    acceptance_path: Path
    views: bool = True
    #: labgrid place addresses (device → host:port) when the bench is an acquired place
    place_addresses: dict[str, str] | None = None
    closed: dict | None = None
    view_files: Views = field(default_factory=Views)
    #: the scenarios pytest selected in this run (pytest node ids), once collected; None before collection
    selected_nodeids: list[str] | None = None
    #: the selected scenarios pytest ran to their end (teardown reported) in this run
    ended_nodeids: set[str] = field(default_factory=set)
    #: scenarios that already had a result before this run (a resumed campaign)
    earlier_nodeids: set[str] = field(default_factory=set)
    #: set when the disk filled up during the run (the error's text)
    disk_full: str | None = None

    @property
    def campaign_id(self) -> str:
        return self.campaign_dir.name

    @property
    def results_dir(self) -> Path:
        return self.campaign_dir / ALLURE_RESULTS_DIR_NAME

    def __repr__(self) -> str:  # pytest lists plugins by repr
        return f"<campaign {self.campaign_id}>"

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, paths: ProjectPaths, campaign_dir: Path, *, bench_profile, bench_path: Path,
               acceptance_path: Path, stages: Sequence[str], executor: str | None = None,
               prerequisites: Sequence[Path] = (), views: bool = True,
               signed_by: campaign_record.Executor | None = None, selection: dict | None = None) -> Campaign:
        """A new campaign directory and the first records (campaign_started, protocol).

        ``signed_by`` is the executor :func:`~mimedi_qual.campaign.record.authenticate_executor`
        let in; without it, ``executor`` (or the OS account) runs a dry run — refused on a real bench
        (:class:`~mimedi_qual.campaign.record.ExecutorRefused`) before anything is written.
        """
        if signed_by is None:
            signed_by = campaign_record.authenticate_executor(
                paths.root, executor, None, simulated=bench_profile.bench.kind == "simulated")
        store = EvidenceStore.create(campaign_dir, exist_ok=True)
        try:
            campaign_record.record_campaign_start(
                store, root=paths.root, campaign_id=campaign_dir.name, stages=list(stages), bench=bench_profile,
                bench_path=bench_path, acceptance_path=acceptance_path, executor_user_id=executor,
                prerequisite_dirs=list(prerequisites), executor=signed_by, selection=selection)
        except BaseException:
            store.close()
            raise
        return cls(paths, campaign_dir, store, bench_path, acceptance_path, views=views)

    @classmethod
    def reopen(cls, paths: ProjectPaths, campaign_dir: Path, *, bench_path: Path, acceptance_path: Path,
               views: bool = True) -> Campaign:
        """An existing campaign record (``run --resume``): appended to, never rewritten."""
        store = EvidenceStore.open(campaign_dir)
        earlier = {r.payload.get("nodeid") for r in store.records(kind="scenario") if r.payload.get("nodeid")}
        return cls(paths, campaign_dir, store, bench_path, acceptance_path, views=views, earlier_nodeids=earlier)

    # -- what ran (pytest hooks: the campaign is registered as a plugin) -------------------------
    def pytest_collection_finish(self, session) -> None:
        self.selected_nodeids = [item.nodeid for item in session.items]

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "teardown":      # the scenario ran to its end, whatever its outcome
            self.ended_nodeids.add(report.nodeid)

    def pytest_internalerror(self, excrepr, excinfo) -> bool | None:
        if _is_disk_full(excinfo.value):   # said once, plainly, by the face — not as a traceback
            self.disk_full = str(excinfo.value)
            return True
        return None

    def not_run(self) -> list[str]:
        """Selected scenarios of this run that did not run to their end (all of them before collection)."""
        return [n for n in self.selected_nodeids or () if n not in self.ended_nodeids]

    def _scenario_counts(self) -> dict:
        selected = self.earlier_nodeids | set(self.selected_nodeids or ())
        ran = self.earlier_nodeids | (self.ended_nodeids & selected)
        return {"scenarios_selected": len(selected), "scenarios_run": len(ran)}

    def record_interrupted(self, phase: str, reason: str) -> None:
        """The ``campaign_interrupted`` record: where the campaign stopped, why, what ran and what did not.

        ``phase``: ``scenarios`` (the run itself), ``report`` (Allure / report.html) or ``summary`` (the
        PDF). The campaign is then not complete (:func:`mimedi_qual.evidence.status.completion`): no
        review or approval signature, and ``mimedi-qual run --resume DIR`` finishes it.
        """
        not_run = self.not_run() if phase == "scenarios" else []
        if phase == "scenarios" and self.selected_nodeids is None:
            reason += " (before the scenarios were collected)"
        try:
            self.store.append(INTERRUPTED_KIND, {
                "phase": phase, "reason": reason, **self._scenario_counts(),
                "not_run": not_run, "resume": f"mimedi-qual run --resume {self.campaign_dir}"})
        except Exception:  # noqa: BLE001 — disk full / store gone: the record stays unfinished, resume still works
            pass

    # -- closing -------------------------------------------------------------------------------
    def close(self, results_dir: Path | None = None, *, interrupted: bool = False,
              reason: str = "interrupted (Ctrl-C or SIGTERM)") -> dict | None:
        """Close the record and write the views; idempotent. Returns ``campaign_finished``'s payload.

        Only a campaign in which every selected scenario ran is *finished*. ``interrupted`` (Ctrl-C,
        SIGTERM, a crash of pytest), or a selected scenario that did not run to its end: a
        ``campaign_interrupted`` record (phase ``scenarios``, what ran and what did not), no
        ``campaign_finished``, no views — nobody can sign or release it; ``mimedi-qual run --resume DIR``
        finishes it. A view that fails or is interrupted (Allure, ``report.html``, the PDF) records
        ``campaign_interrupted`` with its phase after ``campaign_finished``: the campaign is not complete
        until a resume has written its views (a kill -9 there is found by the missing summary artifact).
        """
        if self.closed is not None:
            return self.closed
        phase = "scenarios"
        try:
            if interrupted or self.not_run():
                self.record_interrupted(phase, reason if interrupted else "selected scenarios did not run")
                return None
            # The campaign's one end time: decided once, written into campaign_finished, and shown by every
            # view (Allure environment and executor, campaign.json, the PDF) from that same value.
            finished_utc = campaign_record.end_time_utc()
            phase = "report"
            if self.views:
                results = self._collect_results(results_dir)
                self.view_files = write_report(self.store, self.paths, results, finished_utc)
                record_allure_results(self.store)
            self.closed = campaign_record.record_campaign_finish(
                self.store, finished_utc=finished_utc, extra={**self._scenario_counts(), "views": self.views})
            if self.views:
                phase = "summary"
                finish_views(self.store, self.view_files)
                if self.view_files.failed:
                    self.record_interrupted(self.view_files.failed[0], "; ".join(self.view_files.problems))
        except BaseException as exc:  # Ctrl-C/SIGTERM in a view, disk full, …: said in the record, then raised
            self.record_interrupted(phase, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise
        finally:
            self.store.close()
        return self.closed

    def _collect_results(self, results_dir: Path | None) -> Path:
        """The Allure results belong in the campaign directory (``verify`` checks them there)."""
        own = self.results_dir
        own.mkdir(parents=True, exist_ok=True)
        if results_dir is not None and results_dir.resolve() != own.resolve() and results_dir.is_dir():
            for path in results_dir.iterdir():
                if path.is_file():
                    shutil.copy2(path, own / path.name)
        return own


# -- the CLI's whole run ------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignRequest:
    """What a face asks for. Defaults: every stage on the simulated bench, evidence under reports/."""

    paths: ProjectPaths
    bench_path: Path | None = None
    acceptance_path: Path | None = None
    stages: tuple[str, ...] = STAGES
    modules: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    tags: str | None = None
    executor: str | None = None
    #: the executor's password: they sign the campaign's start (required on a real bench)
    executor_password: str | None = field(default=None, repr=False)
    prerequisites: tuple[Path, ...] = ()
    out_dir: Path | None = None
    coordinator: str | None = None
    place: str | None = None
    wait_s: float = 0.0
    resume: Path | None = None
    #: ``run --resume`` with judging inputs changed since the start: carry on with a protocol_changed deviation
    #: (without it such a resume is refused, naming the files)
    accept_changed_protocol: bool = False
    views: bool = True
    #: the step vocabulary (``mimedi_qual.plugin.vocabulary.step_definitions()``): with it the preflight checks
    #: every step of every selected scenario before anything starts
    vocabulary: list | None = None


@dataclass
class CampaignOutcome:
    exit_code: ExitCode
    campaign_dir: Path
    plan: CampaignPlan
    finished: dict | None
    views: Views
    simulated: bool
    collection_errors: list[str] = field(default_factory=list)
    harness_error: str | None = None
    #: the disk filled up (the message): exit DISK_FULL, the record kept as far as it was written
    disk_full: str | None = None


class _CollectionWatch:
    """Collection errors of the pytest run (a broken feature file discovered late)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            lines = report.longreprtext.strip().splitlines() or ["collection failed"]
            self.errors.append(f"{report.nodeid}: {lines[-1]}")


def plan_campaign(request: CampaignRequest) -> tuple[CampaignPlan, object | None]:
    """Preflight, raising on bad input. Resume: the stages, bench, acceptance profile and selection recorded at
    start, and the judging inputs unchanged since (else :class:`~mimedi_qual.campaign.resume.ProtocolChangedOnResume`
    unless ``accept_changed_protocol``)."""
    resumed = None
    bench_path, acceptance_path, stages = request.bench_path, request.acceptance_path, request.stages
    modules, risks, tags = request.modules, request.risks, request.tags
    if request.resume is not None:
        from mimedi_qual.campaign.resume import ProtocolChangedOnResume, resume_plan

        if request.modules or request.risks or request.tags:
            from mimedi_qual.campaign.resume import ResumeError

            raise ResumeError("--module, --risk and --tags do not go with --resume: a resumed campaign runs the "
                              "selection it was started with (its campaign_started record)")
        resumed = resume_plan(request.resume)
        bench_path, acceptance_path, stages = resumed.bench_path, resumed.acceptance_path, tuple(resumed.stages)
        modules, risks, tags = resumed.modules, resumed.risks, resumed.tags
        resumed.changed = resumed.changed_judging_inputs(request.paths)
        if resumed.changed and not request.accept_changed_protocol:
            raise ProtocolChangedOnResume(resumed.campaign_dir, resumed.changed)
    plan = preflight(request.paths, bench_path=bench_path, acceptance_path=acceptance_path, stages=stages,
                     modules=modules, risks=risks, tags=tags, vocabulary=request.vocabulary)
    return plan, resumed


def run_campaign(request: CampaignRequest, *, plugins: Sequence[object] = (),
                 say: Callable[[str], None] = print,
                 on_open: Callable[[Campaign, CampaignPlan], None] | None = None) -> CampaignOutcome:
    """Run a whole campaign. Bad input raises a MimediQualError before anything is created.

    ``plugins`` are extra pytest plugins (the CLI's progress display); ``say``
    receives one-line notices (waiting for a place, …); ``on_open`` is called
    once the record is open, before the first scenario.
    """
    import dataclasses

    import pytest

    from mimedi_qual.lab.places.lease import sigterm_as_interrupt

    # Relative --out / --resume: made absolute once, here, so no later step depends on the current directory.
    request = dataclasses.replace(
        request, out_dir=request.out_dir.resolve() if request.out_dir is not None else None,
        resume=request.resume.resolve() if request.resume is not None else None)
    # A labgrid step cut off by Ctrl-C/SIGTERM (between labgrid creating it and starting it, or in a
    # subscriber of its stop event) is never "done"; labgrid's Step.__del__ then warns when the object
    # is collected — at interpreter exit, where the warning machinery is half torn down and prints a
    # traceback after the clean INTERRUPTED message. The interruption itself is in the record; the
    # warning says nothing more.
    warnings.filterwarnings("ignore", message=r"__del__ called before .* was done", category=UserWarning)
    with sigterm_as_interrupt():   # SIGTERM is handled as Ctrl-C: recorded as an interruption, exit 130
        return _run_campaign(request, pytest, plugins=plugins, say=say, on_open=on_open)


def _run_campaign(request: CampaignRequest, pytest, *, plugins, say, on_open) -> CampaignOutcome:
    plan, resumed = plan_campaign(request)
    signed_by = None
    simulated = plan.bench_profile.bench.kind == "simulated"
    if resumed is None:
        signed_by = campaign_record.authenticate_executor(
            request.paths.root, request.executor, request.executor_password, simulated=simulated)
    else:                 # a resumed campaign keeps the executor its start recorded: only they resume it
        signed_by = campaign_record.authenticate_resumer(
            request.paths.root, resumed.campaign_dir, request.executor, request.executor_password,
            simulated=simulated)
    lease = _acquire_place(request, plan, say)
    try:
        if resumed is not None:
            resumed.record_interruption(resumed_by=None if signed_by is None else
                                        f"{signed_by.printed_name} ({signed_by.user_id}), password verified",
                                        changed=resumed.changed)
            campaign = Campaign.reopen(request.paths, resumed.campaign_dir, bench_path=plan.bench_path,
                                       acceptance_path=plan.acceptance_path, views=request.views)
        else:
            campaign_dir = (request.out_dir or request.paths.reports) / new_campaign_id(plan.bench_profile.bench.id)
            campaign_dir.mkdir(parents=True)
            campaign = Campaign.create(request.paths, campaign_dir, bench_profile=plan.bench_profile,
                                       bench_path=plan.bench_path, acceptance_path=plan.acceptance_path,
                                       stages=plan.stages, executor=request.executor,
                                       prerequisites=request.prerequisites, views=request.views,
                                       signed_by=signed_by,
                                       selection={"modules": list(request.modules), "risks": list(request.risks),
                                                  "tags": request.tags})
        if lease is not None:
            campaign.place_addresses = dict(lease.addresses)
            (campaign.campaign_dir / PLACE_ADDRESSES_FILE).write_text(
                json.dumps(lease.addresses, indent=2), encoding="utf-8")
        if on_open is not None:
            on_open(campaign, plan)
        watch = _CollectionWatch()
        args = _pytest_args(request.paths, plan, campaign, resumed)
        harness_error = None
        try:
            code = int(_run_pytest(pytest, args, [*plugins, watch, campaign], lease))
        except Exception as exc:  # noqa: BLE001 — a harness bug: say so plainly, keep the evidence written so far
            if _is_disk_full(exc):
                campaign.disk_full = str(exc)
            harness_error = f"{type(exc).__name__}: {exc}"
            code = int(pytest.ExitCode.INTERNAL_ERROR)
    finally:
        if lease is not None:
            lease.release()
    if resumed is not None and code == int(pytest.ExitCode.NO_TESTS_COLLECTED) and not watch.errors:
        code = int(pytest.ExitCode.OK)   # resumed after its last scenario (stopped in the views): nothing to re-run
    interrupted = (code in (int(pytest.ExitCode.INTERRUPTED), int(pytest.ExitCode.INTERNAL_ERROR))
                   and not watch.errors)
    reason = ("disk full: " + campaign.disk_full if campaign.disk_full else
              "interrupted (Ctrl-C or SIGTERM)" if code == int(pytest.ExitCode.INTERRUPTED) else
              f"pytest stopped with an internal error{': ' + harness_error if harness_error else ''}")
    try:
        finished = campaign.close(interrupted=interrupted, reason=reason)
    except KeyboardInterrupt:     # Ctrl-C / SIGTERM while the views were written: recorded by close()
        finished, code = None, int(pytest.ExitCode.INTERRUPTED)
    except OSError as exc:        # disk full while finishing: recorded by close() if the disk allowed
        if not _is_disk_full(exc):
            raise
        finished, campaign.disk_full = None, str(exc)
    exit_code = ExitCode.DISK_FULL if campaign.disk_full else _exit_code(code, watch.errors, finished)
    if finished is not None and campaign.view_files.failed and exit_code != ExitCode.BAD_INPUT:
        exit_code = ExitCode.INTERRUPTED   # a view failed: interrupted in that phase, finished by --resume
    return CampaignOutcome(exit_code=exit_code, campaign_dir=campaign.campaign_dir, plan=plan, finished=finished,
                           views=campaign.view_files, simulated=plan.bench_profile.bench.kind == "simulated",
                           collection_errors=watch.errors, harness_error=harness_error, disk_full=campaign.disk_full)


def _is_disk_full(exc: BaseException) -> bool:
    """ENOSPC (no space left) or EDQUOT (quota exceeded), also as SQLite reports it ("database or disk is full")."""
    import errno
    import sqlite3

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def _pytest_args(paths: ProjectPaths, plan: CampaignPlan, campaign: Campaign, resumed) -> list[str]:
    completed = resumed.completed_nodeids if resumed is not None else ()
    return [
        "-c", str(paths.features / "pytest.ini"),
        "--rootdir", str(paths.features),
        f"--bench={plan.bench_path}",
        f"--acceptance={plan.acceptance_path}",
        f"--campaign-dir={campaign.campaign_dir}",
        *([f"--alluredir={campaign.results_dir}"] if campaign.views else []),
        "-p", "no:terminal",
        *(["-m", plan.marker_expression] if plan.marker_expression else []),
        *[f"--deselect={nodeid}" for nodeid in completed],
        *[str(d) for d in plan.stage_dirs],
    ]


def _exit_code(pytest_code: int, collection_errors: list[str], finished: dict | None) -> ExitCode:
    import pytest

    if collection_errors or pytest_code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return ExitCode.BAD_INPUT
    if pytest_code == pytest.ExitCode.INTERRUPTED:
        return ExitCode.INTERRUPTED
    if pytest_code == pytest.ExitCode.INTERNAL_ERROR:
        return ExitCode.HARNESS_ERROR
    if pytest_code == pytest.ExitCode.OK and finished is not None and finished.get("verdict") == status.CRITERIA_MET:
        return ExitCode.OK
    return ExitCode.DEVIATIONS


def _acquire_place(request: CampaignRequest, plan: CampaignPlan, say: Callable[[str], None]):
    """With coordinator and place: the acquired lease (waiting up to ``wait_s``); None without them.

    The place is released however the run ends: normally, on an exception or
    Ctrl-C (the ``finally`` of :func:`run_campaign`, and ``atexit``), on SIGTERM
    (turned into KeyboardInterrupt) — installed *before* acquiring, so no
    signal can land between acquiring and being ready to release. Only a
    SIGKILL leaves it held: ``labgrid-client -x COORDINATOR -p PLACE release``.
    """
    if request.coordinator is None and request.place is None:
        return None
    from mimedi_qual.lab.places.lease import PlaceLease
    from mimedi_qual.qualification.selection import SelectionError

    if not (request.coordinator and request.place):
        raise SelectionError("--coordinator and --place go together: name the coordinator and the place")
    import atexit
    import signal

    lease = PlaceLease(request.coordinator, request.place, wait_s=request.wait_s,
                       expected_bench=plan.bench_profile.bench.id, on_wait=lambda message: say(f"waiting: {message}"))

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    atexit.register(lease.release)
    lease.acquire()  # PlaceError (a BenchError): the face exits 4 naming the holder
    say(f"acquired place {request.place} on coordinator {request.coordinator}")
    return lease


def _run_pytest(pytest, args: list[str], plugins: list[object], lease) -> int:
    """pytest.main; on an acquired place SIGTERM becomes KeyboardInterrupt so pytest stops cleanly."""
    if lease is None:
        return pytest.main(args, plugins=plugins)
    from mimedi_qual.lab.places.lease import sigterm_as_interrupt

    with sigterm_as_interrupt():
        return pytest.main(args, plugins=plugins)
