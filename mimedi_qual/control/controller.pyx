"""The MiMédi bioreactor controller: every regulatory loop, interlock, alarm and
module state machine, stepped once per control period (compiled with Cython).

One step (``ctl_step``) does, in this order:

1. **sensor checks** — temperature, pH and DO are *failed* when NaN, outside
   their valid range, or frozen (unchanged for ``frozen_timeout_s``);
2. **interlocks** — door open; over-temperature (trips at
   ``over_temperature_trip_c``, releases ``over_temperature_hysteresis_c``
   below); failed sensors; pump occlusion (the highest pump-line pressure
   above the ``pump_occlusion`` alarm's limit, released its hysteresis below;
   a line without a sensor reads NaN and never trips);
3. **module state machines** — acting states (STARTING, HOLDING, ...) finish
   after ``acting_state_duration_s``;
4. **loops**, while a culture module (transduction, expansion) is active:
   temperature PID on the heater (ramped setpoint, derivative on measurement,
   anti-windup); pH split range (CO2 valve lowers pH, base pump raises it,
   dead band between); DO cascade (rocking speed first, then O2 enrichment);
   perfusion by the schedule, only while expansion is in EXECUTE. A failed
   sensor drives its loop to its safe output (the integrator tracks it);
   over-temperature cuts the heater; door open or an occluded line stops the pumps;
5. **alarms** — high/low limits with on-delay and hysteresis (armed once the
   value has been inside its band since regulation started), discrete alarms
   for failed sensors, door, over-temperature and pump occlusion; low
   gas-supply pressure (CO2, O2) while regulating (NaN: no transducer, no
   alarm); latched until acknowledged;
   a new alarm of priority ``auto_hold_priority`` or more urgent holds every
   module that can be held.

A step touches no Python object and allocates nothing, so it runs in a C
loop without the GIL (:meth:`Controller.step_batch`) or from another compiled
module through ``controller.pxd``.

>>> from mimedi_qual.control.parameters import build_controller
>>> from mimedi_qual.control.codes import Module, Command
>>> ctl = build_controller()                       # profiles/control/controller.yaml
>>> ctl.command(Module.EXPANSION, Command.START).accepted
True
>>> out = ctl.step(temperature_c=36.2, ph=7.3, do_pct=45.0, cell_density_e6_per_ml=3.0)
>>> out.heater_pct > 0
True
"""

import numpy as np

from libc.math cimport isnan, NAN

from mimedi_qual.control.pid cimport PidState, pid_step, pid_track, pid_clear
from mimedi_qual.control import codes as _codes

# Regulating states as a bit set (STARTING..UNHOLDING except COMPLETED).
cdef unsigned int REGULATING_STATES_MASK = (
    (1u << ST_STARTING) | (1u << ST_EXECUTE) | (1u << ST_COMPLETING) | (1u << ST_PAUSING)
    | (1u << ST_PAUSED) | (1u << ST_RESUMING) | (1u << ST_HOLDING) | (1u << ST_HELD)
    | (1u << ST_UNHOLDING))

# Multiplications by these reciprocals instead of divisions: a division costs
# a dozen cycles on the step's critical path. The reference uses the same constants.
cdef double PER_PCT = 0.01                  # 1 / 100 %
cdef double DAYS_PER_MINUTE = 1.0 / 1440.0
cdef double HOURS_PER_SECOND = 1.0 / 3600.0


# ---------------------------------------------------------------- state machine

cdef inline int transition_target(int state, int command) noexcept nogil:
    """State a command leads to from ``state``; -1 when not allowed there."""
    if command == CMD_START:
        return ST_STARTING if state == ST_IDLE else -1
    if command == CMD_COMPLETE:
        return ST_COMPLETING if state == ST_EXECUTE else -1
    if command == CMD_PAUSE:
        return ST_PAUSING if state == ST_EXECUTE else -1
    if command == CMD_RESUME:
        return ST_RESUMING if state == ST_PAUSED else -1
    if command == CMD_HOLD:
        if (state == ST_STARTING or state == ST_EXECUTE or state == ST_COMPLETING
                or state == ST_PAUSING or state == ST_PAUSED or state == ST_RESUMING
                or state == ST_UNHOLDING):
            return ST_HOLDING
        return -1
    if command == CMD_UNHOLD:
        return ST_UNHOLDING if state == ST_HELD else -1
    if command == CMD_STOP:
        if (state == ST_COMPLETED or state == ST_STOPPING or state == ST_STOPPED
                or state == ST_ABORTING or state == ST_ABORTED):
            return -1
        return ST_STOPPING
    if command == CMD_ABORT:
        if state == ST_ABORTING or state == ST_ABORTED:
            return -1
        return ST_ABORTING
    if command == CMD_RESET:
        if state == ST_COMPLETED or state == ST_STOPPED or state == ST_ABORTED:
            return ST_RESETTING
        return -1
    return -1


cdef int ACTING_COMPLETION[16]      # acting state → quiescent state; -1 for quiescent states


