"""Compiled expansion-culture step: the hot loop of the twin (Cython, nogil).

The arithmetic is line for line that of ``culture_reference.py`` (read that
module for the equations); an equivalence test holds the two together. State
and parameters live in C structs; ``advance`` runs ``n_steps`` fixed steps
with constant actuators without touching a Python object, so a 14-day
culture at a 1 s step (1.2 million steps) takes a fraction of a second.

Callers use ``mimedi_qual.twin.culture.Culture``, not this class directly::

    kernel = CultureKernel(parameters_dict, initial_state_dict)
    # n_steps, dt_s, heater %, CO2 valve %, base, feed, perfusion mL/min, rpm, angle deg, O2 %
    kernel.advance(3600, 1.0, 40.0, 50.0, 0.0, 0.0, 0.0, 10.0, 6.0, 0.0)
    kernel.get_state()["temperature_c"]
"""

from libc.math cimport exp, log10, pow
from libc.string cimport memset


cdef double GAS_CONSTANT_L_ATM_PER_MOL_K = 0.082057
cdef double MIN_CONCENTRATION_MM = 1e-9


cdef inline double clamp(double x, double lo, double hi) noexcept nogil:
    return lo if x < lo else (hi if x > hi else x)


cdef inline double fmax(double a, double b) noexcept nogil:
    return a if a > b else b


cdef inline double relax_by(double value, double equilibrium, double decay) noexcept nogil:
    return equilibrium + (value - equilibrium) * decay


cdef inline double relax(double value, double equilibrium, double rate_per_h, double dt_h) noexcept nogil:
    return equilibrium + (value - equilibrium) * exp(-rate_per_h * dt_h)


cdef double kla_o2(const Params* p, double rpm, double angle_deg) noexcept nogil:
    cdef double kla = p.kla_static_per_h
    if rpm > 0.0 and angle_deg > 0.0:
        kla += (p.kla_reference_per_h
                * pow(rpm / p.reference_rocking_rpm, p.rocking_rpm_exponent)
                * pow(angle_deg / p.reference_rocking_angle_deg, p.rocking_angle_exponent))
    return kla


cdef void step_inputs(StepInputs* c, const Params* p, const Faults* f, const Actuators* a,
                      double dt_s) noexcept nogil:
    """What the plant really receives from the actuators over steps of ``dt_s``, after faults,
    with everything that stays constant while the actuators do (kLa and the decay factors)."""
    cdef double heater_pct, enrichment
    c.dt_s = dt_s
    c.dt_h = dt_s / 3600.0
    c.dt_min = dt_s / 60.0
    heater_pct = clamp(a.heater_pct, 0.0, 100.0)
    c.rpm = clamp(a.rocking_rpm, 0.0, p.rocking_rpm_max)
    c.angle_deg = clamp(a.rocking_angle_deg, 0.0, p.rocking_angle_max_deg)
    c.base = fmax(a.base_ml_min, 0.0)
    c.feed = fmax(a.feed_ml_min, 0.0)
    c.perf = fmax(a.perfusion_ml_min, 0.0)
    if f.power_lost:
        heater_pct = 0.0
        c.rpm = 0.0
        c.base = 0.0
        c.feed = 0.0
        c.perf = 0.0
    if f.heater_failed:
        heater_pct = 0.0
    if f.base_occluded:
        c.base = 0.0
    if f.feed_occluded:
        c.feed = 0.0
    if f.perfusion_occluded:
        c.perf = 0.0
    c.heater_w = p.heater_max_w * heater_pct / 100.0
    if f.power_lost:
        c.gas_in = p.passive_vent_ml_min
        c.y_co2_in = p.ambient_co2_fraction
        c.y_o2_in = p.air_o2_fraction
    else:
        c.gas_in = p.gas_flow_ml_min
        if f.co2_supply_lost:
            c.y_co2_in = 0.0
        else:
            c.y_co2_in = clamp(a.co2_valve_pct, 0.0, 100.0) / 100.0 * p.co2_valve_full_scale_fraction
        if f.nitrogen_purge:
            c.y_o2_in = 0.0
        else:
            if f.o2_supply_lost:
                enrichment = 0.0
            else:
                enrichment = clamp(a.o2_enrichment_pct, 0.0, 100.0) / 100.0
            c.y_o2_in = (1.0 - c.y_co2_in) * (p.air_o2_fraction + (1.0 - p.air_o2_fraction) * enrichment)
            # the air's own CO2 (its share of the blend: what neither valve nor enrichment replaced)
            c.y_co2_in = c.y_co2_in + (1.0 - c.y_co2_in) * (1.0 - enrichment) * p.ambient_co2_fraction
    c.kla = kla_o2(p, c.rpm, c.angle_deg)
    c.kla_co2 = p.kla_co2_to_o2_ratio * c.kla
    c.decay_o2 = exp(-c.kla * c.dt_h)
    c.decay_co2 = exp(-c.kla_co2 * c.dt_h)
    c.k_gas = c.gas_in * 60.0 / p.headspace_ml
    c.decay_gas = exp(-c.k_gas * c.dt_h)


