"""The process modules' state machines (ISA-88 / NAMUR MTP): commanding a module and waiting for its state.

A command moves a module through transient states (``STARTING``,
``HOLDING`` …) to a settled one; :func:`settle` waits on the bench clock until
the expected state is reached or the module stops changing::

    controller.module_command("EXPANSION", "START")
    settle(campaign, "EXPANSION", "EXECUTE")        # → 'EXECUTE'
    bring_to_state(campaign, "EXPANSION", "IDLE")   # STOP/ABORT then RESET as needed
    ensure_executing(campaign, "EXPANSION")         # reset and start it unless it runs
    require_regulated(campaign, "the process recipe")  # refused unless a culture module regulates

PYTEST_DONT_REWRITE — the ``assert`` statements here are checks of the protocol: their message is the
finding Allure shows, without pytest's introspection appended to it.
"""

from __future__ import annotations

from mimedi_qual.errors import ProtocolError
from mimedi_qual.lab.errors import CommandRefused
from mimedi_qual.plugin.context import CampaignContext
from mimedi_qual.steps.actions.operator import log_in_as
from mimedi_qual.steps.cleanup import BenchCleanup

#: The MiMédi controller regulates the culture — temperature (heater), pH, DO, perfusion — only while a culture
#: module is active: TRANSDUCTION or EXPANSION in one of these states (the controller's design, written in
#: its control core: "loops, while a culture module (transduction, expansion) is active"). SELECTION and
#: HARVEST handle cells at room temperature; with no culture module active the heater is off, whatever the
#: temperature setpoint, and a fresh bag stays at room temperature.
CULTURE_MODULES = ("TRANSDUCTION", "EXPANSION")
REGULATING_STATES = frozenset({"STARTING", "EXECUTE", "COMPLETING", "PAUSING", "PAUSED", "RESUMING", "HOLDING",
                               "HELD", "UNHOLDING"})

#: Bench seconds given to a transient state (STARTING, HOLDING ...) to settle, polled each second.
SETTLE_LIMIT_S = 120.0
SETTLE_POLL_S = 1.0


def settle(campaign: CampaignContext, module: str, expected: str) -> str:
    """Wait (bench time) until the module reaches ``expected`` or stops changing; return its state."""
    controller = campaign.bench.bioreactor()
    clock = campaign.bench.clock()
    waited_s = 0.0
    state = controller.module_state(module)
    while state != expected.upper() and waited_s < SETTLE_LIMIT_S:
        clock.wait_s(SETTLE_POLL_S)
        waited_s += SETTLE_POLL_S
        state = controller.module_state(module)
    return state


def bring_to_state(campaign: CampaignContext, module: str, state: str) -> None:
    """Bring a module to IDLE (STOP/ABORT then RESET as needed) or check it is already in ``state``."""
    controller = campaign.bench.bioreactor()
    log_in_as(campaign, "OPERATOR")
    if state == "IDLE":
        for command in ("STOP", "ABORT", "RESET"):
            if controller.module_state(module) == "IDLE":
                break
            try:
                controller.module_command(module, command)
            except CommandRefused:
                continue
            settle(campaign, module, "IDLE" if command == "RESET" else "STOPPED")
    actual = controller.module_state(module)
    assert actual == state, f"{module} is {actual}, not {state}"


def ensure_executing(campaign: CampaignContext, module: str) -> None:
    """Make sure the module runs: reset and start it if it is not in EXECUTE."""
    controller = campaign.bench.bioreactor()
    if controller.module_state(module) == "EXECUTE":
        return
    bring_to_state(campaign, module, "IDLE")
    log_in_as(campaign, "OPERATOR")
    controller.module_command(module, "START")
    state = settle(campaign, module, "EXECUTE")
    assert state == "EXECUTE", f"{module} is {state}, not EXECUTE"


def require_regulated(campaign: CampaignContext, what: str) -> None:
    """Refuse ``what`` (a step that heats the bag and times it) unless a culture module regulates the culture.

    Without one the controller does not heat: the run would sample a bag at room temperature and
    report the heat-up "never reached" — a protocol that cannot test what it says, not a finding.
    """
    controller = campaign.bench.bioreactor()
    states = {module: controller.module_state(module) for module in CULTURE_MODULES}
    if any(state in REGULATING_STATES for state in states.values()):
        return
    now = ", ".join(f"{module} is {state}" for module, state in states.items())
    raise ProtocolError(None, None, f"{what} needs the culture regulated, and the controller regulates the "
                                    f"temperature only while a culture module ({' or '.join(CULTURE_MODULES)}) "
                                    f"is active; now {now}: write 'Given the EXPANSION module is executing' "
                                    "(or TRANSDUCTION) before it")


def restart_if_running(campaign: CampaignContext, bench_cleanup: BenchCleanup, module: str) -> None:
    """If ``module`` executes now, have it executing again when the scenario ends, whatever happens."""
    if campaign.bench.bioreactor().module_state(module) == "EXECUTE":
        bench_cleanup.register(f"restart {module}", lambda: ensure_executing(campaign, module))