cdef void _fill_acting_completion():
    cdef int k
    for k in range(16):
        ACTING_COMPLETION[k] = -1
    ACTING_COMPLETION[ST_STARTING] = ST_EXECUTE
    ACTING_COMPLETION[ST_RESUMING] = ST_EXECUTE
    ACTING_COMPLETION[ST_UNHOLDING] = ST_EXECUTE
    ACTING_COMPLETION[ST_COMPLETING] = ST_COMPLETED
    ACTING_COMPLETION[ST_PAUSING] = ST_PAUSED
    ACTING_COMPLETION[ST_HOLDING] = ST_HELD
    ACTING_COMPLETION[ST_STOPPING] = ST_STOPPED
    ACTING_COMPLETION[ST_ABORTING] = ST_ABORTED
    ACTING_COMPLETION[ST_RESETTING] = ST_IDLE


_fill_acting_completion()


cdef inline int acting_completion(int state) noexcept nogil:
    """Quiescent state an acting state completes into; -1 for quiescent states."""
    return ACTING_COMPLETION[state & 15]


cdef int ctl_command(ControllerState* c, int module, int command) noexcept nogil:
    """Apply an operator/recipe command; return a RejectionCode (0 = accepted)."""
    cdef int target
    if command == CMD_ACKNOWLEDGE:
        ctl_acknowledge(c, 0xFFFFFFFFu)
        return REJ_ACCEPTED
    if module < 0 or module >= N_MODULES:
        return REJ_UNKNOWN_MODULE
    if command < CMD_START or command > CMD_RESET:
        return REJ_UNKNOWN_COMMAND
    target = transition_target(c.module_state[module], command)
    if target < 0:
        return REJ_NOT_ALLOWED_IN_STATE
    if c.interlock_mask != 0 and (command == CMD_START or command == CMD_RESUME
                                  or command == CMD_UNHOLD):
        return REJ_INTERLOCK_ACTIVE
    c.module_state[module] = target
    c.time_in_state_s[module] = 0.0
    return REJ_ACCEPTED


cdef void ctl_acknowledge(ControllerState* c, unsigned int mask) noexcept nogil:
    """Acknowledge alarms: a latched alarm whose condition has cleared disappears."""
    c.alarm_unacked_mask &= ~mask


# ---------------------------------------------------------------- building blocks

cdef inline bint sensor_failed(SensorCheck* s, double x, double dt_s) noexcept nogil:
    cdef bint valid = (not isnan(x)) and x >= s.valid_min and x <= s.valid_max
    if valid and x == s.last_value:
        s.frozen_s += dt_s
    else:
        s.frozen_s = 0.0
    s.last_value = x
    s.failed = (not valid) or (s.frozen_timeout_s > 0.0 and s.frozen_s >= s.frozen_timeout_s)
    return s.failed


cdef inline bint high_condition(const AlarmState* a, double x) noexcept nogil:
    # The hysteresis keeps an active alarm on until the value is clearly back.
    if a.active:
        return x > a.limit - a.hysteresis
    return x > a.limit


cdef inline bint low_condition(const AlarmState* a, double x) noexcept nogil:
    if a.active:
        return x < a.limit + a.hysteresis
    return x < a.limit


cdef inline unsigned int alarm_update(AlarmState* a, bint condition, double dt_s,
                                     unsigned int* active_mask, unsigned int bit) noexcept nogil:
    """Advance the on-delay and the active mask; return ``bit`` when the alarm
    becomes active now, else 0."""
    if not a.enabled or not condition:
        if a.active or a.pending_s != 0.0:      # only write when something changes
            a.pending_s = 0.0
            a.active = False
            active_mask[0] &= ~bit
        return 0
    if a.active:
        return 0
    a.pending_s += dt_s
    if a.pending_s >= a.on_delay_s:
        a.active = True
        active_mask[0] |= bit
        return bit
    return 0


cdef inline double clamp(double x, double lo, double hi) noexcept nogil:
    if x > hi:
        return hi
    if x < lo:
        return lo
    return x


cdef inline bint in_band(ControllerState* c, int high_alarm, double x) noexcept nogil:
    # Strictly between the low and high alarm limits of the same variable.
    return x < c.alarms[high_alarm].limit and x > c.alarms[high_alarm + 1].limit


# ---------------------------------------------------------------- the step, stage by stage
#
# Each stage below is one numbered part of the step (see the module docstring). They are
# ``cdef inline`` and share what they found through a ``StepFacts`` on ctl_step's stack, so the C
# compiler folds them back into one function: the split costs nothing per step.

cdef struct StepFacts:
    bint t_failed                # the temperature probe is failed this step
    bint ph_failed
    bint do_failed
    bint door                    # the door switch reads open
    bint regulating              # a culture module (transduction, expansion) is active
    bint was_regulating          # ... it was at the previous step
    bint perfusing               # expansion is in EXECUTE


cdef inline void check_sensors(ControllerState* c, const ControlInputs* inp, double dt_s,
                               StepFacts* f) noexcept nogil:
    """1. Each probe is failed when NaN, outside its valid range, or frozen."""
    f.t_failed = sensor_failed(&c.sensors[SENSOR_TEMPERATURE], inp.temperature_c, dt_s)
    f.ph_failed = sensor_failed(&c.sensors[SENSOR_PH], inp.ph, dt_s)
    f.do_failed = sensor_failed(&c.sensors[SENSOR_DO], inp.do_pct, dt_s)


