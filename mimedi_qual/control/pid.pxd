# C-level interface of the PID loop, so other compiled modules (the controller,
# the simulated controller's lockstep loop) can step it without the GIL.

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

# One control period. In manual the output is manual_output and the integrator
# tracks it, so returning to auto is bumpless.
cdef double pid_step(PidState* s, double setpoint, double measurement, double dt_s) noexcept nogil

# Make the integrator follow an output imposed from outside (safe output,
# interlock), so the loop resumes from that output without a bump.
cdef void pid_track(PidState* s, double setpoint, double measurement, double output) noexcept nogil

# Cold start: forget integrator and last measurement (keeps gains and auto/manual).
cdef void pid_clear(PidState* s) noexcept nogil
