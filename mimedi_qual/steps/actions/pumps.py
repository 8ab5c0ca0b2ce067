"""Pump runs on the bench: weighed deliveries onto the balance, medium exchanges, filling bags.

Every run waits on the bench clock for its programmed time, then gives the
pump a grace period to report idle::

    route_to_balance(campaign, cleanup, "FEED")      # its outlet into the vessel on the balance
    require_on_balance(campaign, "FEED")             # refused (ProtocolError) if it is not there
    delivered_ml, flow_ml_min = deliver_once(campaign, "FEED", 10.0, 5.0)
    exchange_medium(campaign, 3000.0, 25.0)         # fresh medium in, spent out
    volumes = fill_bags(campaign, recipe.fill)       # a series: each bag's volume, weighed on the balance

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

from mimedi_qual.errors import BenchError, ProtocolError
from mimedi_qual.lab.protocols import LINES_ON_BALANCE_AT_HANDOVER
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.conditions import Condition
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.cleanup import BenchCleanup
from mimedi_qual.steps.waiting import wait_for_pump_idle

SECONDS_PER_MINUTE = 60.0
#: Density of water at 22 °C, g/mL (ISO 8655-6 Annex: the test liquid is water; physics, not acceptance).
WATER_DENSITY_G_PER_ML = 0.9978
#: Volume per gram of the formulated product (a buffered saline suspension: water at 22 °C).
PRODUCT_ML_PER_G = 1.0 / 0.9978
#: Bench time allowed for the balance to settle before and after a delivery before a stable weight is asked.
BALANCE_SETTLE_S = 30.0
#: Bench time a weighed delivery's pump gets beyond its programmed time to report IDLE.
PUMP_GRACE_S = 60.0
#: How long a medium exchange may run past its programmed time before it fails, and how often it is polled.
EXCHANGE_GRACE_S = 300.0
EXCHANGE_POLL_S = 5.0


#: A pump line can be weighed only while its outlet is in the balance's receiving vessel; at hand-over
#: only the harvest line's is (the others deliver into the culture bag and the balance would weigh nothing).
ON_BALANCE = Condition("routed to the balance", "Given the {subject} pump line is routed to the balance",
                       holds_at_start=LINES_ON_BALANCE_AT_HANDOVER)


def route_to_balance(campaign: CampaignContext, cleanup: BenchCleanup, pump: str) -> None:
    """Lay ``pump``'s outlet tube into the vessel on the balance (an operator action on a real bench).

    When the scenario ends, passed or failed, a line that was not on the balance is laid back into
    the bag, so the next scenario finds the bench as handed over. A bench without a balance cannot
    route a line to one: :class:`BenchError`.
    """
    bench = campaign.bench
    kinds = [entry.kind for entry in bench.profile.instruments.values()]
    if kinds.count("balance") != 1:
        raise BenchError(f"bench {bench.profile.bench.id} has {kinds.count('balance')} balances: the {pump} pump "
                         "line cannot be routed to the balance (a gravimetric test needs exactly one)")
    operator = bench.operator()
    if operator.pump_line_to_balance(pump):
        return
    cleanup.register(f"route the {pump} pump line back to the bag",
                     lambda: campaign.bench.operator().route_pump_line(pump, to_balance=False))
    operator.route_pump_line(pump, to_balance=True)
    if not operator.pump_line_to_balance(pump):
        raise BenchError(f"the {pump} pump line was routed to the balance but the bench reports it still "
                         "delivering into the bag")


def require_on_balance(campaign: CampaignContext, pump: str) -> None:
    """Refuse to weigh a line that does not deliver onto the balance (it would weigh nothing: ≈ −100 % flow)."""
    if not campaign.bench.operator().pump_line_to_balance(pump):
        raise ProtocolError(None, None, f"the {pump} pump line is not routed to the balance (it delivers into "
                                        f"the bag): write '{ON_BALANCE.phrase_for(pump)}' before weighing it")


def deliver_once(campaign: CampaignContext, pump: str, volume_ml: float, flow_ml_min: float) -> tuple[float, float]:
    """One weighed delivery: (volume delivered mL, mean flow mL/min)."""
    clock = campaign.bench.clock()
    balance = campaign.bench.balance()
    controller = campaign.bench.bioreactor()
    clock.wait_s(BALANCE_SETTLE_S)
    before_g = balance.read_stable_mass_g()
    programmed_s = volume_ml / flow_ml_min * SECONDS_PER_MINUTE
    controller.dispense(pump, volume_ml, flow_ml_min)
    clock.wait_s(programmed_s)
    wait_for_pump_idle(controller, clock, pump, PUMP_GRACE_S, 1.0)
    clock.wait_s(BALANCE_SETTLE_S)
    after_g = balance.read_stable_mass_g()
    delivered_ml = (after_g - before_g) / WATER_DENSITY_G_PER_ML
    return delivered_ml, delivered_ml / (programmed_s / SECONDS_PER_MINUTE)


def exchange_medium(campaign: CampaignContext, volume_ml: float, flow_ml_min: float) -> None:
    """Perfuse ``volume_ml`` of fresh medium through the bag and wait until the pump is idle again."""
    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    ensure_operator(campaign)
    controller.dispense("PERFUSION", volume_ml, flow_ml_min)
    clock.wait_s(volume_ml / flow_ml_min * SECONDS_PER_MINUTE)
    if not wait_for_pump_idle(controller, clock, "PERFUSION", EXCHANGE_GRACE_S, EXCHANGE_POLL_S):
        raise AssertionError(f"perfusion of {volume_ml:g} mL at {flow_ml_min:g} mL/min still running "
                             f"{EXCHANGE_GRACE_S:.0f} s after its time")


def start_pump(campaign: CampaignContext, bench_cleanup: BenchCleanup, pump: str, volume_ml: float,
               flow_ml_min: float) -> None:
    """Start a pump run and return at once; the run is stopped when the scenario ends, passed or failed."""
    ensure_operator(campaign)
    controller = campaign.bench.bioreactor()

    def stop() -> None:
        ensure_operator(campaign)           # the scenario may have ended logged out
        campaign.bench.bioreactor().stop_pump(pump)

    bench_cleanup.register(f"stop the {pump} pump", stop)
    controller.dispense(pump, volume_ml, flow_ml_min)
    assert controller.pump_state(pump).running, f"{pump} pump did not start"


def fill_bags(campaign: CampaignContext, fill, label: str = "filled bags") -> Series:
    """Fill each bag through the harvest pump onto the balance; a series of its volume (mL) from the weight."""
    clock = campaign.bench.clock()
    balance = campaign.bench.balance()
    controller = campaign.bench.bioreactor()
    require_on_balance(campaign, "HARVEST")
    volumes = Series(label, "volume_ml", "mL", campaign.instrument_id(campaign.bench.name_of_kind("balance")),
                     label_columns=("bag",), start_bench_s=clock.now_s())
    for bag in range(1, fill.bags + 1):
        clock.wait_s(BALANCE_SETTLE_S)
        before_g = balance.read_stable_mass_g()
        controller.dispense("HARVEST", fill.volume_ml, fill.flow_ml_min)
        clock.wait_s(fill.volume_ml / fill.flow_ml_min * SECONDS_PER_MINUTE)
        while controller.pump_state("HARVEST").running:
            clock.wait_s(1.0)
        clock.wait_s(BALANCE_SETTLE_S)
        volumes.add(clock.now_s(), (balance.read_stable_mass_g() - before_g) * PRODUCT_ML_PER_G, bag)
    return volumes