cdef inline void update_interlocks(ControllerState* c, const ControlInputs* inp, StepFacts* f) noexcept nogil:
    """2. Door, over-temperature (with hysteresis), failed sensors and pump occlusion, as a bit mask."""
    cdef double t = inp.temperature_c
    cdef double line_kpa = inp.pump_line_kpa
    f.door = inp.door_open != 0.0
    if not f.t_failed:               # a failed probe neither trips nor releases over-temperature
        if t >= c.over_temperature_trip_c:
            c.over_temperature = True
        elif t < c.over_temperature_trip_c - c.over_temperature_hysteresis_c:
            c.over_temperature = False
    if isnan(line_kpa):              # no pump-line transducer: never occluded
        c.occluded = False
    elif c.occluded:
        c.occluded = line_kpa > (c.alarms[ALARM_PUMP_OCCLUSION].limit
                                 - c.alarms[ALARM_PUMP_OCCLUSION].hysteresis)
    else:
        c.occluded = line_kpa > c.alarms[ALARM_PUMP_OCCLUSION].limit
    c.interlock_mask = (<unsigned int>f.door | (<unsigned int>c.over_temperature << 1)
                        | (<unsigned int>f.t_failed << 2) | (<unsigned int>f.ph_failed << 3)
                        | (<unsigned int>f.do_failed << 4) | (<unsigned int>c.occluded << 5))


cdef inline void advance_state_machines(ControllerState* c, double dt_s, StepFacts* f) noexcept nogil:
    """3. Acting states finish after ``acting_state_duration_s``; then: is a culture module active?"""
    cdef int m, done
    for m in range(N_MODULES):
        c.time_in_state_s[m] += dt_s
        done = acting_completion(c.module_state[m])
        if done >= 0 and c.time_in_state_s[m] >= c.acting_state_duration_s:
            c.module_state[m] = done
            c.time_in_state_s[m] = 0.0
    f.regulating = (((REGULATING_STATES_MASK >> c.module_state[MODULE_TRANSDUCTION]) & 1u)
                    or ((REGULATING_STATES_MASK >> c.module_state[MODULE_EXPANSION]) & 1u))
    f.perfusing = c.module_state[MODULE_EXPANSION] == ST_EXECUTE
    f.was_regulating = c.regulating
    c.regulating = f.regulating


cdef inline void rest_loops(ControllerState* c) noexcept nogil:
    """4, no culture module active: loops cold, setpoint at its target, limit alarms disarmed."""
    pid_clear(&c.temperature_pid)
    pid_clear(&c.ph_pid)
    pid_clear(&c.do_pid)
    c.temperature_setpoint_c = c.temperature_target_c
    c.armed[0] = False
    c.armed[1] = False
    c.armed[2] = False


cdef inline void temperature_loop(ControllerState* c, double t, const StepFacts* f, double dt_s,
                                  ControlOutputs* o) noexcept nogil:
    """4a. Heater PID on a ramped setpoint; a failed probe gives the safe output, over-temperature 0 %."""
    cdef double step_c
    # bumpless start: the ramp starts from the culture's temperature
    if not f.was_regulating and c.temperature_ramp_c_per_s > 0.0 and not f.t_failed:
        c.temperature_setpoint_c = t
    if c.temperature_ramp_c_per_s > 0.0:
        step_c = c.temperature_ramp_c_per_s * dt_s
        c.temperature_setpoint_c = clamp(c.temperature_target_c,
                                         c.temperature_setpoint_c - step_c,
                                         c.temperature_setpoint_c + step_c)
    else:
        c.temperature_setpoint_c = c.temperature_target_c
    if f.t_failed:
        o.heater_pct = c.safe_heater_pct
        pid_track(&c.temperature_pid, c.temperature_setpoint_c, NAN, o.heater_pct)
        return
    o.heater_pct = pid_step(&c.temperature_pid, c.temperature_setpoint_c, t, dt_s)
    if c.over_temperature:
        o.heater_pct = 0.0
        pid_track(&c.temperature_pid, c.temperature_setpoint_c, t, 0.0)
    if not c.armed[0] and in_band(c, 0, t):
        c.armed[0] = True


cdef inline void ph_loop(ControllerState* c, double ph, const StepFacts* f, double dt_s,
                         ControlOutputs* o) noexcept nogil:
    """4b. pH split range: below 0 the CO2 valve (lowers pH), above 0 the base pump; an error
    inside the dead band counts as zero."""
    cdef double e, u
    if f.ph_failed:
        pid_track(&c.ph_pid, c.ph_setpoint, NAN, 0.0)
        return
    e = c.ph_setpoint - ph
    if e > c.ph_deadband:
        e = e - c.ph_deadband
    elif e < -c.ph_deadband:
        e = e + c.ph_deadband
    else:
        e = 0.0
    u = pid_step(&c.ph_pid, c.ph_setpoint, c.ph_setpoint - e, dt_s)
    if u < 0.0:
        o.co2_valve_pct = -u * c.co2_valve_max_pct * PER_PCT
    else:
        o.base_pump_ml_min = u * c.base_pump_max_ml_min * PER_PCT
    if not c.armed[1] and in_band(c, 2, ph):
        c.armed[1] = True


