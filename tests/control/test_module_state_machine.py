"""Module state machine (NAMUR MTP / ISA-88): every allowed transition, every rejection.

Each of the 16 states is reached through real commands and steps, then every
command is tried there: allowed ones must lead to the state in
``codes.TRANSITIONS``, all others must be rejected with a reason and leave
the state alone. The compiled controller and the reference are both checked.
"""

from __future__ import annotations

import pytest

from mimedi_qual.control.codes import (ACTING_STATE_COMPLETION, TRANSITIONS, Command, Module,
                                       ModuleState, Rejection)
from mimedi_qual.control.controller import Controller
from mimedi_qual.control.reference import ReferenceController

ACTING_S = 5.0
S, C = ModuleState, Command
WAIT = "wait"
PATHS = {
    S.IDLE: [],
    S.STARTING: [C.START],
    S.EXECUTE: [C.START, WAIT],
    S.COMPLETING: [C.START, WAIT, C.COMPLETE],
    S.COMPLETED: [C.START, WAIT, C.COMPLETE, WAIT],
    S.PAUSING: [C.START, WAIT, C.PAUSE],
    S.PAUSED: [C.START, WAIT, C.PAUSE, WAIT],
    S.RESUMING: [C.START, WAIT, C.PAUSE, WAIT, C.RESUME],
    S.HOLDING: [C.START, WAIT, C.HOLD],
    S.HELD: [C.START, WAIT, C.HOLD, WAIT],
    S.UNHOLDING: [C.START, WAIT, C.HOLD, WAIT, C.UNHOLD],
    S.STOPPING: [C.STOP],
    S.STOPPED: [C.STOP, WAIT],
    S.ABORTING: [C.ABORT],
    S.ABORTED: [C.ABORT, WAIT],
    S.RESETTING: [C.ABORT, WAIT, C.RESET],
}
MTP_COMMANDS = [c for c in Command if C.START <= c <= C.RESET]


def healthy_step(ctl, dt_s=1.0, door_open=False, temperature_c=37.0):
    # slightly different values each call so no sensor looks frozen
    healthy_step.k = getattr(healthy_step, "k", 0) + 1
    wobble = 0.001 * (healthy_step.k % 7)
    return ctl.step(temperature_c + wobble, 7.2 + wobble, 50.0 + wobble, 3.0, door_open, dt_s)


@pytest.fixture(params=["compiled", "reference"])
def make(request, config):
    config["state_machine"]["acting_state_duration_s"] = ACTING_S
    cls = Controller if request.param == "compiled" else ReferenceController
    return lambda: cls(config)


def drive_to(ctl, module, state):
    for action in PATHS[state]:
        if action == WAIT:
            healthy_step(ctl, dt_s=ACTING_S)
        else:
            result = ctl.command(module, action)
            assert result.accepted, result
    assert ctl.module_state(module) is state


@pytest.mark.parametrize("module", [Module.SELECTION, Module.EXPANSION])
@pytest.mark.parametrize("state", list(ModuleState))
@pytest.mark.parametrize("command", MTP_COMMANDS)
def test_every_command_in_every_state(make, module, state, command):
    ctl = make()
    drive_to(ctl, module, state)
    result = ctl.command(module, command)
    target = TRANSITIONS[command].get(state)
    if target is None:
        assert not result.accepted
        assert result.rejection is Rejection.NOT_ALLOWED_IN_STATE
        assert command.name in result.reason and state.name in result.reason
        assert ctl.module_state(module) is state
    else:
        assert result.accepted, result
        assert ctl.module_state(module) is target


@pytest.mark.parametrize("acting", sorted(ACTING_STATE_COMPLETION))
def test_acting_states_complete_after_their_duration(make, acting):
    ctl = make()
    drive_to(ctl, Module.HARVEST, acting)
    healthy_step(ctl, dt_s=ACTING_S / 2)
    assert ctl.module_state(Module.HARVEST) is acting
    healthy_step(ctl, dt_s=ACTING_S / 2)
    assert ctl.module_state(Module.HARVEST) is ACTING_STATE_COMPLETION[acting]


@pytest.mark.parametrize("quiescent", [s for s in ModuleState if s not in ACTING_STATE_COMPLETION])
def test_quiescent_states_stay_without_a_command(make, quiescent):
    ctl = make()
    drive_to(ctl, Module.SELECTION, quiescent)
    for _ in range(5):
        healthy_step(ctl, dt_s=ACTING_S)
    assert ctl.module_state(Module.SELECTION) is quiescent


def test_unknown_module_and_command_are_rejected(make):
    ctl = make()
    for module in (-1, len(Module)):
        result = ctl.command(module, C.START)
        assert (result.accepted, result.rejection) == (False, Rejection.UNKNOWN_MODULE)
    for command in (C.NONE, 11, 15):
        result = ctl.command(Module.EXPANSION, command)
        assert (result.accepted, result.rejection) == (False, Rejection.UNKNOWN_COMMAND)
    assert ctl.module_state(Module.EXPANSION) is S.IDLE


@pytest.mark.parametrize("command,state", [(C.START, S.IDLE), (C.RESUME, S.PAUSED),
                                           (C.UNHOLD, S.HELD)])
def test_interlock_refuses_start_resume_unhold(make, command, state):
    ctl = make()
    drive_to(ctl, Module.HARVEST, state)
    healthy_step(ctl, door_open=True)
    result = ctl.command(Module.HARVEST, command)
    assert (result.accepted, result.rejection) == (False, Rejection.INTERLOCK_ACTIVE)
    assert "interlock" in result.reason
    assert ctl.module_state(Module.HARVEST) is state
    healthy_step(ctl, door_open=False)
    assert ctl.command(Module.HARVEST, command).accepted


def test_stop_and_abort_are_never_interlocked(make):
    ctl = make()
    drive_to(ctl, Module.EXPANSION, S.EXECUTE)
    healthy_step(ctl, door_open=True)
    assert ctl.command(Module.EXPANSION, C.STOP).accepted
    assert ctl.command(Module.EXPANSION, C.ABORT).accepted


def test_modules_are_independent(make):
    ctl = make()
    drive_to(ctl, Module.SELECTION, S.HELD)
    assert ctl.module_state(Module.EXPANSION) is S.IDLE
    assert ctl.command(Module.EXPANSION, C.START).accepted
    assert ctl.module_state(Module.SELECTION) is S.HELD
