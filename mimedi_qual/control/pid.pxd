# C-level interface of the PID loop, so other compiled modules (the controller,
# the simulated controller's lockstep loop) can step it without the GIL.

from libc.math cimport isnan

cdef struct PidState:
    double kp
    double ki                # 1/s, applied to error * dt
    double kd                # s, derivative on measurement
    double out_min
    double out_max
    double integral          # integrator contribution, in output units
    double prev_measurement
    bint primed              # False until the first step has seen a measurement
    bint manual              # True: output is held at manual_output
    double manual_output

# Defined here, inline, so compiled callers in other modules inline them.

# Make the integrator follow an output imposed from outside (safe output,
# interlock, manual), so the loop resumes from that output without a bump.
cdef inline void pid_track(PidState* s, double setpoint, double measurement, double output) noexcept nogil:
    # Choose the integrator so that the next auto step, with the error
    # unchanged, returns ``output``: the transfer is bumpless.
    if isnan(measurement) or isnan(setpoint):
        s.integral = output
        return
    s.integral = output - s.kp * (setpoint - measurement)
    s.prev_measurement = measurement
    s.primed = True


cdef inline void pid_clear(PidState* s) noexcept nogil:
    s.integral = 0.0
    s.prev_measurement = 0.0
    s.primed = False


# One control period. In manual the output is manual_output (clamped) and the
# integrator tracks it, so returning to auto is bumpless. A NaN measurement or
# setpoint returns out_min: it must never drive the actuator up.
cdef inline double pid_step(PidState* s, double setpoint, double measurement, double dt_s) noexcept nogil:
    cdef double error, p, d, u
    cdef double manual_u
    if s.manual:
        manual_u = s.manual_output
        if manual_u > s.out_max:
            manual_u = s.out_max
        elif manual_u < s.out_min:
            manual_u = s.out_min
        pid_track(s, setpoint, measurement, manual_u)
        return manual_u
    if isnan(measurement) or isnan(setpoint):
        # A measurement we cannot trust must never drive the heater up.
        return s.out_min
    error = setpoint - measurement
    p = s.kp * error
    d = 0.0
    if s.kd != 0.0 and s.primed and dt_s > 0.0:    # skips a division in PI loops
        d = -s.kd * (measurement - s.prev_measurement) / dt_s
    s.prev_measurement = measurement
    s.primed = True
    s.integral += s.ki * error * dt_s
    u = p + s.integral + d
    if u > s.out_max:
        s.integral -= u - s.out_max
        u = s.out_max
    elif u < s.out_min:
        s.integral += s.out_min - u
        u = s.out_min
    # A large proportional term during a long saturation would otherwise drag
    # the integrator far outside the output range, from where it needs hours
    # to come back: the integrator alone never leaves the output range.
    if s.integral > s.out_max:
        s.integral = s.out_max
    elif s.integral < s.out_min:
        s.integral = s.out_min
    return u
