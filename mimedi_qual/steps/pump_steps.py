"""OQ steps: pump flow by gravimetry, ISO 8655-6 style.

The pump delivers a volume into the vessel on the balance, several times;
each delivery is weighed (stable weights before and after), turned into a
volume with the test liquid's density, and into a flow with the programmed
time. The set is judged on its **systematic error** (mean flow against the
programmed flow, %) and its **random error** (coefficient of variation, %)::

    When the PERFUSION pump delivers 10 mL at 5 mL/min onto the balance 6 times
    Then the systematic flow error meets OQ-PUMP-ACC
    And the flow coefficient of variation meets OQ-PUMP-CV
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.report.allure_evidence import attach_series
from mimedi_qual.steps.bench_steps import ensure_operator
from mimedi_qual.steps.waiting import wait_for_pump_idle

SECONDS_PER_MINUTE = 60.0
#: Density of water at 22 °C, g/mL (ISO 8655-6 Annex: the test liquid is water; physics, not acceptance).
WATER_DENSITY_G_PER_ML = 0.9978
#: Bench time allowed for the balance to settle after a delivery before a stable weight is asked.
SETTLE_S = 30.0
#: Bench time the pump gets beyond its programmed time to report IDLE.
PUMP_GRACE_S = 60.0


@dataclass
class GravimetricRun:
    """Deliveries of one pump: (delivered mL, flow mL/min) each, and the programmed flow."""

    pump: str
    programmed_flow_ml_min: float
    balance: str
    deliveries: list[tuple[float, float]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<{len(self.deliveries)} deliveries of the {self.pump} pump>"

    @property
    def flows_ml_min(self) -> list[float]:
        return [flow for _, flow in self.deliveries]


def deliver_once(campaign: CampaignContext, pump: str, volume_ml: float, flow_ml_min: float) -> tuple[float, float]:
    """One weighed delivery: (volume delivered mL, mean flow mL/min)."""
    clock = campaign.bench.clock()
    balance = campaign.bench.balance()
    controller = campaign.bench.bioreactor()
    clock.wait_s(SETTLE_S)
    before_g = balance.read_stable_mass_g()
    programmed_s = volume_ml / flow_ml_min * SECONDS_PER_MINUTE
    controller.dispense(pump, volume_ml, flow_ml_min)
    clock.wait_s(programmed_s)
    wait_for_pump_idle(controller, clock, pump, PUMP_GRACE_S, 1.0)
    clock.wait_s(SETTLE_S)
    after_g = balance.read_stable_mass_g()
    delivered_ml = (after_g - before_g) / WATER_DENSITY_G_PER_ML
    return delivered_ml, delivered_ml / (programmed_s / SECONDS_PER_MINUTE)


@when(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump delivers (?P<volume_ml>[\d.]+) mL at "
                 r"(?P<flow_ml_min>[\d.]+) mL/min onto the balance (?P<replicates>\d+) times"),
      converters={"volume_ml": float, "flow_ml_min": float, "replicates": int},
      target_fixture="gravimetric_run")
def deliver_onto_balance(campaign: CampaignContext, pump: str, volume_ml: float, flow_ml_min: float,
                         replicates: int) -> GravimetricRun:
    """Weigh ``replicates`` deliveries of the pump (stable weight before and after each); attached as CSV."""
    run = GravimetricRun(pump, flow_ml_min, campaign.bench.name_of_kind("balance"))
    ensure_operator(campaign)
    for _ in range(replicates):
        run.deliveries.append(deliver_once(campaign, pump, volume_ml, flow_ml_min))
    attach_series(f"{pump} pump deliveries", ["delivered_ml", "flow_ml_min"],
                  [(round(v, 5), round(f, 5)) for v, f in run.deliveries])
    return run


@then(parsers.parse("the systematic flow error meets {criterion_id}"))
def systematic_error_meets(campaign: CampaignContext, gravimetric_run: GravimetricRun, criterion_id: str) -> None:
    """(mean flow − programmed flow) / programmed flow, in %."""
    mean_flow = statistics.fmean(gravimetric_run.flows_ml_min)
    error_pct = 100.0 * (mean_flow - gravimetric_run.programmed_flow_ml_min) / gravimetric_run.programmed_flow_ml_min
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), error_pct,
                                              gravimetric_run.balance))
    assert measurement.passed, measurement.summary()


@then(parsers.parse("the flow coefficient of variation meets {criterion_id}"))
def coefficient_of_variation_meets(campaign: CampaignContext, gravimetric_run: GravimetricRun,
                                   criterion_id: str) -> None:
    """Sample standard deviation of the flows over their mean, in %."""
    flows = gravimetric_run.flows_ml_min
    cv_pct = 100.0 * statistics.stdev(flows) / statistics.fmean(flows)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), cv_pct,
                                              gravimetric_run.balance))
    assert measurement.passed, measurement.summary()


# ---------------------------------------------------------------- pump runs and their interlock

@when(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump is started for (?P<volume_ml>[\d.]+) mL at "
                 r"(?P<flow_ml_min>[\d.]+) mL/min"), converters={"volume_ml": float, "flow_ml_min": float})
def pump_started(campaign: CampaignContext, bench_cleanup, pump: str, volume_ml: float,
                 flow_ml_min: float) -> None:
    """Start a pump run and return at once (the run goes on while the scenario continues).

    The run is stopped when the scenario ends, passed or failed, so no liquid
    reaches the next scenario's balance or bag.
    """
    ensure_operator(campaign)
    controller = campaign.bench.bioreactor()
    bench_cleanup.register(f"stop the {pump} pump", lambda: controller.stop_pump(pump))
    controller.dispense(pump, volume_ml, flow_ml_min)
    assert controller.pump_state(pump).running, f"{pump} pump did not start"


@then(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump has been stopped"))
def pump_stopped(campaign: CampaignContext, pump: str) -> None:
    """The controller reports the pump IDLE (stopped by an interlock before its run could end)."""
    state = campaign.bench.bioreactor().pump_state(pump)
    assert not state.running, f"{pump} pump still running ({state.dispensed_ml:.3f} mL dispensed)"