cdef inline void do_cascade(ControllerState* c, double do_pct, const StepFacts* f, double dt_s,
                            ControlOutputs* o) noexcept nogil:
    """4c. DO cascade: 0..100 % of the PID output drives rocking, 100..200 % O2 enrichment."""
    cdef double u
    if f.do_failed:
        o.rocking_rpm = c.safe_rocking_rpm
        o.o2_enrichment_pct = c.safe_o2_enrichment_pct
        pid_track(&c.do_pid, c.do_setpoint_pct, NAN, 0.0)
        return
    u = pid_step(&c.do_pid, c.do_setpoint_pct, do_pct, dt_s)
    if u <= 100.0:
        o.rocking_rpm = c.rocking_min_rpm + (c.rocking_max_rpm - c.rocking_min_rpm) * u * PER_PCT
    else:
        o.rocking_rpm = c.rocking_max_rpm
        o.o2_enrichment_pct = c.o2_enrichment_max_pct * (u - 100.0) * PER_PCT
    if not c.armed[2] and in_band(c, 4, do_pct):
        c.armed[2] = True


cdef inline void perfusion_schedule(ControllerState* c, const ControlInputs* inp, const StepFacts* f,
                                    double dt_s, ControlOutputs* o) noexcept nogil:
    """4d. Perfusion rate from the schedule (by hours in EXECUTE or by cell density), only while
    expansion is in EXECUTE; an unknown cell density holds the current rate."""
    cdef int k
    cdef double x
    if not f.perfusing:
        return
    c.perfusion_time_s += dt_s
    if c.perfusion_by_time:
        x = c.perfusion_time_s * HOURS_PER_SECOND
    else:
        x = inp.cell_density_e6_per_ml
    if not isnan(x):
        k = 0
        while k < c.n_perfusion_thresholds and x >= c.perfusion_thresholds[k]:
            k += 1
        c.perfusion_rate_ml_day = c.perfusion_rates_ml_day[k]
    o.perfusion_ml_min = c.perfusion_rate_ml_day * DAYS_PER_MINUTE


cdef inline unsigned int alarm_conditions(ControllerState* c, const ControlInputs* inp,
                                          const StepFacts* f) noexcept nogil:
    """5a. Which alarms' conditions hold now, one bit per alarm (bit = ``codes.Alarm`` value).

    Limit alarms only while regulating and once armed; gas-supply alarms while regulating and a
    transducer is fitted (not NaN); failed sensors, over-temperature and occlusion always."""
    cdef unsigned int conditions = 0
    if f.regulating:
        if c.armed[0] and not f.t_failed:
            conditions |= (<unsigned int>high_condition(&c.alarms[0], inp.temperature_c)
                           | (<unsigned int>low_condition(&c.alarms[1], inp.temperature_c) << 1))
        if c.armed[1] and not f.ph_failed:
            conditions |= ((<unsigned int>high_condition(&c.alarms[2], inp.ph) << 2)
                           | (<unsigned int>low_condition(&c.alarms[3], inp.ph) << 3))
        if c.armed[2] and not f.do_failed:
            conditions |= ((<unsigned int>high_condition(&c.alarms[4], inp.do_pct) << 4)
                           | (<unsigned int>low_condition(&c.alarms[5], inp.do_pct) << 5))
        conditions |= <unsigned int>f.door << 9
        if not isnan(inp.co2_supply_bar):
            conditions |= (<unsigned int>low_condition(&c.alarms[ALARM_CO2_SUPPLY_LOW], inp.co2_supply_bar)
                           << ALARM_CO2_SUPPLY_LOW)
        if not isnan(inp.o2_supply_bar):
            conditions |= (<unsigned int>low_condition(&c.alarms[ALARM_O2_SUPPLY_LOW], inp.o2_supply_bar)
                           << ALARM_O2_SUPPLY_LOW)
    conditions |= ((<unsigned int>f.t_failed << 6) | (<unsigned int>f.ph_failed << 7)
                   | (<unsigned int>f.do_failed << 8) | (<unsigned int>c.over_temperature << 10)
                   | (<unsigned int>c.occluded << ALARM_PUMP_OCCLUSION))
    return conditions


cdef inline unsigned int update_alarms(ControllerState* c, unsigned int conditions, double dt_s) noexcept nogil:
    """5b. On-delays and latches; returns the alarms that became active in this step.

    Only alarms with a condition, a running on-delay or an active state need updating (in a
    healthy culture: none, which keeps the step short)."""
    cdef int k
    cdef unsigned int new_alarms = 0
    cdef unsigned int work = conditions | c.alarm_busy_mask
    if work:
        for k in range(N_ALARMS):
            if (work >> k) & 1u:
                new_alarms |= alarm_update(&c.alarms[k], (conditions >> k) & 1u, dt_s,
                                           &c.alarm_active_mask, 1u << k)
                if c.alarms[k].active or c.alarms[k].pending_s != 0.0:
                    c.alarm_busy_mask |= 1u << k
                else:
                    c.alarm_busy_mask &= ~(1u << k)
    c.alarm_unacked_mask |= new_alarms
    return new_alarms


cdef inline int highest_priority(const ControllerState* c) noexcept nogil:
    """5c. The most urgent priority (lowest number) among the alarms shown; 0 when none is."""
    cdef int k
    cdef int best = 0
    cdef unsigned int shown = c.alarm_active_mask | c.alarm_unacked_mask
    if shown:
        for k in range(N_ALARMS):
            if ((shown >> k) & 1u) and (best == 0 or c.alarms[k].priority < best):
                best = c.alarms[k].priority
    return best


