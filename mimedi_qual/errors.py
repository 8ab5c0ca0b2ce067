"""The one exception hierarchy of mimedi-qual: what went wrong, said so a user can act on it.

Every error the harness raises on purpose is a :class:`MimediQualError`; its
*type* says what kind of problem it is, and everything downstream decides by
type (``isinstance``), never by reading the message text:

* the CLI's exit code (``mimedi_qual.campaign.exit_codes.ExitCode``),
* the deviation category a failed scenario is recorded under
  (``mimedi_qual.evidence.deviations.DeviationCategory``),
* the Allure category a failed test is shown under (the failure message
  starts with the exception's class name, and the categories match class
  names of this hierarchy).

===============  ==================================  ========================  ===================
class            what it means to the user           stops a command before    in a scenario: the
                                                     any scenario: exit code   deviation category
===============  ==================================  ========================  ===================
ProfileError     a YAML profile is wrong             BAD_INPUT (2)             execution_error
ProtocolError    a feature file or selection is      BAD_INPUT (2)             execution_error
                 wrong, or does not trace the URS
CriterionError   a step names a criterion that is    BAD_INPUT (2)             execution_error
                 unknown or does not fit it
InstrumentError  an instrument failed, refused a     BAD_INPUT (2)             instrument_fault
                 command, or is past calibration
BenchError       the bench (labgrid place) is held,  BENCH_UNAVAILABLE (4)     execution_error
                 unknown, did not start, or lacks
                 what a step asks for
EvidenceError    the campaign record refuses or      BAD_INPUT (2)             execution_error
                 cannot do what was asked
===============  ==================================  ========================  ===================

A scenario that fails on any of them makes the campaign end with deviations
(exit code DEVIATIONS, 1).

Anything else that escapes (a ``TypeError``, a ``KeyError``) is a bug of the
harness, not a problem of the user's input or bench.

>>> try:
...     raise ProfileError("profiles/benches/sim.yaml", 27, "due_on: invalid date")
... except MimediQualError as err:
...     print(type(err).__name__, err)
ProfileError profiles/benches/sim.yaml:27: due_on: invalid date
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class MimediQualError(Exception):
    """A problem the harness reports to its user (not a bug of the harness).

    Catch this to handle every such problem at once; catch a subclass to handle
    one kind. The message is complete on its own: it names the file, line,
    instrument or bench concerned. Each family below has a ``title`` naming
    its kind of problem in a few words: the Allure report groups failed
    scenarios under it.
    """

    title: ClassVar[str]


def _located(path: str | Path | None, line: int | None, message: str) -> str:
    """``path:line: message`` (or ``path: message``, or just ``message``), like a compiler."""
    if path is None:
        return message
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


class ProfileError(MimediQualError):
    """A profile (bench, URS, acceptance criteria, recipe, controller, twin, users …) that cannot be used.

    ``str(err)`` reads like a compiler message, ``path:line: problem``, so an
    engineer can jump straight to the offending line. Before a campaign runs it
    is bad input (exit code 2, nothing executed); inside a scenario (a profile
    value a step cannot use) it is an ``execution_error`` deviation.
    """

    title = "Profile error"

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(_located(self.path, line, message))


class ProtocolError(MimediQualError):
    """The protocol cannot run as written: a feature file that does not parse, a selection of
    scenarios that is malformed or selects nothing, a step phrase that asks for what cannot be done.

    ``path``/``line`` name the feature file when there is one. Before a campaign
    runs it is bad input (exit code 2); inside a scenario it is an
    ``execution_error`` deviation: the protocol was not carried out.
    """

    title = "Protocol error"

    def __init__(self, path: str | Path | None, line: int | None, message: str):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(_located(self.path, line, message))


class CriterionError(MimediQualError):
    """A step names an acceptance criterion that is not in the acceptance profile, or uses one
    in a way its kind does not allow (an ``exact`` criterion judged as a band, no samples to judge).

    This is an authoring error between the feature file and the acceptance
    profile, not a criterion that was *not met* (that is a measurement verdict
    and an ``AssertionError``). Bad input (exit code 2) when found before a run;
    an ``execution_error`` deviation inside a scenario.
    """

    title = "Criterion unknown or misused"


class InstrumentError(MimediQualError):
    """An instrument did not answer, answered garbage, refused a command or is past calibration.

    Carries the instrument's name so a deviation can say which one failed; the
    subclasses in :mod:`mimedi_qual.lab.errors` say how (``CommandRefused``,
    ``AccessDenied``, ``CalibrationExpired``, ``BalanceOverload``). Inside a
    scenario it is an ``instrument_fault`` deviation (exit code 1, deviations).
    """

    title = "Instrument fault"

    def __init__(self, instrument: str, message: str):
        self.instrument = instrument
        super().__init__(f"instrument '{instrument}': {message}")


class BenchError(MimediQualError):
    """The bench cannot be used as asked: the labgrid place is unknown, held or of another bench,
    the simulated bench did not start, or the bench profile lacks the instrument or section a step needs.

    Before a campaign runs: exit code 4, bench not available. Inside a scenario
    (a step asks for an instrument or section this bench does not have): an
    ``execution_error`` deviation — the protocol could not be carried out on it.
    """

    title = "Bench not available or incomplete"


class EvidenceError(MimediQualError):
    """The campaign record refuses or cannot do what was asked: not a campaign directory, an
    unknown signer or a key that does not fit, a refused signature, a campaign that cannot be resumed.

    (A user registry *file* that cannot be read is a :class:`ProfileError` with its line.)

    Bad input (exit code 2) for the evidence commands; the record itself is
    never left half-written by it.
    """

    title = "Evidence record refused"
