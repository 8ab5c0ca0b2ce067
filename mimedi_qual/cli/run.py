"""``mimedi-qual run``: execute a qualification campaign and write its report.

With no arguments: IQ, OQ and PQ on the simulated bench, evidence in
``reports/<campaign-id>/`` (``allure-results/``, ``report.html``,
``measurements.jsonl``, the labgrid environment used), then a one-screen
summary ending with the report's path.

Bad input (a broken profile or feature file, an unknown stage) is reported
with file and line before anything starts: exit 2, no campaign directory.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import platform
import secrets
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mimedi_qual.cli import app
from mimedi_qual.cli.project import DEFAULT_BENCH, project_root

EXIT_OK, EXIT_DEVIATIONS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
STAGES = ("iq", "oq", "pq")
SIMULATED_BANNER = ("ENGINEERING DRY RUN on the simulated bench (digital twin): "
                    "not evidence for the qualification of real equipment")


def _fail_input(console: Console, message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _campaign_id(bench_id: str) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{bench_id}-{secrets.token_hex(2)}"


def _git_commit(root: Path) -> str:
    from mimedi_qual.plugin.campaign_record import git_commit

    return git_commit(root)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@app.command()
def run(
    bench: Annotated[Path | None, typer.Option(help="bench profile (default: the simulated bench)")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="iq, oq or pq; repeat for several (default: all)")] = None,
    out: Annotated[Path | None, typer.Option(help="directory that receives <campaign-id>/ (default: reports/)")] = None,
    acceptance: Annotated[Path | None, typer.Option(help="acceptance criteria profile")] = None,
    module: Annotated[list[str] | None, typer.Option(
        help="only scenarios verifying URS requirements of this module (repeatable)")] = None,
    risk: Annotated[list[str] | None, typer.Option(
        help="only scenarios verifying URS requirements of this risk: high, medium, low (repeatable)")] = None,
    tags: Annotated[str | None, typer.Option(
        help="tag expression over Gherkin tags, e.g. \"URS-OQ-TEMP-001 or not power\"")] = None,
    coordinator: Annotated[str | None, typer.Option(
        help="labgrid coordinator HOST:PORT: run on a place (bench) acquired there; needs --place")] = None,
    place: Annotated[str | None, typer.Option(
        help="labgrid place to acquire for the campaign and release after it")] = None,
    wait: Annotated[float, typer.Option(
        help="seconds to wait for a place someone else holds (default 0: fail at once, naming the holder)")] = 0.0,
    executor: Annotated[str | None, typer.Option(
        help="user id of the executor (profiles/users/users.yaml; default: the OS account)")] = None,
    prerequisite: Annotated[list[Path] | None, typer.Option(
        help="campaign directory that released the earlier stage (IQ for OQ, OQ for PQ); repeatable")] = None,
    details: Annotated[bool, typer.Option(
        "--details", help="also print every scenario and every measurement with its limits")] = False,
    resume: Annotated[Path | None, typer.Option(
        help="finish an interrupted campaign directory: record the interruption as a deviation, "
             "run the scenarios that have no result yet")] = None,
) -> None:
    """Run a qualification campaign (default: IQ, OQ and PQ on the simulated bench)."""
    import pytest

    from mimedi_qual.cli.progress import CampaignProgress
    from mimedi_qual.profiles import ProfileError, load_acceptance, load_bench, load_urs
    from mimedi_qual.qualification.protocol import ProtocolError, load_protocol
    from mimedi_qual.qualification.selection import Selection, SelectionError, select
    from mimedi_qual.qualification.traceability import check_traceability, load_requirements

    console = Console()
    root = project_root()
    resumed = None
    if resume is not None:
        from mimedi_qual.cli.resume import ResumeError, resume_plan

        try:
            resumed = resume_plan(resume)
        except ResumeError as exc:
            raise _fail_input(console, str(exc)) from None
        bench, acceptance, stage = resumed.bench_path, resumed.acceptance_path, resumed.stages
    bench_path = (bench or root / DEFAULT_BENCH)
    acceptance_path = acceptance or root / "profiles" / "acceptance" / "criteria.yaml"
    stages = [s.lower() for s in (stage or STAGES)]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise _fail_input(console, f"--stage {', '.join(unknown)}: unknown stage (choose from {', '.join(STAGES)})")

    # -- preflight: every input is checked before anything starts --------
    try:
        bench_profile = load_bench(bench_path)
        acceptance_profile = load_acceptance(acceptance_path)
        for urs_file in sorted((root / "profiles" / "urs").glob("*.yaml")):
            load_urs(urs_file)
        stage_dirs = [root / "features" / s for s in stages]
        missing = [d for d in stage_dirs if not d.is_dir()]
        if missing:
            raise ProtocolError(missing[0], None, "no such protocol directory")
        scenarios = load_protocol(stage_dirs)
        # Traceability gate and selection (qualification/traceability.py, selection.py).
        requirements = load_requirements(root / "profiles" / "urs")
        gaps = check_traceability(requirements, load_protocol([root / "features"]), acceptance_profile)
        if not gaps.ok:
            raise _fail_input(console, "traceability gate: the protocol does not trace the URS\n" + gaps.message())
        selected = select(scenarios, requirements, Selection(tuple(stages), tuple(module or ()),
                                                             tuple(r.lower() for r in risk or ()), tags))
        scenarios = selected.scenarios
    except (ProfileError, ProtocolError, SelectionError) as exc:
        raise _fail_input(console, str(exc)) from None

    lease = _acquire_place(console, coordinator, place, wait, bench_profile)

    from mimedi_qual.evidence.store import EvidenceStore
    from mimedi_qual.plugin.campaign_record import record_campaign_start

    if resumed is not None:
        campaign_dir, campaign_id = resumed.campaign_dir, resumed.campaign_id
        results_dir = campaign_dir / "allure-results"
        results_dir.mkdir(parents=True, exist_ok=True)
        resumed.record_interruption()
    else:
        campaign_id = _campaign_id(bench_profile.bench.id)
        campaign_dir = (out or root / "reports") / campaign_id
        results_dir = campaign_dir / "allure-results"
        results_dir.mkdir(parents=True)
        with EvidenceStore.create(campaign_dir, exist_ok=True) as store:
            record_campaign_start(store, root=root, campaign_id=campaign_id, stages=stages, bench=bench_profile,
                                  bench_path=bench_path, acceptance_path=acceptance_path,
                                  executor_user_id=executor, prerequisite_dirs=list(prerequisite or []))
    simulated = bench_profile.bench.kind == "simulated"
    console.rule(f"[bold]MiMédi qualification campaign {campaign_id}")
    console.print(f"bench [bold]{bench_profile.bench.id}[/] ({bench_profile.bench.kind}) from {bench_path}; "
                  f"stages {', '.join(s.upper() for s in stages)}; {len(scenarios)} scenarios", highlight=False)
    if simulated:
        console.print(f"[yellow]{SIMULATED_BANNER}[/]")

    progress = CampaignProgress(console=console)
    args = [
        "-c", str(root / "features" / "pytest.ini"),
        "--rootdir", str(root / "features"),
        f"--bench={bench_path}",
        f"--acceptance={acceptance_path}",
        f"--campaign-dir={campaign_dir}",
        f"--alluredir={results_dir}",
        "-p", "no:terminal",
        *(["-m", selected.marker_expression] if selected.marker_expression else []),
        *[f"--deselect={nodeid}" for nodeid in (resumed.completed_nodeids if resumed else ())],
        *[str(d) for d in stage_dirs],
    ]
    started = dt.datetime.now(dt.timezone.utc)
    try:
        code = _run_pytest(pytest, args, progress, lease, campaign_dir)
    except Exception as exc:  # a harness bug: say so plainly, keep the evidence written so far
        console.print(f"[bold red]harness error:[/] {type(exc).__name__}: {exc}", highlight=False)
        code = pytest.ExitCode.INTERNAL_ERROR
    finished = dt.datetime.now(dt.timezone.utc)

    report_path = _write_report(console, root, campaign_id, campaign_dir, bench_profile, bench_path,
                                acceptance_path, started, finished)
    exit_code = _exit_code(int(code), progress)
    from mimedi_qual.cli.finish import finish_campaign

    finished_record = finish_campaign(console, campaign_dir, report_path)
    if finished_record is not None and finished_record["deviations"] and exit_code == EXIT_OK:
        exit_code = EXIT_DEVIATIONS  # e.g. an interruption or a protocol change: not "all met"
    _print_summary(console, progress, campaign_dir, exit_code, simulated, report_path, details)
    raise typer.Exit(exit_code)


def _exit_code(pytest_code: int, progress) -> int:
    if pytest_code == pytest_exit().INTERRUPTED:
        return EXIT_INTERRUPTED
    if pytest_code in (pytest_exit().USAGE_ERROR, pytest_exit().NO_TESTS_COLLECTED) or progress.collection_errors:
        return EXIT_BAD_INPUT
    if pytest_code == pytest_exit().INTERNAL_ERROR:
        return 3
    outcomes = progress.outcomes.values()
    if pytest_code == 0 and outcomes and all(o.outcome == "passed" for o in outcomes):
        return EXIT_OK
    return EXIT_DEVIATIONS


def pytest_exit():
    import pytest

    return pytest.ExitCode


EXIT_BENCH_UNAVAILABLE = 4
PLACE_ADDRESSES_FILE = "place-addresses.json"


def _acquire_place(console, coordinator: str | None, place: str | None, wait_s: float, bench_profile):
    """With --coordinator/--place: acquire the place (waiting up to ``wait_s``); None without them.

    A place held by someone else, unknown, or of another bench ends the run
    with exit 4 and a message naming the reason; nothing is executed.
    """
    if coordinator is None and place is None:
        return None
    if not (coordinator and place):
        raise _fail_input(console, "--coordinator and --place go together: name the coordinator and the place")
    from mimedi_qual.lab.places import PlaceError, PlaceLease

    lease = PlaceLease(coordinator, place, wait_s=wait_s, expected_bench=bench_profile.bench.id,
                       on_wait=lambda message: console.print(f"[yellow]waiting:[/] {message}", highlight=False))
    # The place is released however the run ends: normally (_run_pytest), on an exception or
    # Ctrl-C anywhere (atexit), on SIGTERM (turned into KeyboardInterrupt) — installed *before*
    # acquiring, so no signal can land between acquiring and being ready to release. Only a
    # SIGKILL leaves it held: `labgrid-client -x COORDINATOR -p PLACE release` frees it.
    import atexit
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    atexit.register(lease.release)
    try:
        lease.acquire()
    except PlaceError as exc:
        console.print(f"[bold red]bench unavailable:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BENCH_UNAVAILABLE) from None
    console.print(f"acquired place [bold]{place}[/] on coordinator {coordinator}", highlight=False)
    return lease


def _run_pytest(pytest, args: list[str], progress, lease, campaign_dir: Path) -> int:
    """pytest.main, on the acquired place if there is one; the place is released whatever happens.

    SIGTERM becomes KeyboardInterrupt for the run, so pytest stops cleanly
    (exit INTERRUPTED) and the place is released, as on Ctrl-C.
    """
    if lease is None:
        return pytest.main(args, plugins=[progress])
    from mimedi_qual.lab.places import sigterm_as_interrupt

    addresses_file = campaign_dir / PLACE_ADDRESSES_FILE
    addresses_file.write_text(json.dumps(lease.addresses, indent=2), encoding="utf-8")
    try:
        with sigterm_as_interrupt():
            return pytest.main([*args, f"--bench-addresses={addresses_file}"], plugins=[progress])
    finally:
        lease.release()


def _write_report(console, root, campaign_id, campaign_dir, bench_profile, bench_path, acceptance_path,
                  started, finished) -> Path | None:
    from mimedi_qual.report.allure_html import (
        ReportError, find_allure, generate_single_file, write_categories, write_environment, write_executor,
    )

    results_dir = campaign_dir / "allure-results"
    environment = {
        "Campaign": campaign_id,
        "Bench": f"{bench_profile.bench.id} ({bench_profile.bench.kind})",
        "Bench.profile": str(bench_path),
        "Site": bench_profile.bench.site,
        "Acceptance.profile": str(acceptance_path),
        "Started.UTC": started.isoformat(timespec="seconds"),
        "Finished.UTC": finished.isoformat(timespec="seconds"),
        "Executor": getpass.getuser(),
        "Git.commit": _git_commit(root),
        "mimedi-qual": _version("mimedi-qual"),
        "Python": platform.python_version(),
        **{f"{dist}": _version(dist) for dist in ("pytest", "pytest-bdd", "labgrid", "pyvisa", "pyvisa-py",
                                                  "allure-pytest-bdd")},
    }
    for name, instrument in bench_profile.instruments.items():
        environment[f"Instrument.{name}"] = instrument.identity.as_idn()
        if instrument.calibration:
            cal = instrument.calibration
            environment[f"Calibration.{name}"] = f"{cal.certificate} due {cal.due_on.isoformat()}"
    if bench_profile.bench.kind == "simulated":
        environment["NOTICE"] = SIMULATED_BANNER
    write_environment(results_dir, environment)
    write_executor(results_dir, getpass.getuser(), campaign_id)
    write_categories(results_dir)
    (campaign_dir / "campaign.json").write_text(json.dumps(environment, indent=2), encoding="utf-8")

    allure = find_allure(root)
    if allure is None:
        console.print("[yellow]warning:[/] Allure generator not found (run `make campaign`, or set "
                      "MIMEDI_ALLURE): results are in allure-results/, no report.html written")
        return None
    try:
        return generate_single_file(allure, results_dir, campaign_dir / "report.html")
    except (ReportError, OSError, subprocess.TimeoutExpired) as exc:
        console.print(f"[red]report not generated:[/] {exc}")
        return None


def _recorded_results(campaign_dir: Path) -> tuple[list[dict], list]:
    """The judged measurements (payloads) and the deviations in the campaign's evidence store; none without one."""
    from mimedi_qual.evidence.deviations import deviations
    from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError

    try:
        with EvidenceStore.open(campaign_dir) as store:
            return [r.payload for r in store.records(kind="measurement")], deviations(store)
    except EvidenceStoreError:
        return [], []


