"""Numeric codes of the control core: modules, states, commands, alarms, interlocks.

The compiled core works on small integers (a step touches no Python object);
this module gives those integers names, in one place, for the compiled core's
Python API, the pure-Python reference and every caller. The compiled module
checks at import time that its own C constants equal these.

The module state machine is the NAMUR MTP / ISA-88 service state machine
(VDI/VDE/NAMUR 2658): *acting* states (STARTING, HOLDING, ...)
finish by themselves after ``acting_state_duration_s``; *quiescent* states
(IDLE, EXECUTE, HELD, ...) change only on a command.

>>> from mimedi_qual.control.codes import Command, ModuleState, TRANSITIONS
>>> TRANSITIONS[Command.START][ModuleState.IDLE] is ModuleState.STARTING
True
>>> ModuleState.EXECUTE in TRANSITIONS[Command.START]
False
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import NamedTuple


class Module(IntEnum):
    """Process modules of the bioreactor, each with its own state machine."""

    SELECTION = 0
    TRANSDUCTION = 1
    EXPANSION = 2
    HARVEST = 3


class ModuleState(IntEnum):
    IDLE = 0
    STARTING = 1
    EXECUTE = 2
    COMPLETING = 3
    COMPLETED = 4
    PAUSING = 5
    PAUSED = 6
    RESUMING = 7
    HOLDING = 8
    HELD = 9
    UNHOLDING = 10
    STOPPING = 11
    STOPPED = 12
    ABORTING = 13
    ABORTED = 14
    RESETTING = 15


class Command(IntEnum):
    NONE = 0
    START = 1
    COMPLETE = 2
    PAUSE = 3
    RESUME = 4
    HOLD = 5
    UNHOLD = 6
    STOP = 7
    ABORT = 8
    RESET = 9
    #: Controller-wide: acknowledge every alarm (the module is ignored).
    ACKNOWLEDGE = 10


class Rejection(IntEnum):
    """Why a command was not carried out (``ACCEPTED`` when it was)."""

    ACCEPTED = 0
    UNKNOWN_MODULE = 1
    UNKNOWN_COMMAND = 2
    NOT_ALLOWED_IN_STATE = 3
    INTERLOCK_ACTIVE = 4


REJECTION_TEXT = {
    Rejection.ACCEPTED: "accepted",
    Rejection.UNKNOWN_MODULE: "unknown module",
    Rejection.UNKNOWN_COMMAND: "unknown command",
    Rejection.NOT_ALLOWED_IN_STATE: "command not allowed in the module's current state",
    Rejection.INTERLOCK_ACTIVE: ("an interlock is active (door open, over-temperature, failed sensor "
                                 "or pump occlusion)"),
}


class CommandResult(NamedTuple):
    """Outcome of :meth:`Controller.command`: accepted, or rejected with a reason."""

    accepted: bool
    rejection: Rejection
    reason: str


def command_result(code: int, module: int, command: int, state: int) -> CommandResult:
    """Turn a C rejection code into a :class:`CommandResult` with a readable reason."""
    rejection = Rejection(code)
    if rejection is Rejection.ACCEPTED:
        return CommandResult(True, rejection, "accepted")
    text = REJECTION_TEXT[rejection]
    if rejection is Rejection.NOT_ALLOWED_IN_STATE:
        text = (f"{Command(command).name} not allowed for {Module(module).name} "
                f"in state {ModuleState(state).name}")
    elif rejection is Rejection.INTERLOCK_ACTIVE:
        text = f"{Command(command).name} refused: {text}"
    return CommandResult(False, rejection, text)


_S = ModuleState
#: command → {state it is allowed in: state it leads to}. Everything else is rejected.
TRANSITIONS: dict[Command, dict[ModuleState, ModuleState]] = {
    Command.START: {_S.IDLE: _S.STARTING},
    Command.COMPLETE: {_S.EXECUTE: _S.COMPLETING},
    Command.PAUSE: {_S.EXECUTE: _S.PAUSING},
    Command.RESUME: {_S.PAUSED: _S.RESUMING},
    Command.HOLD: {s: _S.HOLDING for s in (_S.STARTING, _S.EXECUTE, _S.COMPLETING, _S.PAUSING,
                                           _S.PAUSED, _S.RESUMING, _S.UNHOLDING)},
    Command.UNHOLD: {_S.HELD: _S.UNHOLDING},
    Command.STOP: {s: _S.STOPPING for s in (_S.IDLE, _S.STARTING, _S.EXECUTE, _S.COMPLETING,
                                            _S.PAUSING, _S.PAUSED, _S.RESUMING, _S.HOLDING,
                                            _S.HELD, _S.UNHOLDING, _S.RESETTING)},
    Command.ABORT: {s: _S.ABORTING for s in _S if s not in (_S.ABORTING, _S.ABORTED)},
    Command.RESET: {s: _S.RESETTING for s in (_S.COMPLETED, _S.STOPPED, _S.ABORTED)},
}

#: acting state → the quiescent state it completes into.
ACTING_STATE_COMPLETION: dict[ModuleState, ModuleState] = {
    _S.STARTING: _S.EXECUTE,
    _S.COMPLETING: _S.COMPLETED,
    _S.PAUSING: _S.PAUSED,
    _S.RESUMING: _S.EXECUTE,
    _S.HOLDING: _S.HELD,
    _S.UNHOLDING: _S.EXECUTE,
    _S.STOPPING: _S.STOPPED,
    _S.ABORTING: _S.ABORTED,
    _S.RESETTING: _S.IDLE,
}

#: States in which a culture module keeps its culture regulated.
REGULATING_STATES = frozenset({_S.STARTING, _S.EXECUTE, _S.COMPLETING, _S.PAUSING, _S.PAUSED,
                               _S.RESUMING, _S.HOLDING, _S.HELD, _S.UNHOLDING})

#: Commands refused while any interlock is active.
INTERLOCKED_COMMANDS = frozenset({Command.START, Command.RESUME, Command.UNHOLD})


class Alarm(IntEnum):
    """Alarm index; bit ``1 << alarm`` in the alarm masks."""

    TEMPERATURE_HIGH = 0
    TEMPERATURE_LOW = 1
    PH_HIGH = 2
    PH_LOW = 3
    DO_HIGH = 4
    DO_LOW = 5
    TEMPERATURE_SENSOR_FAILED = 6
    PH_SENSOR_FAILED = 7
    DO_SENSOR_FAILED = 8
    DOOR_OPEN = 9
    OVER_TEMPERATURE = 10
    #: The CO2 supply's pressure transducer reads below its limit (empty cylinder, closed valve).
    CO2_SUPPLY_LOW = 11
    #: The O2 supply's pressure transducer reads below its limit.
    O2_SUPPLY_LOW = 12
    #: A pump line's pressure sensor reads above its limit: a clamped or kinked line.
    PUMP_OCCLUSION = 13


class Interlock(IntFlag):
    """Bits of the interlock mask."""

    DOOR_OPEN = 1
    OVER_TEMPERATURE = 2
    TEMPERATURE_SENSOR_FAILED = 4
    PH_SENSOR_FAILED = 8
    DO_SENSOR_FAILED = 16
    #: A pump line is over pressure: the pumps stop until the pressure is released.
    PUMP_OCCLUSION = 32


class Loop(IntEnum):
    """Regulatory loops that can be put in manual."""

    TEMPERATURE = 0
    PH = 1
    DISSOLVED_OXYGEN = 2


#: Column order of a batch input row.
INPUT_COLUMNS = ("temperature_c", "ph", "do_pct", "cell_density_e6_per_ml", "door_open",
                 "co2_supply_bar", "o2_supply_bar", "pump_line_kpa")

#: Alarms with a limit (``+1`` high, ``-1`` low) or a discrete condition (0), in ``Alarm`` order.
ALARM_KINDS = (1, -1, 1, -1, 1, -1, 0, 0, 0, 0, 0, -1, -1, 1)

#: Column order of a batch output row (masks and states are exact small integers).
OUTPUT_COLUMNS = ("heater_pct", "co2_valve_pct", "base_pump_ml_min", "rocking_rpm",
                  "o2_enrichment_pct", "perfusion_ml_min", "temperature_setpoint_c",
                  "alarm_active_mask", "alarm_unacked_mask", "interlock_mask",
                  "highest_priority", "module_states")


def encode_command(module: int, command: int) -> int:
    """Pack a command for the batch API's ``commands`` column (0 = no command)."""
    return (int(module) << 4) | int(command)


def module_state_of(module_states: int, module: int) -> ModuleState:
    """Unpack one module's state from the packed ``module_states`` output."""
    return ModuleState((int(module_states) >> (4 * int(module))) & 0xF)
