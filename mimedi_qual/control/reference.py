"""Pure-Python reference of the control core's mathematics.

Line for line the same arithmetic as ``controller.pyx`` / ``pid.pyx``, written
for reading rather than speed. It exists for two reasons: the equivalence
tests (tests/control/test_controller_equivalence.py) step both on the same randomized
inputs and commands and require equal outputs, and the benchmark reports how
much faster the compiled core is. It is never imported in place of the
compiled core.

>>> from mimedi_qual.control.parameters import build_reference
>>> from mimedi_qual.control.codes import Module, Command
>>> ref = build_reference()
>>> ref.command(Module.EXPANSION, Command.START).accepted
True
>>> out = ref.step(temperature_c=36.2, ph=7.3, do_pct=45.0, cell_density_e6_per_ml=3.0)
>>> round(out["heater_pct"], 3) > 0
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mimedi_qual.control import codes
from mimedi_qual.control.codes import (ACTING_STATE_COMPLETION, INTERLOCKED_COMMANDS,
                                       REGULATING_STATES, TRANSITIONS, Alarm, Command, Module,
                                       ModuleState, Rejection)

NAN = float("nan")
# Same constants as controller.pyx (multiplying by a reciprocal, not dividing).
PER_PCT = 0.01
DAYS_PER_MINUTE = 1.0 / 1440.0
HOURS_PER_SECOND = 1.0 / 3600.0


@dataclass
class ReferencePid:
    """PID with clamping anti-windup, derivative on measurement, bumpless manual."""

    kp: float
    ki: float
    kd: float
    out_min: float
    out_max: float
    integral: float = 0.0
    prev_measurement: float = 0.0
    primed: bool = False
    manual: bool = False
    manual_output: float = 0.0

    def clear(self) -> None:
        self.integral = 0.0
        self.prev_measurement = 0.0
        self.primed = False

    def track(self, setpoint: float, measurement: float, output: float) -> None:
        if math.isnan(measurement) or math.isnan(setpoint):
            self.integral = output
            return
        self.integral = output - self.kp * (setpoint - measurement)
        self.prev_measurement = measurement
        self.primed = True

    def step(self, setpoint: float, measurement: float, dt_s: float) -> float:
        if self.manual:
            u = min(max(self.manual_output, self.out_min), self.out_max)
            self.track(setpoint, measurement, u)
            return u
        if math.isnan(measurement) or math.isnan(setpoint):
            return self.out_min
        error = setpoint - measurement
        p = self.kp * error
        d = 0.0
        if self.kd != 0.0 and self.primed and dt_s > 0.0:
            d = -self.kd * (measurement - self.prev_measurement) / dt_s
        self.prev_measurement = measurement
        self.primed = True
        self.integral += self.ki * error * dt_s
        u = p + self.integral + d
        if u > self.out_max:
            self.integral -= u - self.out_max
            u = self.out_max
        elif u < self.out_min:
            self.integral += self.out_min - u
            u = self.out_min
        self.integral = min(max(self.integral, self.out_min), self.out_max)
        return u


@dataclass
class ReferenceSensorCheck:
    valid_min: float
    valid_max: float
    frozen_timeout_s: float
    last_value: float = NAN
    frozen_s: float = 0.0
    failed: bool = False

    def update(self, x: float, dt_s: float) -> bool:
        valid = (not math.isnan(x)) and self.valid_min <= x <= self.valid_max
        if valid and x == self.last_value:
            self.frozen_s += dt_s
        else:
            self.frozen_s = 0.0
        self.last_value = x
        self.failed = (not valid) or (self.frozen_timeout_s > 0.0
                                      and self.frozen_s >= self.frozen_timeout_s)
        return self.failed


@dataclass
class ReferenceAlarm:
    enabled: bool
    kind: int
    limit: float
    hysteresis: float
    on_delay_s: float
    priority: int
    pending_s: float = 0.0
    active: bool = False

    def limit_condition(self, x: float, armed: bool) -> bool:
        if not armed:
            return False
        if self.kind > 0:
            return x > (self.limit - self.hysteresis if self.active else self.limit)
        return x < (self.limit + self.hysteresis if self.active else self.limit)

    def update(self, condition: bool, dt_s: float) -> bool:
        if not self.enabled or not condition:
            self.pending_s = 0.0
            self.active = False
            return False
        if self.active:
            return False
        self.pending_s += dt_s
        if self.pending_s >= self.on_delay_s:
            self.active = True
            return True
        return False


@dataclass
class _StepFacts:
    """What the early stages of a step found, for the later ones (``StepFacts`` in controller.pyx)."""

    t_failed: bool
    ph_failed: bool
    do_failed: bool
    door: bool = False              # the door switch reads open
    regulating: bool = False        # a culture module (transduction, expansion) is active
    was_regulating: bool = False    # ... it was at the previous step
    perfusing: bool = False         # expansion is in EXECUTE


class ReferenceController:
    """Same behaviour as the compiled ``Controller``; ``step`` returns a dict
    keyed by ``codes.OUTPUT_COLUMNS``."""

    def __init__(self, config: dict) -> None:
        cfg = self.config = config
        t, ph, dox = cfg["temperature"], cfg["ph"], cfg["dissolved_oxygen"]
        self.period_s = cfg["period_s"]
        self.temperature_target_c = t["setpoint_c"]
        self.temperature_ramp_c_per_s = t["setpoint_ramp_c_per_s"]
        self.over_temperature_trip_c = t["over_temperature_trip_c"]
        self.over_temperature_hysteresis_c = t["over_temperature_hysteresis_c"]
        self.safe_heater_pct = t["safe_heater_pct"]
        self.temperature_pid = ReferencePid(t["kp_pct_per_c"], t["ki_pct_per_c_s"],
                                            t["kd_pct_s_per_c"], t["heater_min_pct"],
                                            t["heater_max_pct"])
        self.ph_setpoint = ph["setpoint"]
        self.ph_deadband = ph["deadband_ph"]
        self.co2_valve_max_pct = ph["co2_valve_max_pct"]
        self.base_pump_max_ml_min = ph["base_pump_max_ml_min"]
        self.ph_pid = ReferencePid(ph["kp_pct_per_ph"], ph["ki_pct_per_ph_s"], 0.0, -100.0, 100.0)
        self.do_setpoint_pct = dox["setpoint_pct"]
        self.rocking_min_rpm = dox["rocking_min_rpm"]
        self.rocking_max_rpm = dox["rocking_max_rpm"]
        self.o2_enrichment_max_pct = dox["o2_enrichment_max_pct"]
        self.safe_rocking_rpm = dox["safe_rocking_rpm"]
        self.safe_o2_enrichment_pct = dox["safe_o2_enrichment_pct"]
        self.do_pid = ReferencePid(dox["kp_pct_per_pct"], dox["ki_pct_per_pct_s"], 0.0, 0.0, 200.0)
        self.sensors = [ReferenceSensorCheck(s["valid_min"], s["valid_max"], s["frozen_timeout_s"])
                        for s in (t["sensor"], ph["sensor"], dox["sensor"])]
        perf = cfg["perfusion"]
        self.perfusion_by_time = perf["schedule_by"] == "elapsed_time"
        self.perfusion_thresholds = list(perf["thresholds"])
        self.perfusion_rates_ml_day = list(perf["rates_ml_day"])
        self.acting_state_duration_s = cfg["state_machine"]["acting_state_duration_s"]
        self.auto_hold_priority = cfg["state_machine"]["auto_hold_priority"]
        self.alarms = []
        for k, alarm in enumerate(Alarm):
            a = cfg["alarms"][alarm.name.lower()]
            self.alarms.append(ReferenceAlarm(bool(a["enabled"]), codes.ALARM_KINDS[k],
                                              a.get("limit", 0.0) or 0.0,
                                              a.get("hysteresis", 0.0) or 0.0,
                                              a["on_delay_s"], a["priority"]))
        self.reset()

    def reset(self) -> None:
        self.time_s = 0.0
        self.modules = [ModuleState.IDLE] * len(Module)
        self.time_in_state_s = [0.0] * len(Module)
        self.perfusion_time_s = 0.0
        self.perfusion_rate_ml_day = self.perfusion_rates_ml_day[0]
        self.temperature_setpoint_c = self.temperature_target_c
        self.over_temperature = False
        self.occluded = False
        self.regulating = False
        self.armed = [False, False, False]
        for s in self.sensors:
            s.last_value, s.frozen_s, s.failed = NAN, 0.0, False
        for a in self.alarms:
            a.pending_s, a.active = 0.0, False
        self.alarm_active_mask = 0
        self.alarm_unacked_mask = 0
        self.interlock_mask = 0
        for pid in (self.temperature_pid, self.ph_pid, self.do_pid):
            pid.clear()
            pid.manual = False

    # ------------------------------------------------------------ commands

    def command(self, module: int, command: int) -> codes.CommandResult:
        state = self.modules[module] if 0 <= module < len(Module) else 0
        return codes.command_result(self.command_code(module, command), module, command, state)

    def command_code(self, module: int, command: int) -> int:
        if command == Command.ACKNOWLEDGE:
            self.acknowledge()
            return Rejection.ACCEPTED
        if not 0 <= module < len(Module):
            return Rejection.UNKNOWN_MODULE
        if not Command.START <= command <= Command.RESET:
            return Rejection.UNKNOWN_COMMAND
        target = TRANSITIONS[Command(command)].get(ModuleState(self.modules[module]))
        if target is None:
            return Rejection.NOT_ALLOWED_IN_STATE
        if self.interlock_mask != 0 and command in INTERLOCKED_COMMANDS:
            return Rejection.INTERLOCK_ACTIVE
        self.modules[module] = target
        self.time_in_state_s[module] = 0.0
        return Rejection.ACCEPTED

    def acknowledge(self, mask: int = 0xFFFFFFFF) -> None:
        self.alarm_unacked_mask &= ~mask & 0xFFFFFFFF

    def module_state(self, module: int) -> ModuleState:
        if not 0 <= module < len(Module):
            raise ValueError(f"unknown module {module}")
        return ModuleState(self.modules[module])

    def set_temperature_setpoint(self, temperature_c: float) -> None:
        self.temperature_target_c = temperature_c

    def set_manual(self, loop: int, output: float) -> None:
        pid = (self.temperature_pid, self.ph_pid, self.do_pid)[loop]
        pid.manual, pid.manual_output = True, output

    def set_auto(self, loop: int) -> None:
        (self.temperature_pid, self.ph_pid, self.do_pid)[loop].manual = False

    def alarm_limit(self, alarm: int) -> float:
        if not 0 <= alarm < len(self.alarms) or self.alarms[alarm].kind == 0:
            raise ValueError(f"alarm {alarm} has no limit")
        return self.alarms[alarm].limit

    def set_alarm_limit(self, alarm: int, limit: float) -> None:
        if not 0 <= alarm < len(self.alarms) or self.alarms[alarm].kind == 0:
            raise ValueError(f"alarm {alarm} has no limit")
        if math.isnan(limit):
            raise ValueError("an alarm limit must be a number")
        self.alarms[alarm].limit = limit

    # ------------------------------------------------------------ the step, stage by stage
    # The same stages, in the same order and with the same names, as ``ctl_step`` in controller.pyx.

    def _in_band(self, high_alarm: int, x: float) -> bool:
        return self.alarms[high_alarm + 1].limit < x < self.alarms[high_alarm].limit

    def step(self, temperature_c: float, ph: float, do_pct: float,
             cell_density_e6_per_ml: float = NAN, door_open: bool = False,
             dt_s: float | None = None, co2_supply_bar: float = NAN, o2_supply_bar: float = NAN,
             pump_line_kpa: float = NAN) -> dict:
        dt_s = self.period_s if dt_s is None else dt_s
        self.time_s += dt_s
        f = self._check_sensors(temperature_c, ph, do_pct, dt_s)
        self._update_interlocks(temperature_c, bool(door_open), pump_line_kpa, f)
        self._advance_state_machines(dt_s, f)
        heater = co2 = base = rocking = o2 = perfusion = 0.0
        if not f.regulating:
            self._rest_loops()
        else:
            heater = self._temperature_loop(temperature_c, f, dt_s)
            co2, base = self._ph_loop(ph, f, dt_s)
            rocking, o2 = self._do_cascade(do_pct, f, dt_s)
            perfusion = self._perfusion_schedule(cell_density_e6_per_ml, f, dt_s)
            if f.door or self.occluded:     # the door open or a blocked line stops the pumps
                base = 0.0
                perfusion = 0.0
        conditions = self._alarm_conditions(temperature_c, ph, do_pct, co2_supply_bar, o2_supply_bar, f)
        new_alarms = self._update_alarms(conditions, dt_s)
        best = self._highest_priority()
        self._hold_on_urgent_alarm(new_alarms)
        return {
            "heater_pct": heater,
            "co2_valve_pct": co2,
            "base_pump_ml_min": base,
            "rocking_rpm": rocking,
            "o2_enrichment_pct": o2,
            "perfusion_ml_min": perfusion,
            "temperature_setpoint_c": self.temperature_setpoint_c,
            "alarm_active_mask": self.alarm_active_mask,
            "alarm_unacked_mask": self.alarm_unacked_mask,
            "interlock_mask": self.interlock_mask,
            "highest_priority": best,
            "module_states": self._packed_module_states(),
        }

    def _check_sensors(self, t: float, ph: float, do_pct: float, dt_s: float) -> _StepFacts:
        """1. Each probe is failed when NaN, outside its valid range, or frozen."""
        return _StepFacts(t_failed=self.sensors[0].update(t, dt_s), ph_failed=self.sensors[1].update(ph, dt_s),
                          do_failed=self.sensors[2].update(do_pct, dt_s))

    def _update_interlocks(self, t: float, door: bool, pump_line_kpa: float, f: _StepFacts) -> None:
        """2. Door, over-temperature (with hysteresis), failed sensors and pump occlusion, as a bit mask."""
        f.door = door
        if not f.t_failed:
            if t >= self.over_temperature_trip_c:
                self.over_temperature = True
            elif t < self.over_temperature_trip_c - self.over_temperature_hysteresis_c:
                self.over_temperature = False
        occlusion = self.alarms[Alarm.PUMP_OCCLUSION]
        if math.isnan(pump_line_kpa):
            self.occluded = False
        elif self.occluded:
            self.occluded = pump_line_kpa > occlusion.limit - occlusion.hysteresis
        else:
            self.occluded = pump_line_kpa > occlusion.limit
        self.interlock_mask = (int(door) | int(self.over_temperature) << 1 | int(f.t_failed) << 2
                               | int(f.ph_failed) << 3 | int(f.do_failed) << 4 | int(self.occluded) << 5)

    def _advance_state_machines(self, dt_s: float, f: _StepFacts) -> None:
        """3. Acting states finish after ``acting_state_duration_s``; then: is a culture module active?"""
        for m in range(len(Module)):
            self.time_in_state_s[m] += dt_s
            done = ACTING_STATE_COMPLETION.get(ModuleState(self.modules[m]))
            if done is not None and self.time_in_state_s[m] >= self.acting_state_duration_s:
                self.modules[m] = done
                self.time_in_state_s[m] = 0.0
        f.regulating = (self.modules[Module.TRANSDUCTION] in REGULATING_STATES
                        or self.modules[Module.EXPANSION] in REGULATING_STATES)
        f.perfusing = self.modules[Module.EXPANSION] == ModuleState.EXECUTE
        f.was_regulating = self.regulating
        self.regulating = f.regulating

    def _rest_loops(self) -> None:
        """4, no culture module active: loops cold, setpoint at its target, limit alarms disarmed."""
        for pid in (self.temperature_pid, self.ph_pid, self.do_pid):
            pid.clear()
        self.temperature_setpoint_c = self.temperature_target_c
        self.armed = [False, False, False]

    def _temperature_loop(self, t: float, f: _StepFacts, dt_s: float) -> float:
        """4a. The heater output: PID on a ramped setpoint; a failed probe gives the safe output,
        over-temperature 0 %."""
        ramp = self.temperature_ramp_c_per_s
        if not f.was_regulating and ramp > 0.0 and not f.t_failed:
            self.temperature_setpoint_c = t      # bumpless start: the ramp starts from the culture
        if ramp > 0.0:
            step_c = ramp * dt_s
            lo = self.temperature_setpoint_c - step_c
            hi = self.temperature_setpoint_c + step_c
            self.temperature_setpoint_c = min(max(self.temperature_target_c, lo), hi)
        else:
            self.temperature_setpoint_c = self.temperature_target_c
        if f.t_failed:
            heater = self.safe_heater_pct
            self.temperature_pid.track(self.temperature_setpoint_c, NAN, heater)
            return heater
        heater = self.temperature_pid.step(self.temperature_setpoint_c, t, dt_s)
        if self.over_temperature:
            heater = 0.0
            self.temperature_pid.track(self.temperature_setpoint_c, t, heater)
        if not self.armed[0] and self._in_band(0, t):
            self.armed[0] = True
        return heater

    def _ph_loop(self, ph: float, f: _StepFacts, dt_s: float) -> tuple[float, float]:
        """4b. (CO2 valve %, base pump mL/min): split range around 0, an error inside the dead band is 0."""
        co2 = base = 0.0
        if f.ph_failed:
            self.ph_pid.track(self.ph_setpoint, NAN, 0.0)
            return co2, base
        e = self.ph_setpoint - ph
        if e > self.ph_deadband:
            e = e - self.ph_deadband
        elif e < -self.ph_deadband:
            e = e + self.ph_deadband
        else:
            e = 0.0
        u = self.ph_pid.step(self.ph_setpoint, self.ph_setpoint - e, dt_s)
        if u < 0.0:
            co2 = -u * self.co2_valve_max_pct * PER_PCT
        else:
            base = u * self.base_pump_max_ml_min * PER_PCT
        if not self.armed[1] and self._in_band(2, ph):
            self.armed[1] = True
        return co2, base

    def _do_cascade(self, do_pct: float, f: _StepFacts, dt_s: float) -> tuple[float, float]:
        """4c. (rocking rpm, O2 enrichment %): 0..100 % of the PID output rocks, 100..200 % enriches."""
        if f.do_failed:
            self.do_pid.track(self.do_setpoint_pct, NAN, 0.0)
            return self.safe_rocking_rpm, self.safe_o2_enrichment_pct
        o2 = 0.0
        u = self.do_pid.step(self.do_setpoint_pct, do_pct, dt_s)
        if u <= 100.0:
            rocking = self.rocking_min_rpm + (self.rocking_max_rpm - self.rocking_min_rpm) * u * PER_PCT
        else:
            rocking = self.rocking_max_rpm
            o2 = self.o2_enrichment_max_pct * (u - 100.0) * PER_PCT
        if not self.armed[2] and self._in_band(4, do_pct):
            self.armed[2] = True
        return rocking, o2

    def _perfusion_schedule(self, cell_density_e6_per_ml: float, f: _StepFacts, dt_s: float) -> float:
        """4d. Perfusion mL/min from the schedule, only while expansion is in EXECUTE; an unknown
        cell density holds the current rate."""
        if not f.perfusing:
            return 0.0
        self.perfusion_time_s += dt_s
        x = self.perfusion_time_s * HOURS_PER_SECOND if self.perfusion_by_time else cell_density_e6_per_ml
        if not math.isnan(x):
            k = 0
            while k < len(self.perfusion_thresholds) and x >= self.perfusion_thresholds[k]:
                k += 1
            self.perfusion_rate_ml_day = self.perfusion_rates_ml_day[k]
        return self.perfusion_rate_ml_day * DAYS_PER_MINUTE

    def _alarm_conditions(self, t: float, ph: float, do_pct: float, co2_supply_bar: float,
                          o2_supply_bar: float, f: _StepFacts) -> tuple[bool, ...]:
        """5a. Whether each alarm's condition holds now, in ``codes.Alarm`` order."""
        a = self.alarms
        regulating = f.regulating
        return (
            regulating and a[0].limit_condition(t, self.armed[0] and not f.t_failed),
            regulating and a[1].limit_condition(t, self.armed[0] and not f.t_failed),
            regulating and a[2].limit_condition(ph, self.armed[1] and not f.ph_failed),
            regulating and a[3].limit_condition(ph, self.armed[1] and not f.ph_failed),
            regulating and a[4].limit_condition(do_pct, self.armed[2] and not f.do_failed),
            regulating and a[5].limit_condition(do_pct, self.armed[2] and not f.do_failed),
            f.t_failed, f.ph_failed, f.do_failed, f.door and regulating, self.over_temperature,
            regulating and a[11].limit_condition(co2_supply_bar, True),
            regulating and a[12].limit_condition(o2_supply_bar, True),
            self.occluded,
        )

    def _update_alarms(self, conditions: tuple[bool, ...], dt_s: float) -> int:
        """5b. On-delays and latches; returns the alarms (bit mask) that became active in this step."""
        new_alarms = 0
        for k, condition in enumerate(conditions):
            if self.alarms[k].update(condition, dt_s):
                new_alarms |= 1 << k
        self.alarm_active_mask = sum(1 << k for k, alarm in enumerate(self.alarms) if alarm.active)
        self.alarm_unacked_mask |= new_alarms
        return new_alarms

    def _highest_priority(self) -> int:
        """5c. The most urgent priority (lowest number) among the alarms shown; 0 when none is."""
        shown = self.alarm_active_mask | self.alarm_unacked_mask
        priorities = [alarm.priority for k, alarm in enumerate(self.alarms) if (shown >> k) & 1]
        return min(priorities) if priorities else 0

    def _hold_on_urgent_alarm(self, new_alarms: int) -> None:
        """5d. A new alarm of ``auto_hold_priority`` or more urgent holds every module that can be held."""
        if not any((new_alarms >> k) & 1 and alarm.priority <= self.auto_hold_priority
                   for k, alarm in enumerate(self.alarms)):
            return
        for m in range(len(Module)):
            target = TRANSITIONS[Command.HOLD].get(ModuleState(self.modules[m]))
            if target is not None:
                self.modules[m] = target
                self.time_in_state_s[m] = 0.0

    def _packed_module_states(self) -> int:
        """Every module's state in 4 bits, module 0 lowest."""
        packed = 0
        for m in range(len(Module)):
            packed |= int(self.modules[m]) << (4 * m)
        return packed

    def step_batch(self, inputs, outputs, dt_s: float, commands=None, command_results=None) -> int:
        """Same contract as ``Controller.step_batch`` (rows of ``codes.INPUT_COLUMNS``)."""
        n = len(inputs)
        for i in range(n):
            if commands is not None:
                word = int(commands[i])
                result = self.command_code(word >> 4, word & 0xF) if word else 0
                if command_results is not None:
                    command_results[i] = result
            row = inputs[i]
            out = self.step(float(row[0]), float(row[1]), float(row[2]), float(row[3]),
                            float(row[4]) != 0.0, dt_s, float(row[5]), float(row[6]), float(row[7]))
            for j, name in enumerate(codes.OUTPUT_COLUMNS):
                outputs[i, j] = out[name]
        return n

    def snapshot(self) -> dict:
        """Internal state in the layout of ``Controller.snapshot``."""
        return {
            "time_s": self.time_s,
            "module_state": [int(s) for s in self.modules],
            "time_in_state_s": list(self.time_in_state_s),
            "perfusion_time_s": self.perfusion_time_s,
            "perfusion_rate_ml_day": self.perfusion_rate_ml_day,
            "temperature_setpoint_c": self.temperature_setpoint_c,
            "over_temperature": self.over_temperature,
            "occluded": self.occluded,
            "regulating": self.regulating,
            "armed": list(self.armed),
            "alarm_active_mask": self.alarm_active_mask,
            "alarm_unacked_mask": self.alarm_unacked_mask,
            "interlock_mask": self.interlock_mask,
            "integrals": [self.temperature_pid.integral, self.ph_pid.integral,
                          self.do_pid.integral],
            "alarm_pending_s": [al.pending_s for al in self.alarms],
            "sensor_frozen_s": [s.frozen_s for s in self.sensors],
        }
