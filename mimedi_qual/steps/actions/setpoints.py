"""Controller setpoints as a scenario names them (``temperature``, ``pH``, ``DO``, ``rocking speed``, ``CO2``).

A setpoint a scenario holds is normally the *target of an acceptance
criterion*, so the number held and the number judged are one and the same::

    set_to_target(campaign, "pH", "OQ-PH-ACC")
    set_value(campaign, "rocking speed", 30.0)      # a test condition, not a limit
    return_co2_to_ph_loop(campaign)

Every write logs an OPERATOR in first unless someone with rights already is.
"""

from __future__ import annotations

from mimedi_qual.errors import CriterionError
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.quantities import BY_NAME, to_criterion_unit
from mimedi_qual.steps.actions.operator import ensure_operator

#: quantity as a scenario names it → the BioreactorProtocol setter
SETPOINTS = {
    "temperature": "set_temperature_setpoint_c",
    "pH": "set_ph_setpoint",
    "DO": "set_do_setpoint_pct",
    "rocking speed": "set_rocking_setpoint_rpm",
    "CO2": "set_co2_setpoint_pct",
}
#: quantity → the BioreactorProtocol getter of its present setpoint (the quantities an alarm limit guards)
SETPOINT_READERS = {
    "temperature": "temperature_setpoint_c",
    "pH": "ph_setpoint",
    "DO": "do_setpoint_pct",
}


def set_value(campaign: CampaignContext, quantity: str, value: float) -> None:
    """Set the ``quantity`` setpoint to ``value``."""
    ensure_operator(campaign)
    getattr(campaign.bench.bioreactor(), SETPOINTS[quantity])(value)


def set_to_target(campaign: CampaignContext, quantity: str, criterion_id: str) -> None:
    """Set the ``quantity`` setpoint to the target value of the criterion (an error if it has none).

    The target is converted from the criterion's unit into the controller's (a target of 310.15 K holds
    37 °C); a criterion in a unit of another quantity is refused (CriterionError).
    """
    criterion = campaign.criterion(criterion_id)
    if criterion.target is None:
        raise CriterionError(f"{criterion_id} has no target value to hold")
    (target,) = to_criterion_unit([criterion.target], criterion.unit, BY_NAME[quantity].unit,
                                  criterion_id=criterion_id)
    set_value(campaign, quantity, target)


def return_co2_to_ph_loop(campaign: CampaignContext) -> None:
    """Give the CO2 valve back to the pH controller (no fixed CO2 blend)."""
    ensure_operator(campaign)
    campaign.bench.bioreactor().set_co2_automatic()
