"""Per-step latency of the compiled controller, timed inside the C loop.

The batch figure (total time / steps) hides the tail; a real-time controller
is judged by its worst steps. :func:`timed_steps` reads the monotonic clock
around every single ``ctl_step`` (GIL released) and returns each step's
duration in nanoseconds, so p99.9 and the maximum can be taken. Each figure
includes one clock read (``clock_overhead_ns`` estimates it).

>>> import numpy as np
>>> from mimedi_qual.control.parameters import build_controller
>>> rows = np.tile([37.0, 7.2, 50.0, 3.0, 0.0, 1.5, 1.5, 10.0], (64, 1))   # codes.INPUT_COLUMNS
>>> durations_ns = timed_steps(build_controller(), rows, 1000, 1.0)
>>> durations_ns.shape
(1000,)
"""

import numpy as np

from libc.stdint cimport int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

from mimedi_qual.control.controller cimport (Controller, ControllerState, ControlInputs,
                                             ControlOutputs, N_INPUT_COLUMNS, ctl_step)


cdef inline int64_t now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


def timed_steps(Controller controller, const double[:, ::1] inputs, Py_ssize_t n_steps,
                double dt_s):
    """Step ``n_steps`` times, cycling through the input rows; one duration (ns) per step."""
    cdef Py_ssize_t i, row, n_rows = inputs.shape[0]
    cdef ControlInputs inp
    cdef ControlOutputs out
    cdef ControllerState* c = &controller.c
    cdef int64_t t0, t1
    if inputs.shape[1] != N_INPUT_COLUMNS or n_rows == 0:
        raise ValueError(f"inputs must be a non-empty n×{N_INPUT_COLUMNS} array (codes.INPUT_COLUMNS)")
    durations = np.empty(n_steps, dtype=np.int64)
    cdef int64_t[::1] d = durations
    with nogil:
        for i in range(n_steps):
            row = i % n_rows
            inp.temperature_c = inputs[row, 0]
            inp.ph = inputs[row, 1]
            inp.do_pct = inputs[row, 2]
            inp.cell_density_e6_per_ml = inputs[row, 3]
            inp.door_open = inputs[row, 4]
            inp.co2_supply_bar = inputs[row, 5]
            inp.o2_supply_bar = inputs[row, 6]
            inp.pump_line_kpa = inputs[row, 7]
            t0 = now_ns()
            ctl_step(c, &inp, dt_s, &out)
            t1 = now_ns()
            d[i] = t1 - t0
    return durations


def clock_overhead_ns(Py_ssize_t n=100000):
    """Median duration of an empty pair of clock reads (what every timed step includes)."""
    cdef Py_ssize_t i
    cdef int64_t t0, t1
    samples = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] s = samples
    with nogil:
        for i in range(n):
            t0 = now_ns()
            t1 = now_ns()
            s[i] = t1 - t0
    return float(np.median(samples))
