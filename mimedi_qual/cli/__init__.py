"""The ``mimedi-qual`` command line.

One Typer application; each sub-command lives in a module of this package
named for what it does (``run``, ``perf``, ``bench``, ``verify``, ...) and is
registered below. Exit codes are a contract with scripts and CI, listed in one
enum (:class:`mimedi_qual.campaign.exit_codes.ExitCode`), in ``--help`` and in
the README.
"""

from __future__ import annotations

import typer

from mimedi_qual.campaign.exit_codes import describe

app = typer.Typer(
    name="mimedi-qual",
    help="IQ/OQ/PQ qualification harness for the MiMédi bioreactor.",
    epilog=f"Exit codes: {describe()}.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    # Imported here so that `import mimedi_qual.cli` stays cheap: each command
    # module imports what it needs (the campaign service, the evidence store …).
    from mimedi_qual.cli.run import register as _reg_run; _reg_run(app)  # noqa: E702

    # --- sub-command registrations (one line each, keep sorted) ---
    from mimedi_qual.cli.bench import bench_app; app.add_typer(bench_app, name="bench")  # noqa: E702
    from mimedi_qual.cli.check import register as _reg_check; _reg_check(app)  # noqa: E702
    from mimedi_qual.cli.evidence import register as _reg_evidence; _reg_evidence(app)  # noqa: E702
    from mimedi_qual.cli.perf import perf_app; app.add_typer(perf_app, name="perf")  # noqa: E702
    from mimedi_qual.cli.protocol import protocol_app; app.add_typer(protocol_app, name="protocol")  # noqa: E702
    from mimedi_qual.cli.steps import register as _reg_steps; _reg_steps(app)  # noqa: E702


def main() -> None:
    """Console-script entry point."""
    _register_commands()
    app()
