"""The world in-process: lockstep determinism per seed, power bookkeeping, a fast 14-day advance."""

from __future__ import annotations

import time

import pytest

from bench_clients import SIM_PROFILE
from mimedi_qual.errors import ProfileError
from mimedi_qual.profiles import load_bench
from mimedi_qual.simbench.audit import parse_iso_utc
from mimedi_qual.simbench.process import SimulatedBench


def readings(tmp_path, seed_offset: int = 0) -> list[str]:
    profile = load_bench(SIM_PROFILE)
    if seed_offset:
        profile = profile.model_copy(update={"simulation": profile.simulation.model_copy(
            update={"seed": profile.simulation.seed + seed_offset})})
    bench = SimulatedBench(profile, tmp_path / f"state-{seed_offset}")
    bench.world.load_fresh_bag()
    bench.world.advance(6 * 3600)
    devices = {s.name: s.device for s in bench.instruments}
    out = [devices["controller"].handle("MEAS:TEMP?;MEAS:PH?;MEAS:DO?;OUTP:HEAT?")]
    out += [devices["thermometer"].handle("FETC? 1") for _ in range(3)]
    out += [devices["phdo"].handle("MEAS:PH?;MEAS:DO?"), devices["co2"].handle("MEAS:CO2?"),
            devices["balance"].handle("S"), f"{bench.world.culture.viable_cells_per_ml:.6e}"]
    return out


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_path):
    first, second, other = readings(tmp_path), readings(tmp_path / "b"), readings(tmp_path / "c", seed_offset=1)
    assert first == second
    assert all(a != b for a, b in zip(first[:4], other[:4]))
    # ... but plausibly the same bench: every thermometer reading within 0.1 °C
    assert all(abs(float(a) - float(b)) < 0.1 for a, b in zip(first[1:4], other[1:4]))


def test_fourteen_days_of_lockstep_are_fast_and_the_culture_grows(tmp_path):
    bench = SimulatedBench(load_bench(SIM_PROFILE), tmp_path)
    start_cells = bench.world.culture.viable_cells_per_ml
    t0 = time.perf_counter()
    bench.world.advance(14 * 86400.0)
    wall_s = time.perf_counter() - t0
    assert wall_s < 10.0            # ~1 s on a quiet 2-core VM; the bound only catches a Python loop
    assert bench.world.time_s == 14 * 86400.0
    assert bench.world.culture.viable_cells_per_ml > 2 * start_cells
    assert bench.world.culture.temperature_c == pytest.approx(37.0, abs=0.3)


def test_fractional_advance_holds_the_last_output(tmp_path):
    bench = SimulatedBench(load_bench(SIM_PROFILE), tmp_path)
    bench.world.advance(10.25)
    bench.world.advance(0.75)
    assert bench.world.time_s == pytest.approx(11.0)
    assert bench.world.controller.time_s == pytest.approx(11.0)


def test_error_models_must_name_real_instruments_and_quantities(tmp_path):
    from bench_clients import profile_with

    typo = profile_with(tmp_path, {"    co2: {co2_pct:": "    c02: {co2_pct:"})
    with pytest.raises(ProfileError, match=r"\.yaml:\d+: simulation.reference: c02 is no instrument"):
        load_bench(typo)     # refused as the profile is loaded, at the typo's line, before any simulator starts
    wrong_quantity = profile_with(tmp_path, {"tachometer: {speed_rpm:": "tachometer: {speed:"})
    with pytest.raises(ValueError, match="speed"):
        SimulatedBench(load_bench(wrong_quantity), tmp_path / "b")


def audit_entries(world) -> list[list[str]]:
    return [world.audit.entry(n).split(",") for n in range(1, world.audit.count + 1)]


