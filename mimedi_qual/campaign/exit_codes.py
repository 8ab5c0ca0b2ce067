"""The exit codes of ``mimedi-qual`` — a contract with scripts and CI, listed in the README and ``--help``.

>>> int(ExitCode.DEVIATIONS)
1
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    #: every acceptance criterion met (or the command did what it was asked)
    OK = 0
    #: deviations: a criterion not met, an instrument fault, a step that could not run, an interruption recorded
    DEVIATIONS = 1
    #: bad input — profile, feature file, CLI argument, a protocol that does not trace the URS — reported as
    #: ``file:line: problem`` before anything ran; no campaign directory is created
    BAD_INPUT = 2
    #: a harness error (a bug of mimedi-qual itself); the evidence recorded so far is kept
    HARNESS_ERROR = 3
    #: the bench (a labgrid place) is not available: held by someone else, unknown, or of another bench
    BENCH_UNAVAILABLE = 4
    #: refused by a control: the executor is not a registered executor or gave a wrong password (recorded in
    #: the user registry's history); no campaign directory is created
    REFUSED = 5
    #: the disk (or quota) filled up: the record is kept as far as it was written (``verify`` checks it) and
    #: the campaign is not finished; free space, then ``run --resume DIR``
    DISK_FULL = 6
    #: interrupted (Ctrl-C or SIGTERM), pytest crashed or a view failed (Allure, report.html, summary.pdf) before the campaign finished; ``run --resume DIR`` finishes it
    INTERRUPTED = 130


def describe() -> str:
    """One line per code, for ``--help`` texts."""
    meaning = {
        ExitCode.OK: "all acceptance criteria met",
        ExitCode.DEVIATIONS: "deviations recorded",
        ExitCode.BAD_INPUT: "bad input (file:line named), nothing executed",
        ExitCode.HARNESS_ERROR: "harness error",
        ExitCode.BENCH_UNAVAILABLE: "bench (labgrid place) not available",
        ExitCode.REFUSED: "refused: executor not authorised (recorded), nothing executed",
        ExitCode.DISK_FULL: "disk full: record kept, not finished; free space, then --resume",
        ExitCode.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM, crash, a view failed); finish with --resume",
    }
    return "; ".join(f"{int(code)} {meaning[code]}" for code in ExitCode)