cdef inline void hold_on_urgent_alarm(ControllerState* c, unsigned int new_alarms) noexcept nogil:
    """5d. A new alarm of ``auto_hold_priority`` or more urgent holds every module that can be held."""
    cdef int k, m, st
    cdef unsigned int hold_alarms = 0
    if not new_alarms:
        return
    for k in range(N_ALARMS):
        if ((new_alarms >> k) & 1u) and c.alarms[k].priority <= c.auto_hold_priority:
            hold_alarms |= 1u << k
    if not hold_alarms:
        return
    for m in range(N_MODULES):
        st = transition_target(c.module_state[m], CMD_HOLD)
        if st >= 0:
            c.module_state[m] = st
            c.time_in_state_s[m] = 0.0


cdef inline unsigned int packed_module_states(const ControllerState* c) noexcept nogil:
    """Every module's state in 4 bits, module 0 lowest."""
    cdef int m
    cdef unsigned int packed = 0
    for m in range(N_MODULES):
        packed |= (<unsigned int>c.module_state[m]) << (4 * m)
    return packed


cdef void ctl_step(ControllerState* c, const ControlInputs* inp, double dt_s,
                   ControlOutputs* out) noexcept nogil:
    """One control period: the stages in the order the module docstring lists them."""
    cdef StepFacts f
    cdef ControlOutputs o            # on the stack, copied out once: the stages write no shared memory
    cdef unsigned int new_alarms
    o.heater_pct = 0.0
    o.co2_valve_pct = 0.0
    o.base_pump_ml_min = 0.0
    o.rocking_rpm = 0.0
    o.o2_enrichment_pct = 0.0
    o.perfusion_ml_min = 0.0

    c.time_s += dt_s
    check_sensors(c, inp, dt_s, &f)
    update_interlocks(c, inp, &f)
    advance_state_machines(c, dt_s, &f)
    if not f.regulating:
        rest_loops(c)
    else:
        temperature_loop(c, inp.temperature_c, &f, dt_s, &o)
        ph_loop(c, inp.ph, &f, dt_s, &o)
        do_cascade(c, inp.do_pct, &f, dt_s, &o)
        perfusion_schedule(c, inp, &f, dt_s, &o)
        if f.door or c.occluded:     # the door open or a blocked line stops the pumps
            o.base_pump_ml_min = 0.0
            o.perfusion_ml_min = 0.0
    new_alarms = update_alarms(c, alarm_conditions(c, inp, &f), dt_s)
    o.highest_priority = highest_priority(c)
    hold_on_urgent_alarm(c, new_alarms)

    o.temperature_setpoint_c = c.temperature_setpoint_c
    o.alarm_active_mask = c.alarm_active_mask
    o.alarm_unacked_mask = c.alarm_unacked_mask
    o.interlock_mask = c.interlock_mask
    o.module_states = packed_module_states(c)
    out[0] = o


cdef inline void write_row(const ControlOutputs* o, double[:, ::1] outputs, Py_ssize_t i) noexcept nogil:
    outputs[i, 0] = o.heater_pct
    outputs[i, 1] = o.co2_valve_pct
    outputs[i, 2] = o.base_pump_ml_min
    outputs[i, 3] = o.rocking_rpm
    outputs[i, 4] = o.o2_enrichment_pct
    outputs[i, 5] = o.perfusion_ml_min
    outputs[i, 6] = o.temperature_setpoint_c
    outputs[i, 7] = o.alarm_active_mask
    outputs[i, 8] = o.alarm_unacked_mask
    outputs[i, 9] = o.interlock_mask
    outputs[i, 10] = o.highest_priority
    outputs[i, 11] = o.module_states


# ---------------------------------------------------------------- Python API

cdef class ControlOutputsView:
    """Actuator commands and status after one step (a read-only snapshot)."""

    cdef readonly double heater_pct
    cdef readonly double co2_valve_pct
    cdef readonly double base_pump_ml_min
    cdef readonly double rocking_rpm
    cdef readonly double o2_enrichment_pct
    cdef readonly double perfusion_ml_min
    cdef readonly double temperature_setpoint_c
    cdef readonly unsigned int alarm_active_mask
    cdef readonly unsigned int alarm_unacked_mask
    cdef readonly unsigned int interlock_mask
    cdef readonly int highest_priority
    cdef readonly unsigned int module_states

    def as_row(self):
        """The outputs as a tuple in ``codes.OUTPUT_COLUMNS`` order."""
        return (self.heater_pct, self.co2_valve_pct, self.base_pump_ml_min, self.rocking_rpm,
                self.o2_enrichment_pct, self.perfusion_ml_min, self.temperature_setpoint_c,
                float(self.alarm_active_mask), float(self.alarm_unacked_mask),
                float(self.interlock_mask), float(self.highest_priority),
                float(self.module_states))

    def __repr__(self):
        return "ControlOutputsView(" + ", ".join(
            f"{name}={value!r}" for name, value in zip(_codes.OUTPUT_COLUMNS, self.as_row())) + ")"


