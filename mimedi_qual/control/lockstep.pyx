"""Controller and thermal plant in lockstep, compiled: days of culture in a blink.

The benchmark's ``closed_loop_14d_s`` and long closed-loop tests need the
controller and a plant stepped together without Python in between. This
module carries a compiled copy of the thermal twin (``twin/thermal.py``: the
same exact-exponential update, same arithmetic) and steps it with the whole
controller through the controller's C API (``controller.pxd``), GIL released.

pH and DO have no plant here: their sensors read the setpoint plus the same
seeded sensor noise (so they are not frozen); cell density is constant.

>>> from mimedi_qual.control.parameters import build_controller
>>> from mimedi_qual.control.codes import Module, Command
>>> ctl = build_controller()
>>> _ = ctl.command(Module.EXPANSION, Command.START)
>>> run = run_thermal_closed_loop(ctl, duration_s=3600.0, initial_temperature_c=22.0,
...                               record_every=60)
>>> run.temperature_c.shape
(60,)
"""

from dataclasses import dataclass

import numpy as np

from libc.math cimport exp
from libc.stdint cimport uint64_t

from mimedi_qual.control.controller cimport (Controller, ControllerState, ControlInputs,
                                             ControlOutputs, ctl_step)


cdef struct ThermalPlant:
    double temperature_c
    double ambient_c
    double ua_w_per_k
    double heat_capacity_j_per_k
    double heater_max_w


cdef inline double heater_power_w(const ThermalPlant* p, double heater_pct) noexcept nogil:
    cdef double pct = heater_pct
    if pct < 0.0:
        pct = 0.0
    if pct > 100.0:
        pct = 100.0
    return p.heater_max_w * pct / 100.0


cdef inline void thermal_step(ThermalPlant* p, double dt_s, double heater_w) noexcept nogil:
    # Same expression order as ThermalModel.step, so results match bit for bit.
    cdef double steady_c = p.ambient_c + heater_w / p.ua_w_per_k
    cdef double decay = exp(-dt_s / (p.heat_capacity_j_per_k / p.ua_w_per_k))
    p.temperature_c = steady_c + (p.temperature_c - steady_c) * decay


cdef inline double uniform_noise(uint64_t* state) noexcept nogil:
    """xorshift64*: a uniform number in [-1, 1), reproducible from the seed."""
    cdef uint64_t x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return <double>((x * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1.0


@dataclass(frozen=True)
class ClosedLoopRun:
    """Recorded trace of a lockstep run (one sample every ``record_every`` steps)."""

    time_s: np.ndarray
    temperature_c: np.ndarray
    heater_pct: np.ndarray
    alarm_unacked_mask: np.ndarray
    final_temperature_c: float
    steps: int


def run_thermal_closed_loop(Controller controller, double duration_s, *,
                            double initial_temperature_c=22.0, double dt_s=1.0,
                            double mass_g=1000.0, double ua_w_per_k=1.5,
                            double heater_max_w=60.0, double ambient_c=22.0,
                            double heat_capacity_j_per_g_k=4.18,
                            double sensor_noise_c=0.01, uint64_t seed=1,
                            Py_ssize_t record_every=0):
    """Run controller + thermal plant for ``duration_s`` at ``dt_s``; nogil inside.

    Defaults are the plant of :mod:`mimedi_qual.twin.thermal`. ``sensor_noise_c`` is
    the half-width of the uniform temperature sensor noise (pH gets a tenth of
    it, DO ten times it). ``record_every`` = 0 records nothing but the end.
    """
    cdef Py_ssize_t n = <Py_ssize_t>(duration_s / dt_s + 0.5)
    cdef Py_ssize_t i, j = 0
    cdef Py_ssize_t n_rec = n // record_every if record_every > 0 else 0
    cdef ThermalPlant plant
    cdef ControlInputs inp
    cdef ControlOutputs out
    cdef ControllerState* c = &controller.c
    cdef uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1
    times = np.zeros(n_rec)
    temps = np.zeros(n_rec)
    heats = np.zeros(n_rec)
    masks = np.zeros(n_rec, dtype=np.uint32)
    cdef double[::1] rec_t = times
    cdef double[::1] rec_temp = temps
    cdef double[::1] rec_heat = heats
    cdef unsigned int[::1] rec_mask = masks
    if ua_w_per_k <= 0.0 or mass_g <= 0.0:
        raise ValueError("mass_g and ua_w_per_k must be positive")
    plant.temperature_c = initial_temperature_c
    plant.ambient_c = ambient_c
    plant.ua_w_per_k = ua_w_per_k
    plant.heat_capacity_j_per_k = mass_g * heat_capacity_j_per_g_k
    plant.heater_max_w = heater_max_w
    inp.cell_density_e6_per_ml = 3.0
    inp.door_open = 0.0
    inp.co2_supply_bar = 1.5              # healthy gas supplies and free pump lines
    inp.o2_supply_bar = 1.5
    inp.pump_line_kpa = 10.0
    with nogil:
        for i in range(n):
            inp.temperature_c = plant.temperature_c + sensor_noise_c * uniform_noise(&rng)
            inp.ph = c.ph_setpoint + 0.1 * sensor_noise_c * uniform_noise(&rng)
            inp.do_pct = c.do_setpoint_pct + 10.0 * sensor_noise_c * uniform_noise(&rng)
            ctl_step(c, &inp, dt_s, &out)
            thermal_step(&plant, dt_s, heater_power_w(&plant, out.heater_pct))
            if n_rec > 0 and (i + 1) % record_every == 0 and j < n_rec:
                rec_t[j] = (i + 1) * dt_s
                rec_temp[j] = plant.temperature_c
                rec_heat[j] = out.heater_pct
                rec_mask[j] = out.alarm_unacked_mask
                j += 1
    return ClosedLoopRun(times, temps, heats, masks, plant.temperature_c, n)


def thermal_plant_trace(double initial_temperature_c, const double[::1] heater_pct, double dt_s,
                        *, double mass_g=1000.0, double ua_w_per_k=1.5,
                        double heater_max_w=60.0, double ambient_c=22.0,
                        double heat_capacity_j_per_g_k=4.18):
    """Temperatures of the compiled plant under a given heater sequence.

    For the test that proves this plant equals ``twin.thermal.ThermalModel``.
    """
    cdef ThermalPlant plant
    cdef Py_ssize_t i, n = heater_pct.shape[0]
    result = np.empty(n)
    cdef double[::1] r = result
    plant.temperature_c = initial_temperature_c
    plant.ambient_c = ambient_c
    plant.ua_w_per_k = ua_w_per_k
    plant.heat_capacity_j_per_k = mass_g * heat_capacity_j_per_g_k
    plant.heater_max_w = heater_max_w
    with nogil:
        for i in range(n):
            thermal_step(&plant, dt_s, heater_power_w(&plant, heater_pct[i]))
            r[i] = plant.temperature_c
    return result
