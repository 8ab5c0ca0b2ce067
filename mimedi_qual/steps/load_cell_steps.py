"""OQ steps: the load cell under the bag, checked against the reference balance.

Instead of test weights on the bag plate, the bag is weighed *through the
process*: a pump moves liquid out of the bag into the vessel on the balance
in steps; each step's loss on the load cell must equal the balance's gain::

    When 200 mL are pumped from the bag onto the balance by the HARVEST pump in 4 steps
    Then the load cell error against the balance meets OQ-LOADCELL-ERR
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.conditions import needs
from mimedi_qual.qualification.measurement import judge_series
from mimedi_qual.qualification.quantities import MASS, judges
from mimedi_qual.steps.actions.load_cell import LoadCellComparison, transfer_bag_to_balance
from mimedi_qual.steps.actions.pumps import ON_BALANCE, require_on_balance
from mimedi_qual.steps.actions.verdicts import expect_met


@when(parsers.re(r"(?P<volume_ml>[\d.]+) mL are pumped from the bag onto the balance by the "
                 r"(?P<pump>FEED|BASE|PERFUSION|HARVEST) pump in (?P<steps>\d+) steps"),
      converters={"volume_ml": float, "steps": int}, target_fixture="load_cell_comparison")
@needs(ON_BALANCE, "pump")
def pump_bag_to_balance(campaign: CampaignContext, volume_ml: float, pump: str, steps: int) -> LoadCellComparison:
    """Move liquid out of the bag in equal steps; weigh each on the load cell and on the balance."""
    require_on_balance(campaign, pump)
    return transfer_bag_to_balance(campaign, volume_ml, pump, steps)


@then(parsers.parse("the load cell error against the balance meets {criterion_id}"))
@judges(criterion_id=MASS)
def load_cell_error_meets(campaign: CampaignContext, load_cell_comparison: LoadCellComparison,
                          criterion_id: str) -> None:
    """Every step's load-cell loss minus balance gain (g) within the criterion; the worst is reported."""
    measurement = campaign.record(judge_series(criterion_id, campaign.criterion(criterion_id),
                                               load_cell_comparison.errors_g, load_cell_comparison.balance),
                                  series=load_cell_comparison.errors)
    expect_met(measurement)