cdef ControlOutputsView _view(const ControlOutputs* o):
    cdef ControlOutputsView v = ControlOutputsView.__new__(ControlOutputsView)
    v.heater_pct = o.heater_pct
    v.co2_valve_pct = o.co2_valve_pct
    v.base_pump_ml_min = o.base_pump_ml_min
    v.rocking_rpm = o.rocking_rpm
    v.o2_enrichment_pct = o.o2_enrichment_pct
    v.perfusion_ml_min = o.perfusion_ml_min
    v.temperature_setpoint_c = o.temperature_setpoint_c
    v.alarm_active_mask = o.alarm_active_mask
    v.alarm_unacked_mask = o.alarm_unacked_mask
    v.interlock_mask = o.interlock_mask
    v.highest_priority = o.highest_priority
    v.module_states = o.module_states
    return v


cdef void _init_pid(PidState* s, double kp, double ki, double kd, double out_min, double out_max):
    if not out_min < out_max:
        raise ValueError(f"output range [{out_min}, {out_max}] is empty")
    s.kp = kp
    s.ki = ki
    s.kd = kd
    s.out_min = out_min
    s.out_max = out_max
    s.manual = False
    s.manual_output = 0.0
    pid_clear(s)


cdef void _init_sensor(SensorCheck* s, dict cfg):
    s.valid_min = cfg["valid_min"]
    s.valid_max = cfg["valid_max"]
    s.frozen_timeout_s = cfg["frozen_timeout_s"]
    s.last_value = NAN
    s.frozen_s = 0.0
    s.failed = False


cdef PidState* _loop(ControllerState* c, int loop) except NULL:
    if loop == 0:
        return &c.temperature_pid
    if loop == 1:
        return &c.ph_pid
    if loop == 2:
        return &c.do_pid
    raise ValueError(f"unknown loop {loop}")


ALARM_KINDS = _codes.ALARM_KINDS


