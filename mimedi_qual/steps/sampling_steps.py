"""Steps that sample a reference instrument over bench time and judge the series.

A scenario names the instrument as the bench profile does (``thermometer``,
``ph_do_meter``, ``tachometer``, ``gas_analyzer``) and, where an instrument
measures several things, the quantity::

    When the thermometer is read every 1 minute for 24 hours
    When the pH is read on the ph_do_meter every 10 minutes for 12 hours
    Then every reading meets OQ-PH-ACC
    Then the mean reading meets OQ-ROCK-TYP

A series keeps, per reading, the bench time and the UTC wall time; the step
that judges it records the measurement with the series, so the raw CSV and
its plot are stored with the verdict and shown on that step.

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import statistics

from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_series, judge_time_to, judge_value
from mimedi_qual.qualification.quantities import (
    BY_NAME,
    READINGS,
    SPEED,
    TIME_MIN,
    ByParameter,
    band_in_unit,
    judges,
)
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.readers import reader, resolve_instrument
from mimedi_qual.steps.actions.sampling import sample
from mimedi_qual.steps.actions.verdicts import expect_met

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0


@when(parsers.re(r"the (?P<instrument>[\w-]+) is read every (?P<interval_min>[\d.]+) minutes? "
                 r"for (?P<duration_h>[\d.]+) hours?"),
      converters={"interval_min": float, "duration_h": float},
      target_fixture="readings")
def read_every(campaign: CampaignContext, instrument: str, interval_min: float, duration_h: float) -> Series:
    """Sample an instrument's main quantity at a fixed interval; the series goes with the measurement that judges it."""
    return sample(campaign, instrument, None, interval_min * SECONDS_PER_MINUTE, duration_h * SECONDS_PER_HOUR)


@when(parsers.re(r"the (?P<quantity>temperature|pH|DO|CO2|rocking speed|weight|mains voltage|O2 enrichment|"
                 r"heater output) is read on the "
                 r"(?P<instrument>[\w-]+) every (?P<interval_min>[\d.]+) minutes? for (?P<duration_h>[\d.]+) hours?"),
      converters={"interval_min": float, "duration_h": float},
      target_fixture="readings")
def read_quantity_every(campaign: CampaignContext, quantity: str, instrument: str, interval_min: float,
                        duration_h: float) -> Series:
    """Sample one named quantity of an instrument at a fixed interval; the series goes with the measurement that judges it."""
    return sample(campaign, instrument, quantity, interval_min * SECONDS_PER_MINUTE, duration_h * SECONDS_PER_HOUR)


@then(parsers.parse("every reading meets {criterion_id}"))
@judges(criterion_id=READINGS)
def every_reading_meets(campaign: CampaignContext, readings: Series, criterion_id: str) -> None:
    """All samples inside the criterion's limits; the worst one is the reported value."""
    measurement = campaign.record(judge_series(
        criterion_id, campaign.criterion(criterion_id), readings.values, readings.instrument.name), series=readings)
    expect_met(measurement)


@then(parsers.parse("the mean reading meets {criterion_id}"))
@judges(criterion_id=READINGS)
def mean_reading_meets(campaign: CampaignContext, readings: Series, criterion_id: str) -> None:
    """The mean of the samples inside the criterion's limits (for quantities judged on average)."""
    criterion = campaign.criterion(criterion_id)
    measurement = campaign.record(judge_value(criterion_id, criterion, statistics.fmean(readings.values),
                                              readings.instrument.name, statistic="mean",
                                              n_readings=len(readings.values)), series=readings)
    expect_met(measurement)


@then(parsers.parse("the time to return to the band of {band_id} meets {criterion_id}"))
@judges(criterion_id=TIME_MIN, band_id=READINGS)
def time_to_return(campaign: CampaignContext, readings: Series, band_id: str, criterion_id: str) -> None:
    """Minutes from the start of the sampling to the reading after which every reading stays in the band.

    Still outside the band at the last reading: "never reached within" the
    series' duration, a failed result (never a NaN)."""
    band = campaign.criterion(band_id)
    low, high = band_in_unit(band.low, band.high, band.unit, readings.unit, criterion_id=band_id)
    samples = list(zip(readings.elapsed_s, readings.values))
    last_outside = None
    for elapsed_s, value in samples:
        if not low <= value <= high:
            last_outside = elapsed_s
    if last_outside is None:
        minutes = 0.0
    elif last_outside == samples[-1][0]:
        minutes = None  # never came back within the series
    else:
        minutes = next(t for t, _ in samples if t > last_outside) / SECONDS_PER_MINUTE
    measurement = campaign.record(judge_time_to(
        criterion_id, campaign.criterion(criterion_id), minutes, window_s=samples[-1][0] if samples else 0.0,
        instrument=readings.instrument.name, statistic="time to return to the band",
        n_readings=len(samples)), series=readings)
    expect_met(measurement)


@then(parsers.re(r"the (?P<quantity>temperature|pH|DO|CO2|rocking speed|weight|mains voltage) on the "
                 r"(?P<instrument>[\w-]+) meets (?P<criterion_id>[\w-]+)"))
@judges(criterion_id=ByParameter("quantity", BY_NAME))
def single_reading_meets(campaign: CampaignContext, quantity: str, instrument: str, criterion_id: str) -> None:
    """One reading of the quantity, now, inside the criterion's limits."""
    read, _ = reader(campaign, instrument, quantity)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), read(),
                                              resolve_instrument(campaign, instrument)))
    expect_met(measurement)


@then(parsers.parse("the mean reading above the rocking speed setpoint meets {criterion_id}"))
@judges(criterion_id=SPEED)
def mean_above_rocking_setpoint(campaign: CampaignContext, readings: Series, criterion_id: str) -> None:
    """Mean speed minus the base rocking setpoint, rpm: how much faster the DO cascade rocks."""
    base_rpm = campaign.bench.bioreactor().rocking_setpoint_rpm()
    excess_rpm = statistics.fmean(readings.values) - base_rpm
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), excess_rpm,
                                              readings.instrument.name, statistic="mean above the setpoint",
                                              n_readings=len(readings.values)), series=readings)
    expect_met(measurement)
