"""OQ steps: sample the reference thermometer over bench time and judge the series."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_series
from mimedi_qual.report.allure_evidence import attach_series

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0


@dataclass
class TemperatureSeries:
    """Readings of one instrument: (bench time in s, temperature in °C)."""

    instrument: str
    samples: list[tuple[float, float]] = field(default_factory=list)

    @property
    def values_c(self) -> list[float]:
        return [value for _, value in self.samples]

    def __repr__(self) -> str:
        return f"<{len(self.samples)} readings of {self.instrument}>"


def sample_temperature(campaign: CampaignContext, instrument: str, interval_s: float,
                       duration_s: float) -> TemperatureSeries:
    """Read ``instrument`` every ``interval_s`` for ``duration_s`` of bench time."""
    clock = campaign.bench.clock()
    thermometer = campaign.bench.thermometer(instrument)
    series = TemperatureSeries(instrument)
    start_s = clock.now_s()
    n_samples = int(round(duration_s / interval_s))
    for _ in range(n_samples):
        clock.wait_s(interval_s)
        series.samples.append((round(clock.now_s() - start_s, 3), thermometer.read_temperature_c()))
    return series


@when(parsers.re(r"the (?P<instrument>[\w-]+) is read every (?P<interval_min>[\d.]+) minutes? "
                 r"for (?P<duration_h>[\d.]+) hours?"),
      converters={"interval_min": float, "duration_h": float},
      target_fixture="readings")
def read_every(campaign: CampaignContext, instrument: str, interval_min: float,
               duration_h: float) -> TemperatureSeries:
    """Sample the reference thermometer at a fixed interval; the series is attached as CSV."""
    series = sample_temperature(campaign, instrument, interval_min * SECONDS_PER_MINUTE,
                                duration_h * SECONDS_PER_HOUR)
    attach_series(f"{instrument} readings", ["elapsed_s", "temperature_c"], series.samples)
    return series


@then(parsers.parse("every reading meets {criterion_id}"))
def every_reading_meets(campaign: CampaignContext, readings: TemperatureSeries, criterion_id: str) -> None:
    """All samples inside the criterion's limits; the worst one is the reported value."""
    measurement = campaign.record(judge_series(
        criterion_id, campaign.criterion(criterion_id), readings.values_c, readings.instrument))
    assert measurement.passed, measurement.summary()
