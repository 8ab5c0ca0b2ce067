"""OQ steps: pump flow by gravimetry, ISO 8655-6 style.

The pump delivers a volume into the vessel on the balance, several times;
only a line routed to the balance is weighed (at hand-over only the HARVEST
line's outlet is in the vessel on the balance; the others deliver into the
bag, and the routing step lays one into the vessel: the protocol preflight
refuses a gravimetric step without it, and so does the step at run time);
each delivery is weighed (stable weights before and after), turned into a
volume with the test liquid's density, and into a flow with the programmed
time. The set is judged on its **systematic error** (mean flow against the
programmed flow, %) and its **random error** (coefficient of variation, %)::

    Given the PERFUSION pump line is routed to the balance
    When the PERFUSION pump delivers 10 mL at 5 mL/min onto the balance 6 times
    Then the systematic flow error meets OQ-PUMP-ACC
    And the flow coefficient of variation meets OQ-PUMP-CV

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from pytest_bdd import given, parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.conditions import establishes, needs
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import FRACTION, judges
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.actions.pumps import ON_BALANCE, deliver_once, require_on_balance, route_to_balance, start_pump
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup


@dataclass
class GravimetricRun:
    """Deliveries of one pump weighed on the balance: each one's flow (with the volume delivered), and the programmed flow."""

    pump: str
    programmed_flow_ml_min: float
    balance: str
    flows: Series  # flow_ml_min per delivery, labelled with delivered_ml

    def __repr__(self) -> str:
        return f"<{len(self.flows.readings)} deliveries of the {self.pump} pump>"

    @property
    def flows_ml_min(self) -> list[float]:
        return self.flows.values


@given(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump line is routed to the balance"))
@establishes(ON_BALANCE, "pump")
def line_routed_to_balance(campaign: CampaignContext, bench_cleanup: BenchCleanup, pump: str) -> None:
    """Lay the line's outlet tube into the vessel on the balance, for this scenario.

    Simulated bench: the twin's tube moves (``SIM:PUMP:ROUT``); real bench: the operator is asked
    to do it. Routed back to the bag when the scenario ends. A line already on the balance (HARVEST)
    is left as it is.
    """
    route_to_balance(campaign, bench_cleanup, pump)


@when(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump delivers (?P<volume_ml>[\d.]+) mL at "
                 r"(?P<flow_ml_min>[\d.]+) mL/min onto the balance (?P<replicates>\d+) times"),
      converters={"volume_ml": float, "flow_ml_min": float, "replicates": int},
      target_fixture="gravimetric_run")
@needs(ON_BALANCE, "pump")
def deliver_onto_balance(campaign: CampaignContext, pump: str, volume_ml: float, flow_ml_min: float,
                         replicates: int) -> GravimetricRun:
    """Weigh ``replicates`` deliveries of the pump (stable weight before and after each), a series of flows.

    Refused before anything is delivered when the line does not deliver onto the balance.
    """
    require_on_balance(campaign, pump)
    balance = campaign.bench.name_of_kind("balance")
    clock = campaign.bench.clock()
    flows = Series(f"{pump} pump deliveries", "flow_ml_min", "mL/min", campaign.instrument_id(balance),
                   label_columns=("delivered_ml",), start_bench_s=clock.now_s())
    ensure_operator(campaign)
    for _ in range(replicates):
        delivered_ml, flow = deliver_once(campaign, pump, volume_ml, flow_ml_min)
        flows.add(clock.now_s(), flow, delivered_ml)
    return GravimetricRun(pump, flow_ml_min, balance, flows)


@then(parsers.parse("the systematic flow error meets {criterion_id}"))
@judges(criterion_id=FRACTION)
def systematic_error_meets(campaign: CampaignContext, gravimetric_run: GravimetricRun, criterion_id: str) -> None:
    """(mean flow − programmed flow) / programmed flow, in %."""
    mean_flow = statistics.fmean(gravimetric_run.flows_ml_min)
    error_pct = 100.0 * (mean_flow - gravimetric_run.programmed_flow_ml_min) / gravimetric_run.programmed_flow_ml_min
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), error_pct,
                                              gravimetric_run.balance, statistic="systematic error of the mean flow",
                                              n_readings=len(gravimetric_run.flows_ml_min)),
                                  series=gravimetric_run.flows)
    expect_met(measurement)


@then(parsers.parse("the flow coefficient of variation meets {criterion_id}"))
@judges(criterion_id=FRACTION)
def coefficient_of_variation_meets(campaign: CampaignContext, gravimetric_run: GravimetricRun,
                                   criterion_id: str) -> None:
    """Sample standard deviation of the flows over their mean, in %."""
    flows = gravimetric_run.flows_ml_min
    cv_pct = 100.0 * statistics.stdev(flows) / statistics.fmean(flows)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id), cv_pct,
                                              gravimetric_run.balance, statistic="coefficient of variation",
                                              n_readings=len(gravimetric_run.flows_ml_min)),
                                  series=gravimetric_run.flows)
    expect_met(measurement)


# ---------------------------------------------------------------- pump runs and their interlock

@when(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump is started for (?P<volume_ml>[\d.]+) mL at "
                 r"(?P<flow_ml_min>[\d.]+) mL/min"), converters={"volume_ml": float, "flow_ml_min": float})
def pump_started(campaign: CampaignContext, bench_cleanup: BenchCleanup, pump: str, volume_ml: float,
                 flow_ml_min: float) -> None:
    """Start a pump run and return at once (the run goes on while the scenario continues).

    The run is stopped when the scenario ends, passed or failed, so no liquid
    reaches the next scenario's balance or bag.
    """
    start_pump(campaign, bench_cleanup, pump, volume_ml, flow_ml_min)


@then(parsers.re(r"the (?P<pump>FEED|BASE|PERFUSION|HARVEST) pump has been stopped"))
def pump_stopped(campaign: CampaignContext, pump: str) -> None:
    """The controller reports the pump IDLE (stopped by an interlock before its run could end)."""
    state = campaign.bench.bioreactor().pump_state(pump)
    assert not state.running, f"{pump} pump still running ({state.dispensed_ml:.3f} mL dispensed)"
