"""The simulation channel's pump routing: where a pump's outlet tube ends decides what the balance weighs."""

from __future__ import annotations

import pytest

from bench_clients import SIM_PROFILE
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.process import SimulatedBench
from mimedi_qual.simbench.simctl import SimulationControlDevice


@pytest.fixture
def world(tmp_path):
    return SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world


def test_only_the_harvest_line_is_on_the_balance_at_start_and_a_line_can_be_routed_there_and_back(world):
    sim = SimulationControlDevice(world)
    assert [sim.handle(f"SIM:PUMP:ROUT? {pump}") for pump in ("FEED", "BASE", "PERFUSION", "HARVEST")] == \
        ["BAG", "BAG", "BAG", "BAL"]
    assert sim.handle("SIM:PUMP:ROUT FEED,BAL;SIM:PUMP:ROUT? FEED;SYST:ERR?") == 'BAL;0,"No error"'
    assert sim.handle("SIM:PUMP:ROUT FEED,BAG;SIM:PUMP:ROUT? feed") == "BAG"


def test_an_unknown_pump_or_place_is_refused(world):
    sim = SimulationControlDevice(world)
    assert sim.handle("SIM:PUMP:ROUT? AIR;SYST:ERR?").startswith("-224")
    assert sim.handle("SIM:PUMP:ROUT FEED,FLOOR;SYST:ERR?").startswith("-224")
    assert sim.handle("SIM:PUMP:ROUT FEED;SYST:ERR?").startswith("-224")
