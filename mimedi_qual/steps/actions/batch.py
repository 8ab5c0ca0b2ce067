"""A whole batch of a process recipe, module by module: commands, culture samples, challenges.

A batch runs each recipe step's module (START → EXECUTE, then COMPLETE and
RESET), samples the culture through the step at the recipe's interval, and
runs the step's challenges (an open door, a power cut) when they are due;
everything lands on a :class:`BatchRun` for the judging steps::

    run = BatchRun(recipe.name, "run 1")
    module_to(campaign, run, "EXPANSION", "START", "EXECUTE")
    sample_step(campaign, run, recipe, step, start_s, readers, bench_cleanup)
    run.culture["temperature_c"]                  # the temperature series, each reading labelled step/judged
    values, recoveries_min = band_excluding_recovery(run, "temperature_c", 36.5, 37.5)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.door import open_door_for
from mimedi_qual.steps.actions.modules import settle
from mimedi_qual.steps.actions.power import power_cut
from mimedi_qual.steps.actions.readers import UNIT_OF_COLUMN, reader
from mimedi_qual.steps.cleanup import BenchCleanup

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
#: The culture quantities sampled through a batch: column → (instrument kind, quantity)
BATCH_QUANTITIES = {"temperature_c": ("thermometer", "temperature"), "ph": ("ph_do_meter", "pH"),
                    "do_pct_air_sat": ("ph_do_meter", "DO")}


@dataclass
class BatchRun:
    """Everything one batch produced for judging."""

    recipe: str
    label: str
    # (elapsed s, step name, judged?, seconds since the last challenge ended or None, {column: value})
    samples: list[tuple[float, str, bool, float | None, dict[str, float]]] = field(default_factory=list)
    module_outcomes: list[tuple[str, str, str, str]] = field(default_factory=list)  # module, command, expected, actual
    fills: Series | None = None  # each filled bag's volume, weighed on the balance
    challenges_s: list[tuple[float, float]] = field(default_factory=list)  # (start, end) elapsed s
    # column → the raw series of that culture quantity, each reading labelled with its step and judged?
    culture: dict[str, Series] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.label} of {self.recipe}: {len(self.samples)} samples>"

    @property
    def fill_volumes_ml(self) -> list[float]:
        return self.fills.values if self.fills is not None else []


def culture_series(campaign: CampaignContext, run: BatchRun, start_s: float) -> dict[str, Series]:
    """One empty series per culture quantity of the batch, on the bench's instrument of its kind."""
    return {column: Series(f"{run.label}: {quantity} through the batch", column, UNIT_OF_COLUMN[column],
                           campaign.instrument_id(campaign.bench.name_of_kind(kind)),
                           label_columns=("step", "judged"), start_bench_s=start_s)
            for column, (kind, quantity) in BATCH_QUANTITIES.items()}


def culture_readers(campaign: CampaignContext) -> dict[str, Callable[[], float]]:
    """Column → a function reading it on the bench's instrument of that kind.

    Looked up at every reading: a power cut in a challenge reconnects the instruments.
    """
    bench = campaign.bench
    return {column: (lambda kind=kind, quantity=quantity: reader(campaign, bench.name_of_kind(kind), quantity)[0]())
            for column, (kind, quantity) in BATCH_QUANTITIES.items()}


def module_to(campaign: CampaignContext, run: BatchRun, module: str, command: str, expected: str) -> None:
    """Send a module command and note whether the module reached ``expected``."""
    try:
        campaign.bench.bioreactor().module_command(module, command)
        actual = settle(campaign, module, expected)
    except CommandRefused as refused:
        controller = campaign.bench.bioreactor()
        actual = (f"refused ({refused.reason}; interlocks: {','.join(controller.active_interlocks()) or 'none'}; "
                  f"alarms: {','.join(controller.active_alarms()) or 'none'})")
    run.module_outcomes.append((module, command, expected, actual))


def sample_step(campaign: CampaignContext, run: BatchRun, recipe, step, start_s: float,
                readers: dict, cleanup: BenchCleanup) -> None:
    """Let the step's time pass in sample intervals, reading every culture quantity; run its challenges."""
    clock = campaign.bench.clock()
    interval_s = recipe.sample_interval_min * SECONDS_PER_MINUTE
    pending = sorted((c for c in recipe.challenges if c.step == step.name), key=lambda c: c.at_h)
    step_start_s = clock.now_s()
    last_challenge_end_s = None
    for _ in range(int(round(step.duration_h * SECONDS_PER_HOUR / interval_s))):
        if pending and clock.now_s() - step_start_s >= pending[0].at_h * SECONDS_PER_HOUR:
            challenge = pending.pop(0)
            began_s = clock.now_s() - start_s
            run_challenge(campaign, challenge, cleanup)
            last_challenge_end_s = clock.now_s()
            run.challenges_s.append((began_s, last_challenge_end_s - start_s))
        clock.wait_s(interval_s)
        in_step_h = (clock.now_s() - step_start_s) / SECONDS_PER_HOUR
        judged = step.judged_after_h is not None and in_step_h >= step.judged_after_h
        since = None if last_challenge_end_s is None else clock.now_s() - last_challenge_end_s
        now_s = clock.now_s()
        values = {column: read() for column, read in readers.items()}
        run.samples.append((round(now_s - start_s, 3), step.name, judged, since, values))
        if not run.culture:
            run.culture = culture_series(campaign, run, start_s)
        for column, value in values.items():
            run.culture[column].add(now_s, value, step.name, judged)


def run_challenge(campaign: CampaignContext, challenge, cleanup: BenchCleanup) -> None:
    """An open door or a power cut for the challenge's duration (the bench is ready again after a cut)."""
    duration_s = challenge.duration_min * SECONDS_PER_MINUTE
    if challenge.event == "door_open":
        open_door_for(campaign, cleanup, duration_s)
    elif challenge.event == "power_cut":
        power_cut(campaign, duration_s)
        campaign.bench.ensure_state("ready")


def band_excluding_recovery(run: BatchRun, column: str, low: float, high: float) -> tuple[list[float], list[float]]:
    """Judged values outside challenge recoveries, and each challenge's recovery time in minutes.

    A recovery lasts from the end of a challenge to the first reading back in [low, high].
    """
    values, recoveries_min = [], []
    recovering = False
    challenge_ends = [end for _, end in run.challenges_s]
    for t, _, judged, _, readings in run.samples:
        if challenge_ends and t >= challenge_ends[0]:
            recovering, end = True, challenge_ends.pop(0)
        if recovering:
            if low <= readings[column] <= high:
                recovering = False
                recoveries_min.append((t - end) / SECONDS_PER_MINUTE)
            else:
                continue
        if judged:
            values.append(readings[column])
    if recovering:
        recoveries_min.append(float("nan"))
    return values, recoveries_min
