"""Temperature PID of the MiMédi control core (compiled with Cython).

The controller the bioreactor firmware runs on its heater: proportional on
error, integral with anti-windup, derivative on the *measurement* (so a
setpoint change does not kick the heater), output clamped to the heater's
range in percent.

Anti-windup is integrator clamping: whenever the output saturates, the
integrator is pulled back so that ``p + i + d`` sits exactly on the limit, and
the integrator alone never leaves the output range. A long saturated heat-up
therefore leaves neither a charged integrator behind (overshoot) nor one
dragged far below zero by the proportional term (a crawl to the setpoint).

Two ways to drive it, same arithmetic (``pid_step`` in pid.pxd):

>>> pid = TemperaturePID(kp=20.0, ki=0.02, kd=0.0, out_min=0.0, out_max=100.0)
>>> heater_pct = pid.step(37.0, 36.2, 1.0)          # one call from Python
>>> import numpy as np
>>> setpoints, measurements = np.full(600, 37.0), np.linspace(36.0, 37.0, 600)
>>> out = np.empty(600)
>>> pid.step_batch(setpoints, measurements, out, 1.0)  # a C loop, GIL released
600
"""

from libc.math cimport isnan

# pid_step, pid_track and pid_clear are defined inline in pid.pxd, so every
# compiled loop (controller, lockstep) gets them inlined instead of calling
# through a function pointer.


cdef class TemperaturePID:
    """PID with anti-windup, output limits and derivative on measurement.

    Gains are in output units (heater %) per °C: ``kp`` in %/°C, ``ki`` in
    %/(°C·s), ``kd`` in %·s/°C.
    """

    cdef PidState s

    def __init__(self, double kp, double ki, double kd,
                 double out_min=0.0, double out_max=100.0):
        if not out_min < out_max:
            raise ValueError(f"out_min ({out_min}) must be below out_max ({out_max})")
        self.s.kp = kp
        self.s.ki = ki
        self.s.kd = kd
        self.s.out_min = out_min
        self.s.out_max = out_max
        self.reset()

    def reset(self):
        """Forget the integrator and the last measurement (a cold start)."""
        self.s.integral = 0.0
        self.s.prev_measurement = 0.0
        self.s.primed = False
        self.s.manual = False
        self.s.manual_output = 0.0

    def set_manual(self, double output):
        """Hold the output at ``output`` (clamped to the limits); the integrator tracks it."""
        self.s.manual = True
        self.s.manual_output = output

    def set_auto(self):
        """Return to automatic control, bumpless from the last manual output."""
        self.s.manual = False

    @property
    def manual(self):
        """True while the output is held by :meth:`set_manual`."""
        return self.s.manual

    cpdef double step(self, double setpoint, double measurement, double dt_s):
        """One control period: return the heater output in percent."""
        return pid_step(&self.s, setpoint, measurement, dt_s)

    def step_batch(self, const double[::1] setpoints, const double[::1] measurements,
                   double[::1] outputs, double dt_s):
        """Step once per element in a C loop with the GIL released.

        Open loop: the measurements are given, not simulated. Returns the
        number of steps taken.
        """
        cdef Py_ssize_t i, n = setpoints.shape[0]
        if measurements.shape[0] != n or outputs.shape[0] != n:
            raise ValueError("setpoints, measurements and outputs must have the same length")
        with nogil:
            for i in range(n):
                outputs[i] = pid_step(&self.s, setpoints[i], measurements[i], dt_s)
        return n

    @property
    def integral(self):
        """Integrator contribution to the output, in output units."""
        return self.s.integral

    @property
    def out_min(self):
        return self.s.out_min

    @property
    def out_max(self):
        return self.s.out_max