cdef void culture_step(State* s, const Params* p, const Faults* f, const Actuators* a,
                       double dt_s) noexcept nogil:
    """One fixed step of the culture (see culture_reference.culture_step)."""
    cdef StepInputs c
    step_inputs(&c, p, f, a, dt_s)
    culture_step_prepared(s, p, f, &c)


cdef void culture_step_prepared(State* s, const Params* p, const Faults* f,
                                const StepInputs* c) noexcept nogil:
    """One fixed step with the inputs already prepared by ``step_inputs``."""
    cdef double dt_h = c.dt_h
    cdef double dt_min = c.dt_min
    cdef double base = c.base, feed = c.feed, perf = c.perf
    cdef double volume_ml, volume_l, temperature_c, xv, xd, glc, lac, hco3, o2, co2
    cdef double ph, f_glc, f_lac, f_o2, dev_t, f_t, dev_ph, f_ph, lag, mu_per_h, stress, kd_per_h
    cdef double q_glc, glc_uptake, lac_production, our, cer
    cdef double d_medium, d_base, d_total, d_cells
    cdef double kla = c.kla, kla_co2 = c.kla_co2
    cdef double o2_star, dry_pressure, co2_star, otr, ctr
    cdef double gas_mmol, k_gas = c.k_gas, y_o2, y_co2, heat_capacity, ua, steady_c

    volume_ml = s.volume_ml
    volume_l = volume_ml / 1000.0
    temperature_c = s.temperature_c
    xv = s.viable_cells_per_ml
    xd = s.dead_cells_per_ml
    glc = fmax(s.glucose_mm, 0.0)
    lac = fmax(s.lactate_mm, 0.0)
    hco3 = s.bicarbonate_mm
    o2 = fmax(s.dissolved_o2_um, 0.0)
    co2 = s.dissolved_co2_mm

    # growth and metabolism
    ph = p.pka_apparent + log10(fmax(hco3, MIN_CONCENTRATION_MM) / fmax(co2, MIN_CONCENTRATION_MM))
    f_glc = glc / (p.k_glucose_mm + glc)
    f_lac = p.k_i_lactate_mm / (p.k_i_lactate_mm + lac)
    f_o2 = o2 / (p.k_o2_um + o2)
    dev_t = (temperature_c - p.optimal_temperature_c) / p.temperature_tolerance_c
    f_t = 1.0 - dev_t * dev_t if dev_t * dev_t < 1.0 else 0.0
    dev_ph = (ph - p.optimal_ph) / p.ph_tolerance
    f_ph = exp(-dev_ph * dev_ph)
    lag = 1.0 - exp(-s.time_s / 3600.0 / p.lag_h)
    mu_per_h = p.mu_max_per_d / 24.0 * f_glc * f_lac * f_o2 * f_t * f_ph * lag
    stress = fmax(fmax(p.k_glucose_mm / (p.k_glucose_mm + glc), p.k_o2_um / (p.k_o2_um + o2)), 1.0 - f_ph)
    kd_per_h = p.k_death_per_h + p.k_stress_death_per_h * stress
    q_glc = mu_per_h / p.yield_cells_per_mmol_glucose + p.glucose_maintenance_pmol_per_cell_h * 1e-9 * f_glc
    glc_uptake = q_glc * xv * 1000.0
    lac_production = p.yield_lactate_per_glucose * glc_uptake
    our = p.q_o2_pmol_per_cell_h * 1e-3 * f_o2 * xv
    cer = p.respiratory_quotient * our / 1000.0

    d_medium = (feed + perf) * 60.0 / volume_ml
    d_base = base * 60.0 / volume_ml
    d_total = d_medium + d_base
    d_cells = (feed + base) * 60.0 / volume_ml

    s.viable_cells_per_ml = fmax(xv + dt_h * (mu_per_h - kd_per_h - d_cells) * xv, 0.0)
    s.dead_cells_per_ml = fmax(xd + dt_h * (kd_per_h * xv - p.k_lysis_per_d / 24.0 * xd - d_cells * xd), 0.0)
    s.glucose_mm = fmax(glc + dt_h * (-glc_uptake + d_medium * (p.medium_glucose_mm - glc) - d_base * glc), 0.0)
    s.lactate_mm = fmax(lac + dt_h * (lac_production - d_total * lac), 0.0)
    s.bicarbonate_mm = fmax(hco3 + dt_h * (-lac_production + d_medium * (p.medium_bicarbonate_mm - hco3)
                                            + d_base * (p.base_bicarbonate_mm - hco3)), MIN_CONCENTRATION_MM)

    # gas transfer: liquid
    o2_star = p.o2_saturation_air_um * s.headspace_o2_fraction / p.air_o2_fraction
    dry_pressure = p.atmospheric_pressure_mmhg - p.water_vapour_pressure_mmhg
    co2_star = p.co2_solubility_mm_per_mmhg * s.headspace_co2_fraction * dry_pressure
    otr = kla * (o2_star - o2) * volume_l / 1000.0
    ctr = kla_co2 * (co2 - co2_star) * volume_l
    s.dissolved_o2_um = fmax(relax_by(o2, o2_star - our / kla, c.decay_o2), 0.0)
    s.dissolved_co2_mm = fmax(relax_by(co2, co2_star + (cer + lac_production) / kla_co2, c.decay_co2),
                              MIN_CONCENTRATION_MM)

    # gas transfer: headspace
    gas_mmol = (p.atmospheric_pressure_mmhg / 760.0 * p.headspace_ml / 1000.0
                / (GAS_CONSTANT_L_ATM_PER_MOL_K * (temperature_c + 273.15)) * 1000.0)
    if k_gas > 0.0:
        y_o2 = relax_by(s.headspace_o2_fraction, c.y_o2_in - otr / (gas_mmol * k_gas), c.decay_gas)
        y_co2 = relax_by(s.headspace_co2_fraction, c.y_co2_in + ctr / (gas_mmol * k_gas), c.decay_gas)
    else:
        y_o2 = s.headspace_o2_fraction - dt_h * otr / gas_mmol
        y_co2 = s.headspace_co2_fraction + dt_h * ctr / gas_mmol
    s.headspace_o2_fraction = clamp(y_o2, 0.0, 1.0)
    s.headspace_co2_fraction = clamp(y_co2, 0.0, 1.0)

    # thermal
    heat_capacity = (volume_ml * p.medium_density_g_per_ml * p.medium_heat_capacity_j_per_g_k
                     + p.tray_heat_capacity_j_per_k)
    ua = p.ua_w_per_k * (p.door_open_ua_factor if f.door_open else 1.0)
    steady_c = p.ambient_c + c.heater_w / ua
    s.temperature_c = relax(temperature_c, steady_c, ua / heat_capacity * 3600.0, dt_h)

    # volumes and pumps
    s.volume_ml = volume_ml + (feed + base) * dt_min
    s.base_delivered_ml += base * dt_min
    s.feed_delivered_ml += feed * dt_min
    s.perfusion_delivered_ml += perf * dt_min
    s.rocking_rpm = c.rpm
    s.rocking_angle_deg = c.angle_deg
    s.heater_w = c.heater_w
    s.gas_inflow_ml_min = c.gas_in
    s.base_flow_ml_min = base
    s.feed_flow_ml_min = feed
    s.perfusion_flow_ml_min = perf
    s.time_s += c.dt_s


