"""PQ steps: run a process recipe from ``profiles/process`` and judge it.

Two kinds of run: the walking skeleton's temperature recipe (phases of setpoint
and duration, sampled by the thermometer), and whole batches of a CAR-T-like
recipe, module by module::

    When the batch recipe "car-t-14d" runs as run 1
    Then the temperature through the batch meets PQ-TEMP-RUN
    And every module command of the batch had its expected outcome (PQ-MODULES)
    And every filled bag meets PQ-FILL-VOL
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_bdd import given, parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_series, judge_time_to, judge_value
from mimedi_qual.qualification.quantities import (
    BY_NAME,
    COUNT,
    TEMPERATURE,
    TIME_MIN,
    VOLUME,
    ByParameter,
    band_in_unit,
    judges,
)
from mimedi_qual.qualification.recipe import load_recipe
from mimedi_qual.qualification.series import Series
from mimedi_qual.report.allure_evidence import attach_table
from mimedi_qual.steps.actions.batch import (
    BATCH_QUANTITIES,
    BatchRun,
    band_excluding_recovery,
    culture_readers,
    module_to,
    sample_step,
)
from mimedi_qual.steps.actions.modules import bring_to_state, ensure_executing, require_regulated, restart_if_running
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.actions.pumps import fill_bags
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0


@dataclass
class ProcessRun:
    recipe: str
    instrument: str
    temperatures: Series  # temperature_c per reading, labelled with its phase and whether the phase is judged

    def __repr__(self) -> str:
        return f"<run of {self.recipe}: {len(self.temperatures.readings)} samples>"


@when(parsers.parse('the process recipe "{recipe_name}" runs, sampled by the {instrument}'),
      target_fixture="process_run")
def run_recipe(campaign: CampaignContext, recipe_name: str, instrument: str) -> ProcessRun:
    """Each phase: set its setpoint, then sample the reference thermometer through it.

    Refused before anything is set unless a culture module (TRANSDUCTION or EXPANSION) is active:
    the controller regulates the temperature only then.
    """
    require_regulated(campaign, f'the process recipe "{recipe_name}"')
    recipe = campaign.recipe(recipe_name)
    controller = campaign.bench.bioreactor(campaign.bench.name_of_kind("bioreactor"))
    clock = campaign.bench.clock()
    thermometer = campaign.bench.thermometer(instrument)
    interval_s = recipe.sample_interval_min * SECONDS_PER_MINUTE
    temperatures = Series(f"{recipe.name} run", "temperature_c", "°C", campaign.instrument_id(instrument),
                          label_columns=("phase", "judged"), start_bench_s=clock.now_s())
    for phase in recipe.phases:
        controller.set_temperature_setpoint_c(phase.setpoint_c)
        for _ in range(int(round(phase.duration_h * SECONDS_PER_HOUR / interval_s))):
            clock.wait_s(interval_s)
            temperatures.add(clock.now_s(), thermometer.read_temperature_c(), phase.name, phase.judged)
    return ProcessRun(recipe=recipe.name, instrument=instrument, temperatures=temperatures)


@then(parsers.parse("the time to reach the band of {band_id} meets {criterion_id}"))
@judges(criterion_id=TIME_MIN, band_id=TEMPERATURE)
def time_to_band(campaign: CampaignContext, process_run: ProcessRun, band_id: str, criterion_id: str) -> None:
    """Minutes from the start of the run to the first reading inside the band.

    Never inside the band during the run: "never reached within" the run's
    duration, a failed result (never a NaN)."""
    band = campaign.criterion(band_id)
    temperatures = process_run.temperatures
    low, high = band_in_unit(band.low, band.high, band.unit, temperatures.unit, criterion_id=band_id)
    reached = next((t for t, value in zip(temperatures.elapsed_s, temperatures.values)
                    if low <= value <= high), None)
    minutes = None if reached is None else reached / SECONDS_PER_MINUTE
    measurement = campaign.record(judge_time_to(
        criterion_id, campaign.criterion(criterion_id), minutes, window_s=max(temperatures.elapsed_s, default=0.0),
        instrument=process_run.instrument, statistic=f"time to reach the band of {band_id}",
        n_readings=len(temperatures.values)), series=temperatures)
    expect_met(measurement)


@then(parsers.parse("every reading in the judged phases meets {criterion_id}"))
@judges(criterion_id=TEMPERATURE)
def judged_phases_meet(campaign: CampaignContext, process_run: ProcessRun, criterion_id: str) -> None:
    """Every reading taken in a phase marked ``judged`` lies inside the criterion's limits."""
    values = [reading.value for reading in process_run.temperatures.readings if reading.labels[1]]  # (phase, judged)
    measurement = campaign.record(judge_series(criterion_id, campaign.criterion(criterion_id),
                                               values, process_run.instrument), series=process_run.temperatures)
    expect_met(measurement)


# ---------------------------------------------------------------------------------------------
# Whole batches: a CAR-T-like recipe module by module (profiles/process/car-t-*.yaml)
# ---------------------------------------------------------------------------------------------