def test_a_lost_gas_supply_reaches_the_controllers_transducer_and_is_audit_trailed(tmp_path):
    from mimedi_qual.control.codes import Alarm

    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    world.advance(60)
    world.inject_fault("GAS_LOSS", "O2")
    raised_at = world.time_s                             # bench time; the trail dates it in UTC
    world.advance(60)
    assert world.controller.alarm_active_mask & (1 << Alarm.O2_SUPPLY_LOW)
    assert not world.controller.alarm_active_mask & (1 << Alarm.CO2_SUPPLY_LOW)
    world.clear_fault("GAS_LOSS")
    world.advance(5)
    assert not world.controller.alarm_active_mask & (1 << Alarm.O2_SUPPLY_LOW)
    alarm_entries = [e for e in audit_entries(world) if e[3].startswith("ALARM_")]
    (_, raised_s, who, action, old, new, _), cleared = alarm_entries
    assert (who, action, new) == ("SYSTEM", "ALARM_RAISED", "O2_SUPPLY_LOW")
    # raised at the control period its 10 s on-delay ended, not at the end of the advance
    assert abs((parse_iso_utc(raised_s) - world.audit.utc_at(raised_at + 10.0)).total_seconds()) <= 1.0
    assert cleared[3:5] == ["ALARM_CLEARED", "O2_SUPPLY_LOW"]
    assert abs((parse_iso_utc(cleared[1]) - world.audit.utc_at(raised_at + 60.0)).total_seconds()) <= 1.0


def test_an_occluded_base_line_builds_pressure_trips_the_interlock_and_holds_it_until_released(tmp_path):
    from mimedi_qual.control.codes import Alarm, Interlock

    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    base = 1                                               # PUMP_NAMES index
    world.inject_fault("PUMP_OCCLUSION", "BASE")
    world.core.dispense(base, 5.0, 2.0)                    # the sequencer pushes into the clamped line
    world.advance(2)                                       # 2 mL/min into 0.005 mL/kPa: +6.7 kPa/s
    assert 0.0 < world.core.pump_line_kpa(base) < 150.0
    world.advance(30)
    assert world.controller.interlock_mask & Interlock.PUMP_OCCLUSION
    assert world.controller.alarm_active_mask & (1 << Alarm.PUMP_OCCLUSION)
    assert world.core.pump_state(base) == (False, 0.0)     # stopped, nothing delivered
    trapped = world.core.pump_line_kpa(base)
    world.advance(600)
    assert world.core.pump_line_kpa(base) == trapped       # a stopped pump keeps the pressure trapped
    world.clear_fault("PUMP_OCCLUSION")
    world.advance(2)
    assert world.core.pump_line_kpa(base) < 100.0          # released: the interlock lets go
    assert not world.controller.interlock_mask & Interlock.PUMP_OCCLUSION


def test_the_configuration_checksum_is_of_the_active_configuration(tmp_path):
    from mimedi_qual.control.codes import Alarm, Loop
    import yaml

    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    register = yaml.safe_load((SIM_PROFILE.parents[1] / "acceptance" / "equipment-register.yaml").read_text())
    approved = register["controller"]["configuration_checksum"]
    assert world.configuration_checksum == approved
    world.controller.set_alarm_limit(Alarm.DO_LOW, 15.0)           # a supervisor widens a limit
    assert world.configuration_checksum != approved
    world.controller.set_alarm_limit(Alarm.DO_LOW, 20.0)           # ... and restores it
    assert world.configuration_checksum == approved
    world.set_loop_mode(Loop.TEMPERATURE, 40.0)
    assert world.configuration_checksum != approved


@pytest.mark.parametrize("culture_module, heats", [(None, False), ("TRANSDUCTION", True), ("EXPANSION", True)])
def test_the_bag_is_heated_only_while_a_culture_module_regulates(tmp_path, culture_module, heats):
    """As the controller is designed (control/controller.pyx: loops while a culture module is active):
    under SELECTION alone a fresh bag stays at room temperature; TRANSDUCTION or EXPANSION heat it.
    The heat-up step refuses to run without one (tests/steps/test_process_regulation.py)."""
    from mimedi_qual.control.codes import Command, Module

    world = SimulatedBench(load_bench(SIM_PROFILE), tmp_path).world
    world.advance(60.0)
    for module in Module:                          # the bench is handed over with EXPANSION executing
        world.controller.command(module, Command.STOP)
    world.advance(60.0)
    for module in Module:
        world.controller.command(module, Command.RESET)
    world.advance(60.0)
    assert world.controller.command(Module.SELECTION, Command.START).accepted
    if culture_module is not None:
        assert world.controller.command(Module[culture_module], Command.START).accepted
    world.load_fresh_bag()
    world.advance(4 * 3600.0)
    if heats:
        assert world.culture.temperature_c > 36.0
    else:
        assert world.culture.temperature_c == pytest.approx(world.sim.plant.ambient_c, abs=0.5)
