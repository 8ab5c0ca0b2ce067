"""qualification.result_text: every view writes a result the same way — statistic, value at the instrument's
resolution, criterion as stated with its source, "never reached" instead of NaN."""

from __future__ import annotations

import json

from mimedi_qual.profiles.acceptance import Criterion
from mimedi_qual.qualification.measurement import judge_series, judge_time_to, judge_value
from mimedi_qual.qualification.result_text import clocks_summary_text, clocks_text, result_text

TEMP = Criterion(description="culture temperature", kind="band", target=37.0, tolerance=0.5, unit="°C",
                 source="[Vali] typically ±0.1 to ±0.5 °C; ±0.5 °C is ours")
HEATUP = Criterion(description="heat-up time", kind="max", limit=180.0, unit="min", source="ours (URS-PQ-001)")
PROFILE = "profiles/acceptance/criteria.yaml v0.2"


def _readings(n: int) -> list[float]:
    return [36.936 if i == 700 else 37.0 + 0.01 * ((i % 7) - 3) for i in range(n)]


def test_a_series_result_names_its_statistic_and_the_number_of_readings():
    m = judge_series("OQ-TEMP-ACC", TEMP, _readings(1440), "thermometer")
    text = result_text(m.as_dict())
    assert (m.statistic, m.n_readings, m.value) == ("min", 1440, 36.936)
    assert text.statistic == "min of 1,440 readings"
    assert text.actual == "min of 1,440 readings = 36.936 °C"
    assert m.summary().startswith("OQ-TEMP-ACC: min of 1,440 readings = 36.936 °C against ")
    assert "0 of 1,440 readings outside the limits" in text.statistics


def test_the_criterion_is_written_as_stated_nominal_and_tolerance_with_its_source_and_profile():
    payload = {**judge_series("OQ-TEMP-ACC", TEMP, [37.0, 37.1], "thermometer").as_dict(),
               "acceptance_profile": PROFILE}
    text = result_text(payload)
    assert text.acceptance == "37.0 ± 0.5 °C (36.5 … 37.5 °C)"
    assert text.source == f"{PROFILE}: [Vali] typically ±0.1 to ±0.5 °C; ±0.5 °C is ours"
    assert text.source in text.line and text.acceptance in text.line
    assert result_text(judge_value("PQ-HEATUP-TIME", HEATUP, 64.0, "thermometer").as_dict()).acceptance == "≤ 180 min"


def test_a_value_is_rounded_to_the_instruments_resolution_and_a_derived_one_by_the_default_rule():
    m = judge_value("OQ-TEMP-ACC", TEMP, 36.93617, "thermometer")
    assert result_text({**m.as_dict(), "resolution": 0.0001}).measured == "36.9362 °C"
    assert result_text({**m.as_dict(), "resolution": 0.01}).measured == "36.94 °C"
    assert result_text({**m.as_dict(), "resolution": 0.01}).resolution == "resolution 0.01 °C"
    assert result_text(m.as_dict()).measured == "36.9362 °C"  # no resolution stated: 6 significant digits
    stats = result_text({**judge_series("OQ-TEMP-ACC", TEMP, [36.93615, 37.0], "t").as_dict(), "resolution": 0.01})
    assert stats.statistics.startswith("min 36.94, max 37.00, mean 36.97 °C")


def test_no_float_noise_in_the_record_or_any_text():
    noisy = Criterion(description="x", kind="band", target=0.2, tolerance=0.1, unit="%", source="ours")
    assert noisy.high == 0.30000000000000004  # what the profile's numbers add up to in binary
    m = judge_value("X", noisy, 0.30000000000000004, "dmm")
    assert m.high == 0.3 and m.value == 0.3
    assert "0000000" not in json.dumps(m.as_dict()) and "0000000" not in m.summary()
    assert result_text({**m.as_dict(), "value": 7.1000000000000005, "resolution": 0.001}).measured == "7.100 %"


def test_a_band_never_reached_fails_and_says_within_how_long_never_nan():
    m = judge_time_to("PQ-HEATUP-TIME", HEATUP, None, window_s=4 * 3600.0, instrument="thermometer",
                      statistic="time to reach the band of PQ-TEMP-RUN", n_readings=240)
    assert m.verdict == "fail" and m.value is None and m.not_reached_within_s == 14400.0
    text = result_text(m.as_dict())
    assert text.measured == "never reached within 4 h"
    assert text.actual == "time to reach the band of PQ-TEMP-RUN, from 240 readings never reached within 4 h"
    assert "nan" not in m.summary().lower() and "FAIL" in m.summary()
    assert judge_time_to("PQ-HEATUP-TIME", HEATUP, float("nan"), window_s=90.0, instrument="t").verdict == "fail"
    reached = judge_time_to("PQ-HEATUP-TIME", HEATUP, 64.0, window_s=14400.0, instrument="thermometer")
    assert reached.verdict == "pass" and result_text(reached.as_dict()).measured == "64 min"


def test_the_worst_reading_of_a_max_criterion_is_the_highest():
    limit = Criterion(description="x", kind="max", limit=5.0, unit="s", source="ours")
    m = judge_series("X", limit, [1.0, 4.0, 2.0], "controller")
    assert (m.value, m.statistic) == (4.0, "max")  # the old code reported 1.0, the reading furthest from 5
    floor = Criterion(description="y", kind="min", limit=5.0, unit="s", source="ours")
    assert judge_series("Y", floor, [6.0, 9.0, 7.0], "controller").value == 6.0


def test_an_old_record_still_reads():
    old = {"criterion_id": "OQ-TEMP-ACC", "value": 36.936, "unit": "°C", "low": 36.5, "high": 37.5,
           "verdict": "pass", "instrument": "thermometer", "source": "ours", "statistics": {"n_samples": 1440.0}}
    text = result_text(old)
    assert text.statistic == "worst of 1,440 readings" and text.acceptance == "36.5 … 37.5 °C"
    assert text.source == "ours"


def test_the_clocks_relation_is_written_from_the_record():
    clocks = {"bench_clock": "virtual", "bench_start_s": 7200.0, "bench_end_s": 93600.0,
              "utc_start": "2026-12-02T14:17:15.000000Z", "utc_end": "2026-12-02T14:17:16.200000Z",
              "wall_span_s": 1.2, "acceleration": 72000.0}
    text = clocks_text(clocks)
    assert text.startswith("bench time 2 h → 26 h (24 h, virtual) in 1.2 s of UTC wall time")
    assert "2026-12-02 14:17:15.000 UTC → 2026-12-02 14:17:16.200 UTC" in text
    assert text.endswith("bench clock ×72,000 the wall clock")
    summary = clocks_summary_text([clocks, clocks, {}])
    assert summary.startswith("bench time virtual: 2 series span 48 h of bench time in 2.4 s of UTC wall time")
    assert clocks_summary_text([]) == ""
