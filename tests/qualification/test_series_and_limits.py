"""A series carries its units, instrument and both clocks; limits are written one way, without float noise."""

from __future__ import annotations

import csv
import io

import pytest

from mimedi_qual.qualification.limits import format_limits, format_number
from mimedi_qual.qualification.measurement import Measurement
from mimedi_qual.qualification.series import InstrumentId, Series


def test_float_noise_is_not_printed():
    assert format_number(7.1000000000000005) == "7.1"
    assert format_limits(6.9, 7.1000000000000005, "pH") == "6.9 … 7.1 pH"
    assert format_limits(None, 900.0, "s") == "≤ 900 s"
    assert format_limits(0.5, None, "%") == "≥ 0.5 %"
    assert format_limits(None, None, "", expected="FLUKE,1529") == "FLUKE,1529"
    assert format_limits(None, None, "") == "as registered"


def test_measurement_summary_uses_the_one_limits_formatter():
    m = Measurement("OQ-PH-ACC", "pH", 7.1000000000000005, "pH", 6.9, 7.1000000000000005, "pass", "phdo", "ours",
                    statistic="single reading", n_readings=1, resolution=0.001)
    assert m.limits_text == format_limits(6.9, 7.1000000000000005, "pH")
    # Statistic named, value at the meter's resolution, the criterion's source: result_text's one line.
    assert m.summary() == ("OQ-PH-ACC: single reading = 7.100 pH against 6.9 … 7.1 pH → PASS "
                           "(phdo, resolution 0.001 pH; criterion: ours)")


def test_series_csv_names_units_instrument_and_both_clocks():
    instrument = InstrumentId("thermometer", "FLUKE", "1529", "SIM-T-0001", idn="FLUKE,1529,SIM-T-0001,1.20")
    series = Series("thermometer readings", "temperature_c", "°C", instrument, label_columns=("phase",),
                    start_bench_s=1000.0)
    series.add(1060.0, 36.98, "hold", utc="2026-12-02T07:00:00.000001Z")
    series.add(1120.5, 37.01, "hold")
    text = series.to_csv().decode("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("SIM-T-0001" in line and "FLUKE,1529,SIM-T-0001,1.20" in line for line in comments)
    assert any(line.startswith("# clocks: bench time ") and "of UTC wall time" in line for line in comments)
    rows = list(csv.reader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    # Every row names its instrument (bench name, serial) and carries both clocks.
    assert rows[0] == ["instrument", "serial", "bench_time_s", "elapsed_s", "utc", "temperature_c [°C]", "phase"]
    assert rows[1] == ["thermometer", "SIM-T-0001", "1060", "60", "2026-12-02T07:00:00.000001Z", "36.98", "hold"]
    assert rows[2][:4] == ["thermometer", "SIM-T-0001", "1120.5", "120.5"]
    assert rows[2][4].endswith("Z") and rows[2][5] == "37.01"
    assert series.elapsed_s == [60.0, 120.5] and series.values == [36.98, 37.01]


def test_a_series_says_how_its_bench_clock_relates_to_wall_time():
    series = Series("t", "temperature_c", "°C", InstrumentId("thermometer"), start_bench_s=7200.0,
                    start_utc="2026-12-02T14:17:15.000000Z", bench_clock="virtual")
    series.add(7260.0, 37.0, utc="2026-12-02T14:17:15.100000Z")
    series.add(93600.0, 37.0, utc="2026-12-02T14:17:16.200000Z")
    assert series.clocks() == {
        "bench_clock": "virtual", "bench_start_s": 7200.0, "bench_end_s": 93600.0,
        "utc_start": "2026-12-02T14:17:15.000000Z", "utc_end": "2026-12-02T14:17:16.200000Z",
        "wall_span_s": 1.2, "acceleration": 72000.0,
    }
    late = Series("t", "temperature_c", "°C", InstrumentId("thermometer"))  # start taken from the first reading
    late.add(10.0, 37.0, utc="2026-12-02T14:00:00.000000Z")
    assert late.clocks()["utc_start"] == "2026-12-02T14:00:00.000000Z" and late.clocks()["acceleration"] is None
    assert Series("t", "x", "", InstrumentId("t")).clocks() == {}


def test_a_reading_must_give_every_label():
    series = Series("runs", "volume_ml", "mL", InstrumentId("balance"), label_columns=("bag",))
    with pytest.raises(ValueError, match="1 label value"):
        series.add(0.0, 10.0)
