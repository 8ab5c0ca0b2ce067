"""PQ steps: run a process recipe from ``profiles/process`` and judge it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_series, judge_value
from mimedi_qual.report.allure_evidence import attach_series

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0


@dataclass
class ProcessRun:
    recipe: str
    instrument: str
    # (elapsed s, phase name, judged?, temperature °C)
    samples: list[tuple[float, str, bool, float]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<run of {self.recipe}: {len(self.samples)} samples>"


@when(parsers.parse('the process recipe "{recipe_name}" runs, sampled by the {instrument}'),
      target_fixture="process_run")
def run_recipe(campaign: CampaignContext, recipe_name: str, instrument: str) -> ProcessRun:
    """Each phase: set its setpoint, then sample the reference thermometer through it."""
    recipe = campaign.recipe(recipe_name)
    controller = campaign.bench.bioreactor(campaign.bench.name_of_kind("bioreactor"))
    clock = campaign.bench.clock()
    thermometer = campaign.bench.thermometer(instrument)
    interval_s = recipe.sample_interval_min * SECONDS_PER_MINUTE
    run = ProcessRun(recipe=recipe.name, instrument=instrument)
    start_s = clock.now_s()
    for phase in recipe.phases:
        controller.set_temperature_setpoint_c(phase.setpoint_c)
        for _ in range(int(round(phase.duration_h * SECONDS_PER_HOUR / interval_s))):
            clock.wait_s(interval_s)
            run.samples.append((round(clock.now_s() - start_s, 3), phase.name, phase.judged,
                                thermometer.read_temperature_c()))
    attach_series(f"{recipe.name} run", ["elapsed_s", "phase", "judged", "temperature_c"], run.samples)
    return run


@then(parsers.parse("the time to reach the band of {band_id} meets {criterion_id}"))
def time_to_band(campaign: CampaignContext, process_run: ProcessRun, band_id: str, criterion_id: str) -> None:
    """Minutes from the start of the run to the first reading inside the band."""
    band = campaign.criterion(band_id)
    reached = next((t for t, _, _, value in process_run.samples if band.low <= value <= band.high), None)
    minutes = float("nan") if reached is None else reached / SECONDS_PER_MINUTE
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              minutes, process_run.instrument))
    assert measurement.passed, measurement.summary()


@then(parsers.parse("every reading in the judged phases meets {criterion_id}"))
def judged_phases_meet(campaign: CampaignContext, process_run: ProcessRun, criterion_id: str) -> None:
    """Every reading taken in a phase marked ``judged`` lies inside the criterion's limits."""
    values = [value for _, _, judged, value in process_run.samples if judged]
    measurement = campaign.record(judge_series(criterion_id, campaign.criterion(criterion_id),
                                               values, process_run.instrument))
    assert measurement.passed, measurement.summary()