@when(parsers.parse('the batch recipe "{recipe_name}" runs as {label}'), target_fixture="batch_run")
def run_batch(campaign: CampaignContext, bench_cleanup: BenchCleanup, recipe_name: str, label: str) -> BatchRun:
    """Run a whole batch: each step's module started, timed, completed; culture sampled; bags filled and weighed."""
    recipe = load_recipe(campaign.profiles_dir / "process" / f"{recipe_name}.yaml")
    bench = campaign.bench
    controller = bench.bioreactor()
    clock = bench.clock()
    log_in_as(campaign, "OPERATOR")
    setpoints = recipe.setpoints
    controller.set_temperature_setpoint_c(setpoints.temperature_c)
    controller.set_ph_setpoint(setpoints.ph)
    controller.set_do_setpoint_pct(setpoints.do_pct)
    controller.set_rocking_setpoint_rpm(setpoints.rocking_rpm)
    readers = culture_readers(campaign)
    run = BatchRun(recipe.name, label)
    restart_if_running(campaign, bench_cleanup, "EXPANSION")  # leave the bench's culture as it was found
    for step in recipe.steps:
        bring_to_state(campaign, step.module, "IDLE")
    start_s = clock.now_s()
    for step in recipe.steps:
        if step.fresh_bag:
            bench.operator().load_fresh_bag()
        log_in_as(campaign, "OPERATOR")
        module_to(campaign, run, step.module, "START", "EXECUTE")
        sample_step(campaign, run, recipe, step, start_s, readers, bench_cleanup)
        if step.module == "HARVEST":
            run.fills = fill_bags(campaign, recipe.fill, label=f"{label}: filled bags")
        log_in_as(campaign, "OPERATOR")
        module_to(campaign, run, step.module, "COMPLETE", "COMPLETED")
        module_to(campaign, run, step.module, "RESET", "IDLE")
    # The culture series and the filled bags go with the measurements that judge them; the command table is shown here.
    attach_table(f"{label}: module commands", ["module", "command", "expected", "actual"], run.module_outcomes)
    return run


@then(parsers.re(r"the (?P<quantity>temperature|pH|DO) through the batch meets (?P<criterion_id>[\w-]+)"))
@judges(criterion_id=ByParameter("quantity", BY_NAME))
def batch_quantity_meets(campaign: CampaignContext, batch_run: BatchRun, quantity: str, criterion_id: str) -> None:
    """Every judged reading of the quantity inside the criterion (readings while recovering from a challenge excepted)."""
    column = {"temperature": "temperature_c", "pH": "ph", "DO": "do_pct_air_sat"}[quantity]
    criterion = campaign.criterion(criterion_id)
    low, high = band_in_unit(criterion.low, criterion.high, criterion.unit, BY_NAME[quantity].unit,
                             criterion_id=criterion_id)
    values, _ = band_excluding_recovery(batch_run, column, low, high)
    kind = BATCH_QUANTITIES[column][0]
    measurement = campaign.record(judge_series(criterion_id, criterion, values, campaign.bench.name_of_kind(kind)),
                                  series=batch_run.culture.get(column))
    expect_met(measurement, context=batch_run.label)


@then(parsers.parse("the temperature recovers from every challenge back into {band_id} within {criterion_id}"))
@judges(criterion_id=TIME_MIN, band_id=TEMPERATURE)
def challenge_recovery_meets(campaign: CampaignContext, batch_run: BatchRun, band_id: str, criterion_id: str) -> None:
    """Minutes from the end of each challenge to the first temperature reading back in the band; the worst is judged."""
    band = campaign.criterion(band_id)
    low, high = band_in_unit(band.low, band.high, band.unit, TEMPERATURE.unit, criterion_id=band_id)
    _, recoveries = band_excluding_recovery(batch_run, "temperature_c", low, high)
    if not recoveries:
        raise AssertionError(f"{batch_run.label}: the recipe {batch_run.recipe} has no challenge")
    measurement = campaign.record(judge_series(criterion_id, campaign.criterion(criterion_id), recoveries,
                                               campaign.bench.name_of_kind("thermometer")),
                                  series=batch_run.culture.get("temperature_c"))
    expect_met(measurement, context=batch_run.label)


@then(parsers.parse("every module command of the batch had its expected outcome ({criterion_id})"))
@judges(criterion_id=COUNT)
def batch_modules_meet(campaign: CampaignContext, batch_run: BatchRun, criterion_id: str) -> None:
    """Count the module commands of the batch that did not reach their state (judged, max)."""
    wrong = [row for row in batch_run.module_outcomes if row[2] != row[3]]
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), float(len(wrong)),
                                              campaign.bench.name_of_kind("bioreactor"), statistic="count"))
    expect_met(measurement, f" ({wrong})", context=batch_run.label)


@then(parsers.parse("every filled bag meets {criterion_id}"))
@judges(criterion_id=VOLUME)
def fill_volumes_meet(campaign: CampaignContext, batch_run: BatchRun, criterion_id: str) -> None:
    """The volume of every filled bag, weighed on the balance, inside the criterion (the worst is reported)."""
    measurement = campaign.record(judge_series(criterion_id, campaign.criterion(criterion_id),
                                               batch_run.fill_volumes_ml, campaign.bench.name_of_kind("balance")),
                                  series=batch_run.fills)
    expect_met(measurement, context=batch_run.label)


@given(parsers.re(r"the (?P<module>[A-Z]+) module is executing"))
@when(parsers.re(r"the (?P<module>[A-Z]+) module is started again"))
def module_executing(campaign: CampaignContext, module: str) -> None:
    """Make sure the module runs (reset and start it if it is not in EXECUTE)."""
    ensure_executing(campaign, module)
