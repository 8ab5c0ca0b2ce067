"""OQ steps: what a SUPERVISOR set — widened alarm limits, a loop in manual — is kept across a power failure.

The settings are made as the logged-in SUPERVISOR, kept across the power
failure, named in the controller's RECOVERY record where a loop stayed in
manual, and put back when the scenario ends::

    Given the controller user is logged in as SUPERVISOR
    And the TEMPERATURE_HIGH alarm limit is widened
    And the temperature loop is in manual at its present output
    When the controller loses power for 2 minutes
    Then the SUPERVISOR's settings are as before the power failure (OQ-POWER-SUPERVISOR-SETTINGS)
    And the recovery record names the loops kept in manual (OQ-POWER-SUPERVISOR-SETTINGS)
    When the SUPERVISOR's settings are restored

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

import allure
import pytest
from pytest_bdd import given, parsers, then, when

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.steps.actions.alarm_limits import LIMIT_ALARMS
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.actions.power import PowerFailure
from mimedi_qual.steps.actions.supervisor_settings import (
    RECOVERY_LOOP_NAMES,
    SupervisorSettings,
    differs,
    hold_temperature_loop_in_manual,
    widen_alarm_limit,
)
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup


@pytest.fixture
def supervisor_settings() -> SupervisorSettings:
    """Per scenario: what the SUPERVISOR set, and what it was before."""
    return SupervisorSettings()


@given(parsers.re(r"the (?P<alarm>" + "|".join(LIMIT_ALARMS) + r") alarm limit is widened"))
def alarm_limit_widened(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                        supervisor_settings: SupervisorSettings, alarm: str) -> None:
    """As the logged-in SUPERVISOR, move an alarm limit outward by a tenth of its span (put back when the scenario ends)."""
    widen_alarm_limit(campaign, bench_cleanup, supervisor_settings, alarm)


@given("the temperature loop is in manual at its present output")
def temperature_loop_in_manual(campaign: CampaignContext, bench_cleanup: BenchCleanup,
                               supervisor_settings: SupervisorSettings) -> None:
    """As the logged-in SUPERVISOR, hold the heater at its present output (back to AUTO when the scenario ends)."""
    hold_temperature_loop_in_manual(campaign, bench_cleanup, supervisor_settings)


@then(parsers.parse("the SUPERVISOR's settings are as before the power failure ({criterion_id})"))
@judges(criterion_id=COUNT)
def supervisor_settings_kept(campaign: CampaignContext, supervisor_settings: SupervisorSettings,
                             criterion_id: str) -> None:
    """Judged: how many of the alarm limits and loop modes the SUPERVISOR set differ after the power failure."""
    controller = campaign.bench.bioreactor()
    changed = []
    for key, before in supervisor_settings.set.items():
        kind, name = key.split()
        after = controller.alarm_limit(name) if kind == "ALARM_LIMIT" else controller.loop_mode(name)
        if differs(before, after):
            changed.append(f"{key}: {before} before, {after} after")
    allure.attach("\n".join(f"{k}: {v}" for k, v in supervisor_settings.set.items()), name="supervisor settings",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(changed)), "controller", statistic="count"))
    expect_met(measurement, "".join(f"\n  {c}" for c in changed))


@then(parsers.parse("the recovery record names the loops kept in manual ({criterion_id})"))
@judges(criterion_id=COUNT)
def recovery_names_manual_loops(campaign: CampaignContext, power_failure: PowerFailure,
                                supervisor_settings: SupervisorSettings, criterion_id: str) -> None:
    """Judged: loops the SUPERVISOR left in manual that the RECOVERY audit entry after the power failure does not name."""
    entries = campaign.bench.bioreactor().audit_entries(len(power_failure.audit_before) + 1)
    recovery = [e for e in entries if e.action == "RECOVERY"]
    manual = [key.split()[1] for key, mode in supervisor_settings.set.items()
              if key.startswith("LOOP_MODE") and mode.manual]
    text = " ".join(f"{e.new_value} {e.reason}" for e in recovery)
    unnamed = [loop for loop in manual if RECOVERY_LOOP_NAMES[loop] not in text]
    allure.attach("\n".join(str(e) for e in recovery) or "no RECOVERY entry", name="recovery record",
                  attachment_type=allure.attachment_type.TEXT)
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(unnamed)), "controller", statistic="count"))
    expect_met(measurement, f" (not named: {', '.join(unnamed)})")


@when("the SUPERVISOR's settings are restored")
def supervisor_settings_restored(campaign: CampaignContext, supervisor_settings: SupervisorSettings) -> None:
    """Log in as SUPERVISOR and put back what the scenario changed (alarm limits, loops to AUTO), audit-trailed."""
    log_in_as(campaign, "SUPERVISOR")
    supervisor_settings.restore(campaign.bench.bioreactor())
    for key in supervisor_settings.original:
        kind, name = key.split()
        if kind == "LOOP_MODE":
            assert not campaign.bench.bioreactor().loop_mode(name).manual, f"the {name} loop stayed in manual"