cdef class Controller:
    """The whole control core behind a Python API.

    Build it from a profile with :func:`mimedi_qual.control.parameters.build_controller`;
    the constructor takes the profile as a plain nested mapping
    (``ControllerProfile.model_dump()``), the same mapping the pure-Python
    reference takes.
    """

    def __init__(self, config):
        self.configure(config)

    def configure(self, config):
        """Load parameters and return to the power-on state (all modules IDLE)."""
        cdef int k
        t = config["temperature"]
        ph = config["ph"]
        dox = config["dissolved_oxygen"]
        perf = config["perfusion"]
        sm = config["state_machine"]
        self.c.period_s = config["period_s"]
        self.c.temperature_target_c = t["setpoint_c"]
        self.c.temperature_ramp_c_per_s = t["setpoint_ramp_c_per_s"]
        self.c.over_temperature_trip_c = t["over_temperature_trip_c"]
        self.c.over_temperature_hysteresis_c = t["over_temperature_hysteresis_c"]
        self.c.safe_heater_pct = t["safe_heater_pct"]
        _init_pid(&self.c.temperature_pid, t["kp_pct_per_c"], t["ki_pct_per_c_s"],
                  t["kd_pct_s_per_c"], t["heater_min_pct"], t["heater_max_pct"])
        _init_sensor(&self.c.sensors[SENSOR_TEMPERATURE], t["sensor"])
        self.c.ph_setpoint = ph["setpoint"]
        self.c.ph_deadband = ph["deadband_ph"]
        self.c.co2_valve_max_pct = ph["co2_valve_max_pct"]
        self.c.base_pump_max_ml_min = ph["base_pump_max_ml_min"]
        _init_pid(&self.c.ph_pid, ph["kp_pct_per_ph"], ph["ki_pct_per_ph_s"], 0.0, -100.0, 100.0)
        _init_sensor(&self.c.sensors[SENSOR_PH], ph["sensor"])
        self.c.do_setpoint_pct = dox["setpoint_pct"]
        self.c.rocking_min_rpm = dox["rocking_min_rpm"]
        self.c.rocking_max_rpm = dox["rocking_max_rpm"]
        self.c.o2_enrichment_max_pct = dox["o2_enrichment_max_pct"]
        self.c.safe_rocking_rpm = dox["safe_rocking_rpm"]
        self.c.safe_o2_enrichment_pct = dox["safe_o2_enrichment_pct"]
        _init_pid(&self.c.do_pid, dox["kp_pct_per_pct"], dox["ki_pct_per_pct_s"], 0.0, 0.0, 200.0)
        _init_sensor(&self.c.sensors[SENSOR_DO], dox["sensor"])
        thresholds = list(perf["thresholds"])
        rates = list(perf["rates_ml_day"])
        if len(thresholds) > MAX_SCHEDULE_THRESHOLDS or len(rates) != len(thresholds) + 1:
            raise ValueError("perfusion schedule needs at most 8 thresholds and one rate more")
        self.c.perfusion_by_time = perf["schedule_by"] == "elapsed_time"
        self.c.n_perfusion_thresholds = len(thresholds)
        for k in range(len(thresholds)):
            self.c.perfusion_thresholds[k] = thresholds[k]
        for k in range(len(rates)):
            self.c.perfusion_rates_ml_day[k] = rates[k]
        self.c.acting_state_duration_s = sm["acting_state_duration_s"]
        self.c.auto_hold_priority = sm["auto_hold_priority"]
        alarms = config["alarms"]
        for k, alarm in enumerate(_codes.Alarm):
            a = alarms[alarm.name.lower()]
            self.c.alarms[k].enabled = a["enabled"]
            self.c.alarms[k].kind = ALARM_KINDS[k]
            self.c.alarms[k].limit = a.get("limit", 0.0) or 0.0
            self.c.alarms[k].hysteresis = a.get("hysteresis", 0.0) or 0.0
            self.c.alarms[k].on_delay_s = a["on_delay_s"]
            self.c.alarms[k].priority = a["priority"]
        self.reset()

    def reset(self):
        """Power-on state: modules IDLE, loops cold, alarms cleared, time zero."""
        cdef int k
        self.c.time_s = 0.0
        for k in range(N_MODULES):
            self.c.module_state[k] = ST_IDLE
            self.c.time_in_state_s[k] = 0.0
        self.c.perfusion_time_s = 0.0
        self.c.perfusion_rate_ml_day = self.c.perfusion_rates_ml_day[0]
        self.c.temperature_setpoint_c = self.c.temperature_target_c
        self.c.over_temperature = False
        self.c.occluded = False
        self.c.regulating = False
        for k in range(N_SENSORS):
            self.c.armed[k] = False
            self.c.sensors[k].last_value = NAN
            self.c.sensors[k].frozen_s = 0.0
            self.c.sensors[k].failed = False
        for k in range(N_ALARMS):
            self.c.alarms[k].pending_s = 0.0
            self.c.alarms[k].active = False
        self.c.alarm_active_mask = 0
        self.c.alarm_busy_mask = 0
        self.c.alarm_unacked_mask = 0
        self.c.interlock_mask = 0
        pid_clear(&self.c.temperature_pid)
        pid_clear(&self.c.ph_pid)
        pid_clear(&self.c.do_pid)
        self.c.temperature_pid.manual = False
        self.c.ph_pid.manual = False
        self.c.do_pid.manual = False

    def step(self, double temperature_c, double ph, double do_pct,
             double cell_density_e6_per_ml=NAN, bint door_open=False, double dt_s=-1.0,
             double co2_supply_bar=NAN, double o2_supply_bar=NAN, double pump_line_kpa=NAN):
        """One control period from Python; ``dt_s`` defaults to the profile's period.

        Gas-supply and pump-line pressures default to NaN: no transducer fitted,
        so no supply or occlusion alarm."""
        cdef ControlInputs inp
        inp.temperature_c = temperature_c
        inp.ph = ph
        inp.do_pct = do_pct
        inp.cell_density_e6_per_ml = cell_density_e6_per_ml
        inp.door_open = 1.0 if door_open else 0.0
        inp.co2_supply_bar = co2_supply_bar
        inp.o2_supply_bar = o2_supply_bar
        inp.pump_line_kpa = pump_line_kpa
        if dt_s < 0.0:
            dt_s = self.c.period_s
        ctl_step(&self.c, &inp, dt_s, &self.last)
        return _view(&self.last)

    def step_batch(self, const double[:, ::1] inputs, double[:, ::1] outputs, double dt_s,
                   const int[::1] commands=None, int[::1] command_results=None):
        """Step once per input row in a C loop with the GIL released.

        ``inputs`` is n × 8 (``codes.INPUT_COLUMNS``), ``outputs`` n × 12
        (``codes.OUTPUT_COLUMNS``). ``commands`` (optional, int32, one per
        row, ``codes.encode_command``; 0 = none) is applied *before* that row's
        step; its rejection code goes to ``command_results``. Returns n.
        """
        cdef Py_ssize_t i, n = inputs.shape[0]
        cdef ControlInputs inp
        cdef int word, result
        cdef bint has_commands = commands is not None
        cdef bint has_results = command_results is not None
        if inputs.shape[1] != N_INPUT_COLUMNS or outputs.shape[1] != N_OUTPUT_COLUMNS:
            raise ValueError(f"inputs must be n×{N_INPUT_COLUMNS} and outputs n×{N_OUTPUT_COLUMNS}")
        if outputs.shape[0] != n:
            raise ValueError("inputs and outputs must have the same number of rows")
        if has_commands and commands.shape[0] != n:
            raise ValueError("commands must have one entry per input row")
        if has_results and (not has_commands or command_results.shape[0] != n):
            raise ValueError("command_results needs commands and one entry per input row")
        with nogil:
            for i in range(n):
                if has_commands:
                    word = commands[i]
                    result = 0
                    if word != 0:
                        result = ctl_command(&self.c, word >> 4, word & 0xF)
                    if has_results:
                        command_results[i] = result
                inp.temperature_c = inputs[i, 0]
                inp.ph = inputs[i, 1]
                inp.do_pct = inputs[i, 2]
                inp.cell_density_e6_per_ml = inputs[i, 3]
                inp.door_open = inputs[i, 4]
                inp.co2_supply_bar = inputs[i, 5]
                inp.o2_supply_bar = inputs[i, 6]
                inp.pump_line_kpa = inputs[i, 7]
                ctl_step(&self.c, &inp, dt_s, &self.last)
                write_row(&self.last, outputs, i)
        return n

    def command(self, int module, int command):
        """Send an MTP command to a module; returns ``codes.CommandResult``.

        >>> ctl.command(Module.EXPANSION, Command.UNHOLD)       # doctest: +SKIP
        CommandResult(accepted=False, rejection=<Rejection.NOT_ALLOWED_IN_STATE: 3>,
                      reason='UNHOLD not allowed for EXPANSION in state IDLE')
        """
        cdef int state = self.c.module_state[module] if 0 <= module < N_MODULES else 0
        code = ctl_command(&self.c, module, command)
        return _codes.command_result(code, module, command, state)

    def acknowledge(self, unsigned int mask=0xFFFFFFFF):
        """Acknowledge the alarms in ``mask`` (default: all)."""
        ctl_acknowledge(&self.c, mask)

    def set_manual(self, int loop, double output):
        """Put a loop (``codes.Loop``) in manual at ``output`` in the loop's output units.

        Interlocks and sensor-failure safe outputs still override it."""
        cdef PidState* s = _loop(&self.c, loop)
        s.manual = True
        s.manual_output = output

    def set_auto(self, int loop):
        """Back to automatic, bumpless: the integrator has tracked the manual output."""
        _loop(&self.c, loop).manual = False

    def set_temperature_setpoint(self, double temperature_c):
        """New temperature target; the working setpoint ramps to it if a ramp is set."""
        self.c.temperature_target_c = temperature_c

    def set_ph_setpoint(self, double ph):
        self.c.ph_setpoint = ph

    def alarm_limit(self, int alarm):
        """The limit of a limit alarm (``codes.Alarm``), in the alarmed variable's unit."""
        if not 0 <= alarm < N_ALARMS or self.c.alarms[alarm].kind == 0:
            raise ValueError(f"alarm {alarm} has no limit")
        return self.c.alarms[alarm].limit

    def set_alarm_limit(self, int alarm, double limit):
        """Move a limit alarm's limit. An alarm already active stays active until its
        condition clears against the new limit (with its hysteresis)."""
        if not 0 <= alarm < N_ALARMS or self.c.alarms[alarm].kind == 0:
            raise ValueError(f"alarm {alarm} has no limit")
        if isnan(limit):
            raise ValueError("an alarm limit must be a number")
        self.c.alarms[alarm].limit = limit

    def set_do_setpoint(self, double do_pct):
        self.c.do_setpoint_pct = do_pct

    def module_state(self, int module):
        """Current ``codes.ModuleState`` of a module."""
        if not 0 <= module < N_MODULES:
            raise ValueError(f"unknown module {module}")
        return _codes.ModuleState(self.c.module_state[module])

    @property
    def period_s(self):
        return self.c.period_s

    @property
    def time_s(self):
        return self.c.time_s

    @property
    def alarm_active_mask(self):
        return self.c.alarm_active_mask

    @property
    def alarm_unacked_mask(self):
        return self.c.alarm_unacked_mask

    @property
    def interlock_mask(self):
        return self.c.interlock_mask

    @property
    def last_outputs(self):
        return _view(&self.last)

    def snapshot(self):
        """Every piece of internal state as plain numbers (for equivalence tests)."""
        cdef int k
        return {
            "time_s": self.c.time_s,
            "module_state": [self.c.module_state[k] for k in range(N_MODULES)],
            "time_in_state_s": [self.c.time_in_state_s[k] for k in range(N_MODULES)],
            "perfusion_time_s": self.c.perfusion_time_s,
            "perfusion_rate_ml_day": self.c.perfusion_rate_ml_day,
            "temperature_setpoint_c": self.c.temperature_setpoint_c,
            "over_temperature": bool(self.c.over_temperature),
            "occluded": bool(self.c.occluded),
            "regulating": bool(self.c.regulating),
            "armed": [bool(self.c.armed[k]) for k in range(N_SENSORS)],
            "alarm_active_mask": self.c.alarm_active_mask,
            "alarm_unacked_mask": self.c.alarm_unacked_mask,
            "interlock_mask": self.c.interlock_mask,
            "integrals": [self.c.temperature_pid.integral, self.c.ph_pid.integral,
                          self.c.do_pid.integral],
            "alarm_pending_s": [self.c.alarms[k].pending_s for k in range(N_ALARMS)],
            "sensor_frozen_s": [self.c.sensors[k].frozen_s for k in range(N_SENSORS)],
        }


