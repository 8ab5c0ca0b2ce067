# C-level interface of the temperature PID, so other compiled modules (the
# simulated controller's lockstep loop) can step it without the GIL.

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

cdef double pid_step(PidState* s, double setpoint, double measurement, double dt_s) noexcept nogil
