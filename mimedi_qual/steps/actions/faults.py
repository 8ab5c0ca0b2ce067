"""Causing abnormal conditions on the bench: faults, an acid bolus, a setpoint past its alarm limit.

Each returns a :class:`FaultEvent` — when the condition was caused (bench
time) and how long the audit trail was then — from which the alarm steps
measure their delay and look for new audit entries; each registers its undo
with the scenario's cleanup::

    event = inject(campaign, bench_cleanup, "PUMP_OCCLUSION", "BASE")
    event = add_acid_bolus(campaign, bench_cleanup, "10")
    event = force_setpoint(campaign, bench_cleanup, "temperature", 39.5)
"""

from __future__ import annotations

from dataclasses import dataclass

from mimedi_qual.errors import BenchError
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.operator import ensure_operator
from mimedi_qual.steps.actions.pumps import exchange_medium
from mimedi_qual.steps.actions.setpoints import SETPOINT_READERS, SETPOINTS
from mimedi_qual.steps.cleanup import BenchCleanup

#: An acid challenge that ends before its own medium exchange (a deviation) still leaves the next
#: scenario a usable medium: the cleanup lets the acid's CO2 leave (the loop stops adding base),
#: then perfuses this many bag volumes at this flow — what the scenario itself does.
CLEANUP_SETTLE_S = 3600.0
CLEANUP_EXCHANGE_BAG_VOLUMES = 3.0
CLEANUP_EXCHANGE_FLOW_ML_MIN = 25.0
#: The cleanup's name for that exchange (the scenario's own exchange marks it done).
EXCHANGE_MEDIUM = "exchange the challenged medium"


@dataclass
class FaultEvent:
    """When a fault was caused (bench time) and the audit-trail length then."""

    fault: str
    injected_at_s: float
    audit_count_before: int

    def __repr__(self) -> str:
        return f"<fault {self.fault} at {self.injected_at_s:.0f} s>"


def _record_fault(campaign: CampaignContext, event: str, fault: str, target: str = "", value: str = "",
                  bench_time_s: float | None = None) -> None:
    """Write an injected or cleared fault to the campaign's evidence (nothing without a record: a bare step test)."""
    if campaign.recorder is not None:
        campaign.recorder.record_fault(event, fault.upper(), target, value, bench_time_s)


def inject(campaign: CampaignContext, cleanup: BenchCleanup, fault: str, target: str = "",
           value: str = "") -> FaultEvent:
    """Cause ``fault`` (on ``target``, with magnitude ``value``); every fault is cleared when the scenario ends.

    An instrument fault (``INSTRUMENT_DISCONNECT`` …) names the instrument by its bench-profile
    name (``co2``, ``thermometer``). The injection is a record of the evidence (``injected_fault``,
    event ``injected``), and so is the clearing at the scenario's end (event ``cleared``).
    """
    controller = campaign.bench.bioreactor()
    audit_before = controller.audit_count()
    injector = campaign.bench.faults()
    cleanup.register("clear faults", lambda: clear_faults(campaign))
    if target and target not in campaign.bench.profile.instruments and fault.upper().startswith("INSTRUMENT_"):
        known = ", ".join(sorted(campaign.bench.profile.instruments))
        raise BenchError(f"{fault}: no instrument {target!r} on bench {campaign.bench.profile.bench.id} "
                         f"(instruments: {known})")
    injector.inject(fault, target, value)
    now_s = campaign.bench.clock().now_s()
    _record_fault(campaign, "injected", fault, target, value, now_s)
    return FaultEvent(",".join(p for p in (fault, target, value) if p), now_s, audit_before)


def clear_faults(campaign: CampaignContext) -> None:
    """Remove every injected fault (recorded: ``injected_fault``, event ``cleared``, fault ``ALL``)."""
    campaign.bench.faults().clear()
    _record_fault(campaign, "cleared", "", bench_time_s=campaign.bench.clock().now_s())


def add_acid_bolus(campaign: CampaignContext, cleanup: BenchCleanup, acid_mmol: str) -> FaultEvent:
    """Add ``acid_mmol`` of acid to the bag at once; should the scenario not exchange the medium, the cleanup does."""
    event = inject(campaign, cleanup, "ACID_BOLUS", "", acid_mmol)

    def exchange() -> None:
        campaign.bench.clock().wait_s(CLEANUP_SETTLE_S)
        # the bag's weight in g as its volume in mL (tare included: a little more, never less)
        volume_ml = CLEANUP_EXCHANGE_BAG_VOLUMES * campaign.bench.bioreactor().read_weight_g()
        exchange_medium(campaign, volume_ml, CLEANUP_EXCHANGE_FLOW_ML_MIN)

    cleanup.register(EXCHANGE_MEDIUM, exchange)
    return event


def force_setpoint(campaign: CampaignContext, cleanup: BenchCleanup, quantity: str, value: float) -> FaultEvent:
    """Set the ``quantity`` setpoint to ``value`` past its alarm limit; the old setpoint is restored at the end."""
    controller = campaign.bench.bioreactor()
    ensure_operator(campaign)
    getter = getattr(controller, SETPOINT_READERS[quantity])
    setter = getattr(controller, SETPOINTS[quantity])
    old_value = getter()

    def restore() -> None:
        ensure_operator(campaign)           # the scenario may have ended logged out (a power cut, a logout)
        getattr(campaign.bench.bioreactor(), SETPOINTS[quantity])(old_value)

    cleanup.register(f"restore the {quantity} setpoint", restore)
    audit_before = controller.audit_count()
    setter(value)
    return FaultEvent(f"{quantity} setpoint {value:g}", campaign.bench.clock().now_s(), audit_before)
