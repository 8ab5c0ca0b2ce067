"""Faults caused by a scenario (steps/actions/faults.py): instruments by their bench-profile name, refused otherwise."""

from __future__ import annotations

import pytest

from mimedi_qual.errors import BenchError
from mimedi_qual.steps.actions.faults import inject
from mimedi_qual.steps.cleanup import BenchCleanup


def test_an_instrument_fault_names_the_instrument_as_the_bench_profile_does(campaign, bench):
    event = inject(campaign, BenchCleanup(), "INSTRUMENT_DISCONNECT", "thermometer")
    assert event.fault == "INSTRUMENT_DISCONNECT,thermometer"
    assert bench.faults().active() == ["INSTRUMENT_DISCONNECT,thermometer"]


def test_an_instrument_fault_on_an_instrument_the_bench_lacks_is_refused_naming_its_instruments(campaign, bench):
    with pytest.raises(BenchError, match=r"no instrument 'THERMOMETER' on bench .*\(instruments: .*thermometer"):
        inject(campaign, BenchCleanup(), "INSTRUMENT_DISCONNECT", "THERMOMETER")
    assert bench.faults().active() == []                      # nothing half-done
