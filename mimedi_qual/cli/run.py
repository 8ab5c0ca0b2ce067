"""``mimedi-qual run``: execute a qualification campaign and write its report.

With no arguments: IQ, OQ and PQ on the simulated bench, evidence in
``reports/<campaign-id>/`` (the record ``evidence.sqlite`` and ``raw/``,
``allure-results/``, ``report.html``, ``summary.pdf``, ``measurements.jsonl``,
the labgrid environment used), then a one-screen summary ending with the
report's path. The campaign itself is run by the campaign service
(:mod:`mimedi_qual.campaign.service`); this face parses arguments, shows
progress and prints the summary.

Bad input (a broken profile or feature file, an unknown stage) is reported
with file and line before anything starts: exit 2, no campaign directory.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mimedi_qual.campaign.exit_codes import ExitCode, describe
from mimedi_qual.paths import project_paths
from mimedi_qual.qualification.result_text import clocks_summary_text, result_text


def _clip(text: str, width: int) -> str:
    """``text`` on one terminal line: cut at a word with an ellipsis, never mid-word (the PDF has it whole)."""
    return textwrap.shorten(str(text), width=width, placeholder=" …")


def _fail(console: Console, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> typer.Exit:
    label = {ExitCode.BENCH_UNAVAILABLE: "bench unavailable", ExitCode.REFUSED: "refused"}.get(code, "error")
    console.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


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
        "--user", "--executor",
        help="the executor's user id (a registered user with the executor role, who signs the campaign's start "
             "with their password; required on a real bench). Without it, on the simulated bench only: a dry run "
             "by the OS account, labelled so and never releasable")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="read the executor's (--user) password from the first line of stdin")] = False,
    prerequisite: Annotated[list[Path] | None, typer.Option(
        help="campaign directory that released the earlier stage (IQ for OQ, OQ for PQ; verified intact, "
             "same bench and protocol, an approver's release signature); repeatable. Without one, OQ and PQ run "
             "with a prerequisite_not_released deviation (also when IQ runs in this same campaign)")] = None,
    details: Annotated[bool, typer.Option(
        "--details", help="also print every scenario and every measurement with its limits")] = False,
    resume: Annotated[Path | None, typer.Option(
        help="finish an interrupted campaign directory with the bench, stages, selection and judging inputs it "
             "started with: record the interruption as a deviation, run the scenarios that have no result yet "
             "(one cut off mid-run again from its start, its partial run superseded)")] = None,
    accept_changed_protocol: Annotated[bool, typer.Option(
        "--accept-changed-protocol",
        help="with --resume: carry on although judging inputs (features, criteria, URS, recipes) changed since "
             "the start, recorded as a protocol_changed deviation naming the files (without it: refused, exit 2)")]
        = False,
    no_views: Annotated[bool, typer.Option(
        "--no-views", help="write the record and measurements.jsonl only: no Allure results, report.html "
                           "or summary.pdf (quick dry runs, tests)")] = False,
) -> None:
    """Run a qualification campaign (default: IQ, OQ and PQ on the simulated bench)."""
    from mimedi_qual.campaign.record import ExecutorRefused
    from mimedi_qual.campaign.service import CampaignRequest, run_campaign
    from mimedi_qual.cli.progress import CampaignProgress
    from mimedi_qual.errors import BenchError, MimediQualError
    from mimedi_qual.plugin.vocabulary import step_definitions

    console = Console()
    paths = project_paths()
    console.print(f"protocol: {paths.features} and profiles {paths.profiles} — {paths.describe()}",
                  highlight=False, soft_wrap=True)
    password = None
    if executor is not None:
        password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                    else typer.prompt(f"Password of executor {executor}", hide_input=True))
    request = CampaignRequest(
        paths=paths, vocabulary=step_definitions(), bench_path=bench, acceptance_path=acceptance,
        stages=tuple(stage or ("iq", "oq", "pq")), modules=tuple(module or ()), risks=tuple(risk or ()),
        tags=tags, executor=executor, executor_password=password, prerequisites=tuple(prerequisite or ()),
        out_dir=out.resolve() if out is not None else None,   # relative paths: from the current directory
        coordinator=coordinator, place=place, wait_s=wait, resume=resume.resolve() if resume is not None else None,
        views=not no_views, accept_changed_protocol=accept_changed_protocol,
    )
    progress = CampaignProgress(console=console)

    def opened(campaign, plan) -> None:
        console.rule(f"[bold]MiMédi qualification campaign {campaign.campaign_id}")
        console.print(f"bench [bold]{plan.bench_profile.bench.id}[/] ({plan.bench_profile.bench.kind}) from "
                      f"{plan.bench_path}; stages {', '.join(s.upper() for s in plan.stages)}; "
                      f"{scenarios_text(plan.scenarios)}", highlight=False)
        if plan.bench_profile.bench.kind == "simulated":
            from mimedi_qual.evidence.status import SIMULATED_NOTICE

            console.print(f"[yellow]{SIMULATED_NOTICE}[/]")
        from mimedi_qual.evidence.status import executor_status

        executor_now = executor_status(campaign.store.records())
        if executor_now.dry_run:
            console.print(f"[yellow]{executor_now.notice}[/] (executor {executor_now.printed_name})", highlight=False)
        else:
            console.print(f"executed by {executor_now.printed_name} ({executor_now.user_id}), start signed",
                          highlight=False)
        _print_protocol(console, campaign.store.records())

    try:
        outcome = run_campaign(request, plugins=[progress], on_open=opened,
                               say=lambda line: console.print(line, highlight=False, soft_wrap=True))
    except BenchError as exc:
        raise _fail(console, str(exc), ExitCode.BENCH_UNAVAILABLE) from None
    except ExecutorRefused as exc:
        raise _fail(console, f"{exc} [{exc.reason_code}; recorded in the user registry's history]",
                    ExitCode.REFUSED) from None
    except MimediQualError as exc:
        raise _fail(console, str(exc)) from None
    if outcome.disk_full:
        console.print(f"[bold red]disk full:[/] {escape(outcome.disk_full)} — the record is kept as far as it was "
                      f"written (check it: mimedi-qual verify {outcome.campaign_dir}); free space, then resume",
                      highlight=False, soft_wrap=True)
    elif outcome.harness_error:
        console.print(f"[bold red]harness error:[/] {outcome.harness_error}", highlight=False)
    for problem in outcome.views.problems:
        console.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)
    _print_summary(console, progress, outcome, details)
    raise typer.Exit(int(outcome.exit_code))


def _print_protocol(console: Console, records: list) -> None:
    """The protocol run and whether it is the approved one (the record's ``protocol``, as every view says it)."""
    from mimedi_qual.evidence import status

    protocol = next((r.payload for r in reversed(records) if r.kind == "protocol"), None)
    if protocol is None:
        return
    found = status.protocol_status(records)
    colour = "green" if found.approved else "bold red"
    console.print(f"protocol {protocol.get('protocol_id', '?')} v{protocol.get('version', '?')} "
                  f"(hash {str(protocol.get('protocol_hash', ''))[:12]}…, {len(protocol.get('files') or [])} files): "
                  f"[{colour}]{found.describe()}[/]", highlight=False, soft_wrap=True)


def scenarios_text(scenarios) -> str:
    """``73 scenarios (43 in the feature files, Scenario Outline examples counted one by one)``.

    The number is :func:`~mimedi_qual.qualification.protocol.count_runs` — the
    progress bar's total and the reports' count; the written scenarios are
    named beside it when an outline makes them differ.
    """
    from mimedi_qual.qualification.protocol import count_runs

    runs, written = count_runs(scenarios), len(scenarios)
    if runs == written:
        return f"{runs} scenarios"
    return f"{runs} scenarios ({written} in the feature files, Scenario Outline examples counted one by one)"


def _recorded_results(campaign_dir: Path) -> tuple[list[dict], list, list]:
    """The judged measurements (payloads), the deviations and all records of the campaign's store."""
    from mimedi_qual.evidence.deviations import deviations_from_records
    from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError

    try:
        with EvidenceStore.open(campaign_dir, read_only=True) as store:
            records = store.records()
    except EvidenceStoreError:
        return [], [], []
    from mimedi_qual.evidence.supersede import current_payloads

    return current_payloads(records, "measurement"), deviations_from_records(records), records


MAX_DEVIATION_LINES = 8


def _print_summary(console, progress, outcome, details: bool = False) -> None:
    """One screen: per stage, scenarios passed and criteria met; deviations; where the evidence is."""
    from mimedi_qual.evidence import status

    campaign_dir, exit_code = outcome.campaign_dir, outcome.exit_code
    measurements, deviations, records = _recorded_results(campaign_dir)
    simulated = status.is_simulated(records)
    report_path = outcome.views.report
    if details:
        _print_details(console, progress, measurements)
    table = Table(title="Campaign", show_lines=False)
    for col in ("stage", "scenarios passed", "measurements within criteria", "not run / failed"):
        table.add_column(col)
    stages: dict[str, list] = {}
    for o in progress.outcomes.values():
        stages.setdefault(o.stage or "-", []).append(o)
    from mimedi_qual.qualification.protocol import stage_of

    criteria_by_stage: dict[str, list] = {}
    for m in measurements:
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
    clocks = clocks_summary_text([m.get("series_clocks") or {} for m in measurements])
    if clocks:
        console.print(f"Clocks: {clocks}", highlight=False, soft_wrap=True)
    finished = next((r for r in reversed(records) if r.kind == "campaign_finished"), None)
    if finished is not None:
        console.print(f"Finished: {finished.payload.get('finished_utc') or finished.utc} (UTC, campaign_finished)",
                      highlight=False, soft_wrap=True)

    for error in progress.collection_errors:
        console.print(f"[red]collection error:[/] {error}", highlight=False)
    for dev in deviations[:MAX_DEVIATION_LINES]:
        console.print(f"[red]{dev.id}[/] {dev.category.value}: {_clip(dev.description, 100)} — expected "
                      f"{_clip(dev.expected, 60)}, actual {_clip(dev.actual, 80)}", highlight=False, soft_wrap=True)
    if len(deviations) > MAX_DEVIATION_LINES:
        console.print(f"… and {len(deviations) - MAX_DEVIATION_LINES} more deviation(s): see summary.pdf")
    from mimedi_qual.evidence.deviations import DeviationCategory

    gating_only = bool(deviations) and all(d.category == DeviationCategory.PREREQUISITE_NOT_RELEASED
                                           for d in deviations)
    all_met = (bool(measurements) and all(m["verdict"] == "pass" for m in measurements)
               and all(o.outcome == "passed" for o in progress.outcomes.values()))
    deviated = f"[bold red]{len(deviations)} DEVIATION(S)[/]"
    if gating_only and all_met:  # still exit 1: the stage ran without its prerequisite released
        deviated = (f"[bold yellow]ALL CRITERIA MET[/], but [bold red]{len(deviations)} DEVIATION(S)[/]: "
                    f"{', '.join(d.description.split(':')[0] for d in deviations)}")
    verdict = {ExitCode.OK: "[bold green]ALL CRITERIA MET[/]",
               ExitCode.DEVIATIONS: deviated,
               ExitCode.BAD_INPUT: "[bold red]BAD INPUT[/]", ExitCode.INTERRUPTED: "[bold yellow]INTERRUPTED[/]",
               ExitCode.HARNESS_ERROR: "[bold red]HARNESS ERROR[/]", ExitCode.DISK_FULL: "[bold red]DISK FULL[/]"}
    _print_protocol(console, records)
    for notice in status.notices(records):
        if notice != status.SIMULATED_NOTICE:  # the Result line says so
            console.print(f"[bold yellow]{notice}[/]", highlight=False, soft_wrap=True)
    console.print(f"Result: {verdict.get(exit_code, f'[red]ERROR {int(exit_code)}[/]')}"
                  + (" — simulated bench, engineering dry run" if simulated else ""), soft_wrap=True)
    done = status.completion(records)
    if not done.complete and exit_code in (ExitCode.INTERRUPTED, ExitCode.HARNESS_ERROR, ExitCode.DISK_FULL):
        console.print(f"The campaign is not complete — {escape(done.reason)}: no release, nothing to approve. "
                      f"Finish it with: mimedi-qual run --resume {campaign_dir}", highlight=False, soft_wrap=True)
    # Paths are printed unwrapped so they can be copied from any terminal width.
    console.print(f"Evidence: {campaign_dir}", highlight=False, soft_wrap=True)
    if (campaign_dir / "summary.pdf").is_file():
        console.print(f"Summary report: {campaign_dir / 'summary.pdf'}", highlight=False, soft_wrap=True)
    if report_path is not None:
        console.print(f"Report: {report_path}", highlight=False, soft_wrap=True)
    elif not (campaign_dir / "allure-results").is_dir():
        console.print("Report: not generated (--no-views)", highlight=False, soft_wrap=True)
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
    for col in ("criterion", "result (statistic = value)", "acceptance (source)", "instrument", "verdict"):
        mt.add_column(col, overflow="fold")  # fold, never cut: ids, values and sources are read whole
    for m in measurements:
        text = result_text(m)  # the one formatter every view uses
        verdict = "[green]PASS[/]" if text.verdict == "PASS" else "[red]FAIL[/]"
        mt.add_row(escape(text.criterion_id), escape(text.actual),
                   f"{escape(text.acceptance)}\n[dim]{escape(text.source)}[/]",
                   escape(text.instrument) + ("" if m.get("resolution") is None else f"\n[dim]{escape(text.resolution)}[/]"),
                   verdict)
    console.print(mt)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the ``mimedi-qual`` application."""
    app.command(epilog=f"Exit codes: {describe()}.")(run)
