"""Power to the controller: a cut through its PDU outlet, and reconnecting the instruments after it.

    power_cut(campaign, 120.0)                  # outlet off for 2 min, on again, sessions reopened on next use
    failure = lose_power(campaign, 120.0)       # the same, noting what the controller held before

A :class:`PowerFailure` keeps the audit trail and the setpoints from before
the cut, and when power came back (bench time), for the checks after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mimedi_qual.lab.protocols import AuditEntry, BioreactorProtocol
from mimedi_qual.plugin.context import CampaignContext

def power_cut(campaign: CampaignContext, duration_s: float) -> None:
    """Switch the controller's outlet off for ``duration_s``, then on; instrument sessions reopen on next use.

    The strategy drops the controller's connections with the power and knows
    the bench is booting after.
    """
    campaign.bench.strategy().power_cut(duration_s)
    campaign.bench.reconnect_instruments()


@dataclass
class PowerFailure:
    """What the controller held before the outlet went off, and when power came back."""

    duration_s: float
    audit_before: list[AuditEntry]
    setpoints_before: dict[str, float]
    restored_at_s: float = 0.0

    def __repr__(self) -> str:
        return f"<power off {self.duration_s:.0f} s>"


def setpoints_held(controller: BioreactorProtocol) -> dict[str, float]:
    """The setpoints a power failure must not change. CO2 is left out: while it follows the pH
    loop the controller reports the blend the loop makes, which moves with the loop."""
    return {"temperature_c": controller.temperature_setpoint_c(), "ph": controller.ph_setpoint(),
            "do_pct": controller.do_setpoint_pct(), "rocking_rpm": controller.rocking_setpoint_rpm()}


def lose_power(campaign: CampaignContext, duration_s: float) -> PowerFailure:
    """Cut the controller's power for ``duration_s``, noting its audit trail and setpoints before."""
    controller = campaign.bench.bioreactor()
    failure = PowerFailure(duration_s, controller.audit_entries(), setpoints_held(controller))
    power_cut(campaign, failure.duration_s)
    failure.restored_at_s = campaign.bench.clock().now_s()
    return failure
