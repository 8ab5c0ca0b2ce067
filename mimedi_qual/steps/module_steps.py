"""OQ steps: the process modules' state machines (ISA-88 / NAMUR MTP).

A table drives one module through commands; each row says the state the
module must reach, or ``refused`` when the command is not allowed in the
state it is in (the controller answers ``-221 Settings conflict`` with a
reason)::

    When the EXPANSION module is driven through these commands
      | command  | expected |
      | START    | EXECUTE  |
      | HOLD     | HELD     |
      | START    | refused  |
    Then every command had its expected outcome (OQ-MODULE-SM)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import allure
from pytest_bdd import given, parsers, then, when

from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.qualification.measurement import judge_value
from mimedi_qual.qualification.quantities import COUNT, judges
from mimedi_qual.report.allure_evidence import attach_table
from mimedi_qual.steps.actions.modules import bring_to_state, restart_if_running, settle
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.actions.verdicts import expect_met
from mimedi_qual.steps.cleanup import BenchCleanup

REFUSED = "refused"


@dataclass
class ModuleRun:
    """Rows of (command, expected outcome, actual outcome) for one module."""

    module: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<{len(self.rows)} commands to {self.module}>"

    @property
    def mismatches(self) -> list[tuple[str, str, str]]:
        return [row for row in self.rows if row[1].upper() != row[2].upper()]


@given(parsers.re(r"the (?P<module>[A-Z]+) module is (?P<state>[A-Z]+)"))
def module_is_idle(campaign: CampaignContext, bench_cleanup: BenchCleanup, module: str, state: str) -> None:
    """Bring a module to IDLE (STOP/ABORT then RESET as needed) or check it is already in ``state``.

    A module that was executing is started again when the scenario ends.
    """
    restart_if_running(campaign, bench_cleanup, module)
    bring_to_state(campaign, module, state)


@when(parsers.re(r"the (?P<module>[A-Z]+) module is driven through these commands"), target_fixture="module_run")
def drive_module(campaign: CampaignContext, module: str, datatable) -> ModuleRun:
    """Send each command of the table (columns: command, expected) and note the outcome."""
    controller = campaign.bench.bioreactor()
    log_in_as(campaign, "OPERATOR")
    header, *rows = datatable
    columns = [c.strip().lower() for c in header]
    run = ModuleRun(module)
    for row in rows:
        cells = dict(zip(columns, (c.strip() for c in row)))
        command, expected = cells["command"].upper(), cells["expected"]
        try:
            controller.module_command(module, command)
            actual = settle(campaign, module, expected)
        except CommandRefused as refused:
            actual = REFUSED
            allure.attach(str(refused), name=f"{command} refused", attachment_type=allure.attachment_type.TEXT)
        run.rows.append((command, expected, actual))
    attach_table(f"{module} state machine", ["command", "expected", "actual"], run.rows)
    return run


@then(parsers.parse("every command had its expected outcome ({criterion_id})"))
@judges(criterion_id=COUNT)
def every_command_as_expected(campaign: CampaignContext, module_run: ModuleRun, criterion_id: str) -> None:
    """Count the commands whose outcome differs from the table (judged, max)."""
    measurement = campaign.record(judge_value(criterion_id, campaign.criterion(criterion_id),
                                              float(len(module_run.mismatches)), "controller", statistic="count"))
    expect_met(measurement, f" (mismatches: {module_run.mismatches})")
