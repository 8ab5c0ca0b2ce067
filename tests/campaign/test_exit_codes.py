"""The service's exit code: decided from pytest's code, collection errors and the recorded verdict."""

from __future__ import annotations

import pytest

from mimedi_qual.campaign.exit_codes import ExitCode, describe
from mimedi_qual.campaign.service import _exit_code

MET = {"verdict": "criteria_met"}
NOT_MET = {"verdict": "deviations"}


@pytest.mark.parametrize(("pytest_code", "errors", "finished", "expected"), [
    (pytest.ExitCode.OK, [], MET, ExitCode.OK),
    (pytest.ExitCode.OK, [], NOT_MET, ExitCode.DEVIATIONS),   # e.g. a recorded interruption
    (pytest.ExitCode.TESTS_FAILED, [], NOT_MET, ExitCode.DEVIATIONS),
    (pytest.ExitCode.INTERRUPTED, ["x.feature: bad"], NOT_MET, ExitCode.BAD_INPUT),
    (pytest.ExitCode.INTERRUPTED, [], NOT_MET, ExitCode.INTERRUPTED),
    (pytest.ExitCode.USAGE_ERROR, [], NOT_MET, ExitCode.BAD_INPUT),
    (pytest.ExitCode.NO_TESTS_COLLECTED, [], NOT_MET, ExitCode.BAD_INPUT),
    (pytest.ExitCode.INTERNAL_ERROR, [], NOT_MET, ExitCode.HARNESS_ERROR),
])
def test_exit_code(pytest_code, errors, finished, expected):
    assert _exit_code(int(pytest_code), errors, finished) == expected


def test_every_code_is_described_for_help():
    text = describe()
    for code in ExitCode:
        assert f"{int(code)} " in text
