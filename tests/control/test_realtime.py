"""Real-time mode: structure of the timing report, and its arithmetic on a fake clock."""

from __future__ import annotations

import dataclasses

import pytest

from mimedi_qual.control.realtime import (RealtimeTimingReport, TimingStatistics,
                                          run_realtime)


def test_real_run_reports_every_statistic(controller):
    seen = []
    report = run_realtime(controller, period_s=0.005, periods=20, write_outputs=seen.append)
    assert isinstance(report, RealtimeTimingReport)
    assert dataclasses.is_dataclass(report) and report.periods == 20 and len(seen) == 20
    for stats in (report.period_jitter_us, report.start_lateness_us, report.step_latency_us):
        assert isinstance(stats, TimingStatistics)
        assert 0.0 <= stats.p50 <= stats.p99 <= stats.max
    assert report.step_latency_us.p50 > 0.0
    assert report.duration_s >= 19 * 0.005
    measurements = report.as_measurements()
    assert set(measurements) == {
        "missed_deadlines",
        *(f"{q}_{s}_us" for q in ("period_jitter", "start_lateness", "step_latency")
          for s in ("p50", "p99", "max")),
    }
    assert all(isinstance(v, float) for v in measurements.values())


class FakeTime:
    """A clock that moves 1 µs per read, by the slept time, and by each step's duration."""

    def __init__(self):
        self.now_ns = 1_000_000

    def clock_ns(self):
        self.now_ns += 1_000
        return self.now_ns

    def sleep(self, seconds):
        self.now_ns += int(seconds * 1e9)


class SlowController:
    """Takes 200 µs per step, except one step that takes 2.5 periods."""

    def __init__(self, fake, slow_step):
        self.fake, self.slow_step, self.k = fake, slow_step, 0

    def step(self, *args):
        self.k += 1
        self.fake.now_ns += 250_000_000 if self.k == self.slow_step else 200_000
        return None


def test_fake_clock_latency_jitter_and_missed_deadlines():
    fake = FakeTime()
    ctl = SlowController(fake, slow_step=5)
    report = run_realtime(ctl, period_s=0.1, periods=10, clock_ns=fake.clock_ns,
                          sleep=fake.sleep, read_inputs=lambda: (37.0, 7.2, 50.0, 3.0, False))
    # each step: 200 µs plus the clock reads inside the measured span
    assert report.step_latency_us.p50 == pytest.approx(201.0, abs=2.0)
    assert report.step_latency_us.max == pytest.approx(250_001.0, abs=2.0)
    # the 250 ms step ends in period 7 (5 + 2.5): periods 6 and 7 are lost
    assert report.missed_deadlines == 2
    assert report.start_lateness_us.p50 < 5.0
    assert report.period_jitter_us.max == pytest.approx(200_000.0, abs=10.0)


def test_bad_arguments_are_refused(controller):
    with pytest.raises(ValueError):
        run_realtime(controller, period_s=0.0, periods=5)
    with pytest.raises(ValueError):
        run_realtime(controller, period_s=0.1, periods=0)
