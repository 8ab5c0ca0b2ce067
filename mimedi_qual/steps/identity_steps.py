"""IQ steps: instrument identity and calibration against the register."""

from __future__ import annotations

import datetime as dt

from pytest_bdd import parsers, then

from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_exact
from mimedi_qual.qualification.quantities import EXACT, judges
from mimedi_qual.steps.actions.equipment_register import equipment_register
from mimedi_qual.steps.actions.verdicts import expect_met


@then(parsers.parse("the identity of the {instrument} matches the register ({criterion_id})"))
@judges(criterion_id=EXACT)
def identity_matches(campaign: CampaignContext, instrument: str, criterion_id: str) -> None:
    """``*IDN?`` of the instrument equals manufacturer,model,serial,firmware in the bench profile."""
    entry = campaign.bench.register_entry(instrument)
    actual = campaign.bench.identify(instrument)
    measurement = campaign.record(judge_exact(
        criterion_id, campaign.criterion(criterion_id), actual, entry.identity.as_idn(), instrument))
    expect_met(measurement)


@then(parsers.parse("the calibration of the {instrument} is in date ({criterion_id})"))
@judges(criterion_id=EXACT)
def calibration_in_date(campaign: CampaignContext, instrument: str, criterion_id: str) -> None:
    """The certificate's due date is not before today (UTC)."""
    entry = campaign.bench.register_entry(instrument)
    if entry.calibration is None:
        raise AssertionError(f"{instrument} has no calibration record in {campaign.bench.profile_path}")
    today = dt.datetime.now(dt.timezone.utc).date()
    cal = entry.calibration
    status = "past due" if cal.is_due(today) else "in date"
    measurement = campaign.record(judge_exact(
        criterion_id, campaign.criterion(criterion_id),
        f"{status} (certificate {cal.certificate}, due {cal.due_on.isoformat()}, checked {today.isoformat()})",
        f"in date (certificate {cal.certificate}, due {cal.due_on.isoformat()}, checked {today.isoformat()})",
        instrument))
    expect_met(measurement)


@then(parsers.parse("the firmware of every process module matches the equipment register ({criterion_id})"))
@judges(criterion_id=EXACT)
def module_firmware_matches(campaign: CampaignContext, criterion_id: str) -> None:
    """Each module in the controller's catalog reports the registered firmware, and none is missing or extra."""
    expected = equipment_register(campaign).controller.module_firmware
    controller = campaign.bench.bioreactor()
    catalog = controller.module_catalog()
    actual = {module: controller.module_firmware(module) for module in catalog}
    as_text = lambda versions: ", ".join(f"{m}={v}" for m, v in sorted(versions.items()))  # noqa: E731
    measurement = campaign.record(judge_exact(criterion_id, campaign.criterion(criterion_id),
                                              as_text(actual), as_text(expected), "controller"))
    expect_met(measurement)


@then(parsers.parse("the configuration checksum of the controller matches the equipment register ({criterion_id})"))
@judges(criterion_id=EXACT)
def configuration_checksum_matches(campaign: CampaignContext, criterion_id: str) -> None:
    """SHA-256 of the active controller configuration equals the approved one."""
    expected = equipment_register(campaign).controller.configuration_checksum.lower()
    actual = campaign.bench.bioreactor().configuration_checksum().lower()
    measurement = campaign.record(judge_exact(criterion_id, campaign.criterion(criterion_id),
                                              actual, expected, "controller"))
    expect_met(measurement)


@then(parsers.parse("the service console reports the registered firmware of the controller and every module "
                    "({criterion_id})"))
@judges(criterion_id=EXACT)
def console_firmware_matches(campaign: CampaignContext, criterion_id: str) -> None:
    """The console's ``version`` line (controller and module firmware) equals the registers, a second path to SCPI."""
    version = campaign.bench.strategy().console_version()
    controller_name = campaign.bench.name_of_kind("bioreactor")
    expected_controller = campaign.bench.register_entry(controller_name).identity.firmware
    expected_modules = equipment_register(campaign).controller.module_firmware
    as_text = lambda firmware, modules: (  # noqa: E731
        f"controller={firmware}; " + ", ".join(f"{m}={v}" for m, v in sorted(modules.items())))
    measurement = campaign.record(judge_exact(
        criterion_id, campaign.criterion(criterion_id), as_text(version.firmware, version.modules),
        as_text(expected_controller, expected_modules), "console"))
    expect_met(measurement)
