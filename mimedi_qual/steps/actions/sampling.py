"""Sampling one quantity on one instrument at a fixed interval of bench time: a series.

Each reading keeps its bench time and UTC wall time; the series names its
column, unit and instrument, so the step that judges it can record it::

    series = sample(campaign, "ph_do_meter", "DO", 600.0, 12 * 3600.0)   # every 10 min for 12 h
    series.values                                                      # the readings, % air saturation
"""

from __future__ import annotations

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.readers import UNIT_OF_COLUMN, reader, resolve_instrument


def sample(campaign: CampaignContext, instrument: str, quantity: str | None, interval_s: float,
           duration_s: float) -> Series:
    """Read ``quantity`` on ``instrument`` every ``interval_s`` for ``duration_s`` of bench time."""
    clock = campaign.bench.clock()
    read, column = reader(campaign, instrument, quantity)
    instrument = resolve_instrument(campaign, instrument)
    label = f"{instrument} readings" if quantity is None else f"{quantity} readings on {instrument}"
    series = Series(label, column, UNIT_OF_COLUMN[column], campaign.instrument_id(instrument),
                    start_bench_s=clock.now_s())
    for _ in range(int(round(duration_s / interval_s))):
        clock.wait_s(interval_s)
        series.add(clock.now_s(), read())
    return series