cdef class CultureKernel:
    """Culture state + parameters in C; the compiled twin of ``CultureKernelReference``.

    Compiled callers (a lockstep loop in the simulated bench) may step
    ``&kernel.s`` with ``culture_step`` directly; see ``culture_kernel.pxd``.
    """

    def __init__(self, dict params, dict state):
        names = list(_parameter_template())
        missing = [n for n in names if n not in params]
        if missing:
            raise KeyError(f"missing culture parameters: {missing}")
        self.p = {n: float(params[n]) for n in names}
        self.s = _state_template()
        self.set_state(state)
        self.f = _fault_template()

    def get_state(self):
        return self.s

    def set_state(self, dict state):
        current = dict(self.s)
        unknown = set(state) - set(current)
        if unknown:
            raise KeyError(f"unknown culture state: {sorted(unknown)}")
        current.update({k: float(v) for k, v in state.items()})
        self.s = current

    def get_parameters(self):
        return self.p

    def get_faults(self):
        return {k: bool(v) for k, v in dict(self.f).items()}

    def set_fault(self, str name, bint active):
        current = dict(self.f)
        if name not in current:
            raise KeyError(f"unknown fault {name!r}; known: {', '.join(current)}")
        current[name] = active
        self.f = current

    def advance(self, long n_steps, double dt_s, double heater_pct, double co2_valve_pct,
                double base_ml_min, double feed_ml_min, double perfusion_ml_min,
                double rocking_rpm, double rocking_angle_deg, double o2_enrichment_pct):
        """Run ``n_steps`` fixed steps of ``dt_s`` with constant actuators, GIL released."""
        cdef Actuators a
        cdef StepInputs c
        cdef long i
        a.heater_pct = heater_pct
        a.co2_valve_pct = co2_valve_pct
        a.base_ml_min = base_ml_min
        a.feed_ml_min = feed_ml_min
        a.perfusion_ml_min = perfusion_ml_min
        a.rocking_rpm = rocking_rpm
        a.rocking_angle_deg = rocking_angle_deg
        a.o2_enrichment_pct = o2_enrichment_pct
        with nogil:
            step_inputs(&c, &self.p, &self.f, &a, dt_s)   # constant while the actuators are
            for i in range(n_steps):
                culture_step_prepared(&self.s, &self.p, &self.f, &c)


cdef dict _parameter_template():
    cdef Params z
    memset(&z, 0, sizeof(Params))
    return z


cdef dict _state_template():
    cdef State z
    memset(&z, 0, sizeof(State))
    return z


cdef dict _fault_template():
    cdef Faults z
    memset(&z, 0, sizeof(Faults))
    return z