def _check_codes():
    # The C enums and codes.py must agree, or the Python API would lie.
    assert [s.value for s in _codes.ModuleState] == list(range(16))
    assert _codes.Command.ACKNOWLEDGE == CMD_ACKNOWLEDGE and _codes.Command.RESET == CMD_RESET
    assert len(_codes.Alarm) == N_ALARMS and len(_codes.Module) == N_MODULES
    assert len(_codes.ALARM_KINDS) == N_ALARMS
    assert (_codes.Alarm.CO2_SUPPLY_LOW, _codes.Alarm.O2_SUPPLY_LOW, _codes.Alarm.PUMP_OCCLUSION) == (
        ALARM_CO2_SUPPLY_LOW, ALARM_O2_SUPPLY_LOW, ALARM_PUMP_OCCLUSION)
    assert len(_codes.INPUT_COLUMNS) == N_INPUT_COLUMNS
    assert len(_codes.OUTPUT_COLUMNS) == N_OUTPUT_COLUMNS
    for command, table in _codes.TRANSITIONS.items():
        for state in _codes.ModuleState:
            assert transition_target(state, command) == table.get(state, -1), (command, state)
    for state in _codes.ModuleState:
        assert acting_completion(state) == _codes.ACTING_STATE_COMPLETION.get(state, -1)
    for state in _codes.ModuleState:
        assert bool((REGULATING_STATES_MASK >> state) & 1u) == (state in _codes.REGULATING_STATES)


_check_codes()
