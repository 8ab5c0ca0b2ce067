"""What a SUPERVISOR set in a scenario (alarm limits, loops in manual), kept to check it and to put it back.

Settings are keyed ``ALARM_LIMIT <alarm>`` / ``LOOP_MODE <loop>``; each one
set remembers its value before, and the cleanup restores them all::

    settings = SupervisorSettings()
    widen_alarm_limit(campaign, bench_cleanup, settings, "TEMPERATURE_HIGH")
    hold_temperature_loop_in_manual(campaign, bench_cleanup, settings)
    differs(settings.set["LOOP_MODE TEMP"], controller.loop_mode("TEMP"))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mimedi_qual.lab.protocols import BioreactorProtocol
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.alarm_limits import widened_limit
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.cleanup import BenchCleanup

#: LOOP:MODE loop names → the names the controller's RECOVERY audit entry gives them.
RECOVERY_LOOP_NAMES = {"TEMP": "TEMPERATURE", "PH": "PH", "DO": "DISSOLVED_OXYGEN"}
#: Manual outputs are reported to 0.01 %.
OUTPUT_RESOLUTION_PCT = 0.01
RESTORE = "restore the supervisor's settings"


@dataclass
class SupervisorSettings:
    """What the SUPERVISOR set in a scenario and what it was before: ``ALARM_LIMIT <alarm>`` / ``LOOP_MODE <loop>``."""

    set: dict[str, object] = field(default_factory=dict)
    original: dict[str, object] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<supervisor settings: {', '.join(self.set) or 'none'}>"

    def restore(self, controller: BioreactorProtocol) -> None:
        """Put every setting back (alarm limits to their value, loops to AUTO) where it is not already."""
        for key, original in self.original.items():
            kind, name = key.split()
            if kind == "ALARM_LIMIT" and abs(controller.alarm_limit(name) - original) > 1e-9:
                controller.set_alarm_limit(name, original)
            elif kind == "LOOP_MODE" and controller.loop_mode(name).manual:
                controller.set_loop_auto(name)


def restore_as_supervisor(campaign: CampaignContext, settings: SupervisorSettings) -> None:
    """Put the settings back, logging a SUPERVISOR in unless someone with the rights already is."""
    if campaign.bench.bioreactor().access_level() not in ("SUPERVISOR", "ADMIN"):
        log_in_as(campaign, "SUPERVISOR")
    settings.restore(campaign.bench.bioreactor())


def widen_alarm_limit(campaign: CampaignContext, bench_cleanup: BenchCleanup, settings: SupervisorSettings,
                      alarm: str) -> None:
    """Move an alarm limit outward by a tenth of its span (put back when the scenario ends)."""
    controller = campaign.bench.bioreactor()
    present, wider = widened_limit(controller, alarm)
    settings.original[f"ALARM_LIMIT {alarm}"] = present
    bench_cleanup.register(RESTORE, lambda: restore_as_supervisor(campaign, settings))
    controller.set_alarm_limit(alarm, wider)
    settings.set[f"ALARM_LIMIT {alarm}"] = controller.alarm_limit(alarm)


def hold_temperature_loop_in_manual(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                                    settings: SupervisorSettings) -> None:
    """Hold the heater at its present output (back to AUTO when the scenario ends)."""
    controller = campaign.bench.bioreactor()
    settings.original["LOOP_MODE TEMP"] = controller.loop_mode("TEMP")
    bench_cleanup.register(RESTORE, lambda: restore_as_supervisor(campaign, settings))
    controller.set_loop_manual("TEMP", controller.heater_output_pct())
    settings.set["LOOP_MODE TEMP"] = controller.loop_mode("TEMP")


def differs(before: object, after: object) -> bool:
    """An alarm limit (a number) or a loop mode changed beyond its resolution."""
    if isinstance(before, float) and isinstance(after, float):
        return abs(before - after) > 1e-6
    if before.manual != after.manual:
        return True
    return before.manual and abs(before.output_pct - after.output_pct) > OUTPUT_RESOLUTION_PCT
