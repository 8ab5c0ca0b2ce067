"""The load cell under the bag, weighed through the process against the reference balance.

A pump moves liquid out of the bag into the vessel on the balance in equal
steps; after each one the bag's loss on the load cell and the balance's gain
are compared (a series of loss − gain, g)::

    comparison = transfer_bag_to_balance(campaign, 200.0, "HARVEST", 4)
    comparison.errors_g          # one error per step, g
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.series import Series
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.actions.pumps import BALANCE_SETTLE_S, PUMP_GRACE_S
from mimedi_qual.steps.waiting import wait_for_pump_idle

#: Load-cell readings averaged per weighing (the bag rocks: one reading is noisy).
LOAD_CELL_READINGS = 10
#: Flow used to move the liquid, mL/min (how the test is run, not an acceptance number).
TRANSFER_FLOW_ML_MIN = 20.0
SECONDS_PER_MINUTE = 60.0


@dataclass
class LoadCellComparison:
    """Per step, the load-cell error against the balance (a series: loss − gain, g, with both labelled)."""

    balance: str
    errors: Series  # load_cell_error_g per step, labelled with load_cell_loss_g and balance_gain_g

    def __repr__(self) -> str:
        return f"<{len(self.errors.readings)} load-cell steps>"

    @property
    def errors_g(self) -> list[float]:
        return self.errors.values


def mean_load_cell_g(campaign: CampaignContext) -> float:
    """The bag's weight on the controller's load cell: the mean of LOAD_CELL_READINGS readings a second apart."""
    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    readings = []
    for _ in range(LOAD_CELL_READINGS):
        readings.append(controller.read_weight_g())
        clock.wait_s(1.0)
    return statistics.fmean(readings)


def transfer_bag_to_balance(campaign: CampaignContext, volume_ml: float, pump: str, steps: int) -> LoadCellComparison:
    """Move ``volume_ml`` out of the bag in ``steps`` equal steps; weigh each on the load cell and on the balance."""
    clock = campaign.bench.clock()
    balance = campaign.bench.balance()
    controller = campaign.bench.bioreactor()
    balance_name = campaign.bench.name_of_kind("balance")
    errors = Series("load cell against balance", "load_cell_error_g", "g", campaign.instrument_id(balance_name),
                    label_columns=("load_cell_loss_g", "balance_gain_g"), start_bench_s=clock.now_s())
    ensure_operator(campaign)
    step_ml = volume_ml / steps
    clock.wait_s(BALANCE_SETTLE_S)
    bag_g, vessel_g = mean_load_cell_g(campaign), balance.read_stable_mass_g()
    for _ in range(steps):
        controller.dispense(pump, step_ml, TRANSFER_FLOW_ML_MIN)
        clock.wait_s(step_ml / TRANSFER_FLOW_ML_MIN * SECONDS_PER_MINUTE)
        wait_for_pump_idle(controller, clock, pump, PUMP_GRACE_S, 1.0)
        clock.wait_s(BALANCE_SETTLE_S)
        new_bag_g, new_vessel_g = mean_load_cell_g(campaign), balance.read_stable_mass_g()
        loss_g, gain_g = bag_g - new_bag_g, new_vessel_g - vessel_g
        errors.add(clock.now_s(), loss_g - gain_g, loss_g, gain_g)
        bag_g, vessel_g = new_bag_g, new_vessel_g
    return LoadCellComparison(balance_name, errors)