MAX_DEVIATION_LINES = 8


def _print_summary(console, progress, campaign_dir, exit_code, simulated, report_path,
                   details: bool = False) -> None:
    """One screen: per stage, scenarios passed and criteria met; deviations; where the evidence is."""
    measurements = []
    measurements_file = campaign_dir / "measurements.jsonl"
    if measurements_file.exists():
        measurements = [json.loads(line) for line in measurements_file.read_text(encoding="utf-8").splitlines()]
    if details:
        _print_details(console, progress, measurements)
    table = Table(title="Campaign", show_lines=False)
    for col in ("stage", "scenarios passed", "measurements within criteria", "not run / failed"):
        table.add_column(col)
    stages: dict[str, list] = {}
    for o in progress.outcomes.values():
        stages.setdefault(o.stage or "-", []).append(o)
    from mimedi_qual.qualification.protocol import stage_of

    recorded_measurements, deviations = _recorded_results(campaign_dir)
    criteria_by_stage: dict[str, list] = {}
    for m in recorded_measurements:
        criteria_by_stage.setdefault(stage_of(Path(m.get("feature", ""))) or "-", []).append(m)
    for stage_name, outcomes in stages.items():
        judged = criteria_by_stage.get(stage_name, [])
        passed = sum(o.outcome == "passed" for o in outcomes)
        bad = [o.name for o in outcomes if o.outcome != "passed"]
        met = sum(m["verdict"] == "pass" for m in judged)
        colour = "green" if passed == len(outcomes) else "red"
        table.add_row(stage_name, f"[{colour}]{passed}/{len(outcomes)}[/]", f"{met}/{len(judged)}",
                      ", ".join(bad)[:60] or "-")
    console.print(table)

    for error in progress.collection_errors:
        console.print(f"[red]collection error:[/] {error}", highlight=False)
    for dev in deviations[:MAX_DEVIATION_LINES]:
        console.print(f"[red]{dev.id}[/] {dev.category.value}: {dev.description[:100]} — expected "
                      f"{dev.expected[:40]}, actual {dev.actual[:60]}", highlight=False, soft_wrap=True)
    if len(deviations) > MAX_DEVIATION_LINES:
        console.print(f"… and {len(deviations) - MAX_DEVIATION_LINES} more deviation(s): see summary.pdf")
    verdict = {EXIT_OK: "[bold green]ALL CRITERIA MET[/]", EXIT_DEVIATIONS: f"[bold red]{len(deviations)} DEVIATION(S)[/]",
               EXIT_BAD_INPUT: "[bold red]BAD INPUT[/]", EXIT_INTERRUPTED: "[bold yellow]INTERRUPTED[/]"}
    console.print(f"Result: {verdict.get(exit_code, f'[red]ERROR {exit_code}[/]')}"
                  + (" — simulated bench, engineering dry run" if simulated else ""))
    # Paths are printed unwrapped so they can be copied from any terminal width.
    console.print(f"Evidence: {campaign_dir}", highlight=False, soft_wrap=True)
    if (campaign_dir / "summary.pdf").is_file():
        console.print(f"Summary report: {campaign_dir / 'summary.pdf'}", highlight=False, soft_wrap=True)
    if report_path is not None:
        console.print(f"Report: {report_path}", highlight=False, soft_wrap=True)
    else:
        console.print(f"Report: not generated (results in {campaign_dir / 'allure-results'})",
                      highlight=False, soft_wrap=True)


def _print_details(console, progress, measurements: list[dict]) -> None:
    """--details: every scenario and every measurement with its limits."""
    table = Table(title="Scenarios")
    for col in ("stage", "URS", "scenario", "result"):
        table.add_column(col)
    style = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow", "not run": "yellow"}
    for o in progress.outcomes.values():
        table.add_row(o.stage, ", ".join(o.urs), o.name, f"[{style[o.outcome]}]{o.outcome}[/]")
    console.print(table)
    mt = Table(title="Measurements against acceptance criteria")
    for col in ("criterion", "value", "limits", "instrument", "verdict"):
        mt.add_column(col)
    for m in measurements:
        if m["low"] is not None or m["high"] is not None:
            low = m["low"] if m["low"] is not None else "-∞"
            high = m["high"] if m["high"] is not None else "+∞"
            limits, value = f"{low} … {high} {m['unit']}", f"{m['value']} {m['unit']}"
        else:
            limits, value = "as registered", str(m["value"])[:40]
        verdict = "[green]PASS[/]" if m["verdict"] == "pass" else "[red]FAIL[/]"
        mt.add_row(m["criterion_id"], value, limits, m["instrument"], verdict)
    console.print(mt)
