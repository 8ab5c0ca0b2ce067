"""``mimedi-qual perf``: performance figures of the compiled parts.

``mimedi-qual perf control`` measures the control core (see
:mod:`mimedi_qual.control.performance` for what each figure means) and prints
a table; ``--json`` prints exactly one JSON object instead, for CI and the
README's performance section::

    $ mimedi-qual perf control --json --steps 1000000
    {"batch_step_ns": 61.2, "call_step_ns": 512.0, ...}

Exit code 0, or 1 with ``--check`` when a target of issue 3 is missed (timing
on a shared machine is noisy, so checking is opt-in).
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

perf_app = typer.Typer(help="Performance benchmarks.", no_args_is_help=True)


@perf_app.callback()
def _perf() -> None:
    """Performance benchmarks (kept a group even with a single command)."""


@perf_app.command("control")
def control(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
    steps: int = typer.Option(1_000_000, "--steps", min=1000,
                              help="Steps for the batch and per-step latency figures."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when a target is missed."),
) -> None:
    """Benchmark the control core: batch, call, reference, simple-pid, tail, 14-day loop."""
    from mimedi_qual.control.performance import measure_control_performance

    perf = measure_control_performance(steps=steps)
    if as_json:
        typer.echo(json.dumps(perf.as_dict()))
    else:
        _print_table(perf)
    if check and not perf.targets_met:
        raise typer.Exit(1)


def _print_table(perf) -> None:
    table = Table(title="MiMédi control core performance")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    rows = [
        ("batch_step_ns", perf.batch_step_ns, "ns"),
        ("call_step_ns", perf.call_step_ns, "ns"),
        ("reference_step_ns", perf.reference_step_ns, "ns"),
        ("simple_pid_step_ns", perf.simple_pid_step_ns, "ns"),
        ("p999_step_ns", perf.p999_step_ns, "ns"),
        ("max_step_ns", perf.max_step_ns, "ns"),
        ("closed_loop_14d_s", perf.closed_loop_14d_s, "s"),
        *((name, value, "×") for name, value in perf.ratios.items()),
    ]
    for name, value, unit in rows:
        target = perf.targets.get(name)
        table.add_row(name, f"{value:,.3f} {unit}" if unit == "s" else f"{value:,.1f} {unit}",
                      target["target"] if target else "",
                      ("yes" if target["met"] else "NO") if target else "")
    Console().print(table)
    Console().print(f"steps: {perf.samples['batch_steps']:,} batch/timed, "
                    f"{perf.samples['call_steps']:,} calls, "
                    f"{perf.samples['reference_steps']:,} reference; per-step figures include "
                    f"one clock read (~{perf.samples['clock_overhead_ns']:.0f} ns)")
