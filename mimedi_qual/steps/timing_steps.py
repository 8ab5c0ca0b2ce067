"""OQ steps: timing of the real-time control core (period jitter, step latency, missed deadlines).

The controller reports its own scheduler statistics (``DIAGnostic:TIMing?``,
instruments/COMMANDS.md): it runs the control core at its fixed real-time
period on wall time for the number of periods asked, and answers with the
jitter of the period starts, the latency of each step and the deadlines it
missed. Each figure is judged against its criterion; none is asserted
anywhere else (timing is a qualification measurement, not a unit test)::

    Given the bench is ready
    When the control core runs 30 periods in real time
    Then the period jitter (99th percentile) is within limits (OQ-TIMING-JITTER)
    And the step latency (99th percentile) is within limits (OQ-TIMING-LATENCY)
    And no control deadline is missed (OQ-TIMING-MISSED)
"""

from __future__ import annotations

import allure
from pytest_bdd import parsers, then, when

from mimedi_qual.lab.protocols import ControlTiming
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, TIME_US, judges
from mimedi_qual.steps.actions.verdicts import expect_met


@when(parsers.parse("the control core runs {periods:d} periods in real time"), target_fixture="control_timing")
def control_core_runs(campaign: CampaignContext, periods: int) -> ControlTiming:
    """Ask the controller to run its control core at its real-time period for that many periods (wall time)."""
    timing = campaign.bench.bioreactor().control_timing(periods)
    allure.attach(
        f"period {timing.period_s:g} s × {timing.periods} periods\n"
        f"period jitter  p99 {timing.period_jitter_p99_us:.1f} µs, max {timing.period_jitter_max_us:.1f} µs\n"
        f"step latency   p99 {timing.step_latency_p99_us:.1f} µs, max {timing.step_latency_max_us:.1f} µs\n"
        f"missed deadlines {timing.missed_deadlines}",
        name="control core timing", attachment_type=allure.attachment_type.TEXT)
    return timing


def _judge(campaign: CampaignContext, criterion_id: str, value: float, detail: str, statistic: str) -> None:
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), value, "controller",
                                              statistic=statistic))
    expect_met(measurement, f" ({detail})")


@then(parsers.parse("the period jitter (99th percentile) is within limits ({criterion_id})"))
@judges(criterion_id=TIME_US)
def period_jitter_within(campaign: CampaignContext, control_timing: ControlTiming, criterion_id: str) -> None:
    """99th percentile of |interval between step starts − period|, in µs (judged)."""
    _judge(campaign, criterion_id, control_timing.period_jitter_p99_us,
           f"max {control_timing.period_jitter_max_us:.1f} µs over {control_timing.periods} periods",
           f"p99 period jitter over {control_timing.periods:,} periods")


@then(parsers.parse("the step latency (99th percentile) is within limits ({criterion_id})"))
@judges(criterion_id=TIME_US)
def step_latency_within(campaign: CampaignContext, control_timing: ControlTiming, criterion_id: str) -> None:
    """99th percentile of input read → step → output write, in µs (judged)."""
    _judge(campaign, criterion_id, control_timing.step_latency_p99_us,
           f"max {control_timing.step_latency_max_us:.1f} µs over {control_timing.periods} periods",
           f"p99 step latency over {control_timing.periods:,} periods")


@then(parsers.parse("no control deadline is missed ({criterion_id})"))
@judges(criterion_id=COUNT)
def no_deadline_missed(campaign: CampaignContext, control_timing: ControlTiming, criterion_id: str) -> None:
    """Periods whose step started a whole period late or more (judged)."""
    _judge(campaign, criterion_id, float(control_timing.missed_deadlines), f"{control_timing.periods} periods",
           f"count over {control_timing.periods:,} periods")
