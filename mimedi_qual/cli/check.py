"""``mimedi-qual check [PATHS]``: the protocol preflight alone, fast enough to run on every save.

Checks what ``mimedi-qual run`` checks before it starts anything — the
profiles (bench, every acceptance criteria file, every URS file), the
traceability gate and, step by step, every scenario of the feature files
given (default: the project's whole ``features/``) — and starts nothing::

    $ mimedi-qual check features/oq/temperature_hold.feature
    features/oq/temperature_hold.feature:12: no step definition matches 'Then every reading meet OQ-TEMP-ACC'; did you mean: 'every reading meets {criterion_id}' …
    $ echo $?
    2

Exit 0: the protocol is fit to run; 2: every problem listed as ``file:line: problem``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mimedi_qual.campaign.exit_codes import ExitCode
from mimedi_qual.paths import project_paths


def check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="feature files or folders to check (default: the project's features/)")] = None,
    bench: Annotated[Path | None, typer.Option(help="bench profile (default: the simulated bench)")] = None,
    acceptance: Annotated[Path | None, typer.Option(
        help="acceptance criteria: a folder or a file in it (every criteria file beside it is read)")] = None,
) -> None:
    """Check the protocol before bench time: steps, criteria, numbers, units, profiles; start nothing."""
    from mimedi_qual.campaign.preflight import check_protocol_files, check_traceability_gate, load_bench_profile
    from mimedi_qual.errors import MimediQualError
    from mimedi_qual.plugin.vocabulary import step_definitions
    from mimedi_qual.profiles import load_acceptance
    from mimedi_qual.qualification.protocol import load_protocol
    from mimedi_qual.qualification.traceability import load_requirements

    console = Console(highlight=False, soft_wrap=True)
    started = time.perf_counter()
    project = project_paths()
    targets = list(paths or [project.features])
    console.print(f"protocol: {', '.join(str(t) for t in targets)} — {project.describe()}", markup=False)
    try:
        bench_profile = load_bench_profile(Path(bench or project.default_bench))
        criteria = load_acceptance(Path(acceptance or project.default_acceptance))
        load_requirements(project.urs)
        check_protocol_files(targets, step_definitions(), criteria, bench_profile, profiles_dir=project.profiles)
        check_traceability_gate(project, criteria)
        scenarios = load_protocol(targets)
    except MimediQualError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    elapsed_s = time.perf_counter() - started
    console.print(f"ok: {len(scenarios)} scenarios and outlines, every step known, every criterion found and in a unit of what "
                  f"its step measures ({elapsed_s:.2f} s)", markup=False)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
