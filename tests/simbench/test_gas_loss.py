"""GAS_LOSS on the simulated bench loses one cylinder: only that gas leaves the blend, the air keeps flowing.

The bench fault maps to the twin's per-gas plant fault (CO2_SUPPLY_LOST,
O2_SUPPLY_LOST), feeds the controller's supply transducers and is written
to the bag's batch record, which the QC lab replays.
"""

from __future__ import annotations

import pytest

from bench_clients import SIM_PROFILE
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.process import SimulatedBench
from mimedi_qual.twin.culture import CultureFault

GAS_FAULTS = {CultureFault.CO2_SUPPLY_LOST, CultureFault.O2_SUPPLY_LOST}


@pytest.fixture
def world(tmp_path):
    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    world.advance(2 * 3600.0)          # loops settled at their setpoints
    return world


def gas_faults(world) -> set[CultureFault]:
    return set(world.culture.active_faults) & GAS_FAULTS


def test_each_cylinder_is_lost_on_its_own_and_the_air_keeps_flowing(world):
    flow = world.culture.parameters["gas_flow_ml_min"]
    world.inject_fault("GAS_LOSS", "CO2")
    assert gas_faults(world) == {CultureFault.CO2_SUPPLY_LOST}
    assert (world.core.co2_supply_bar, world.core.o2_supply_bar) == (0.0, world.supply_pressure_bar("O2"))
    world.advance(600.0)
    assert world.culture.reading().gas_inflow_ml_min == flow
    world.inject_fault("GAS_LOSS", "O2")
    assert gas_faults(world) == GAS_FAULTS
    world.advance(600.0)
    assert world.culture.reading().gas_inflow_ml_min == flow       # both lost: plain air, not the vent
    world.clear_fault("GAS_LOSS")
    assert gas_faults(world) == set()
    assert world.core.co2_supply_bar > 0.0 and world.core.o2_supply_bar > 0.0
    _, events = world.batch_record()
    assert [(f, a) for _, f, a in events if f in GAS_FAULTS] == [
        (CultureFault.CO2_SUPPLY_LOST, True), (CultureFault.O2_SUPPLY_LOST, True),
        (CultureFault.CO2_SUPPLY_LOST, False), (CultureFault.O2_SUPPLY_LOST, False)]


def test_a_lost_co2_cylinder_strips_the_co2_and_leaves_the_do_in_control(world):
    do_before = world.probe("DO")
    world.inject_fault("GAS_LOSS", "CO2")
    world.advance(3600.0)
    r = world.culture.reading()
    assert r.headspace_co2_pct < 1.0
    assert world.probe("DO") == pytest.approx(do_before, abs=5.0)
    world.clear_fault("GAS_LOSS")
    assert gas_faults(world) == set()

