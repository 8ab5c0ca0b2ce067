# C-level interface of the expansion-culture twin, so other compiled modules (a
# simulated-bench lockstep loop: controller and culture stepping together
# without the GIL) can step the culture directly:
#
#     from mimedi_qual.twin.culture_kernel cimport CultureKernel, Actuators, culture_step
#     culture_step(&kernel.s, &kernel.p, &kernel.f, &actuators, dt_s)
#
# Field names and units are those of culture_reference.py (PARAMETER_NAMES,
# STATE_NAMES, FAULT_NAMES, ACTUATOR_NAMES); keep the four lists in step.

cdef struct Params:
    double ua_w_per_k
    double heater_max_w
    double ambient_c
    double medium_heat_capacity_j_per_g_k
    double tray_heat_capacity_j_per_k
    double door_open_ua_factor
    double medium_density_g_per_ml
    double headspace_ml
    double rocking_rpm_max
    double rocking_angle_max_deg
    double kla_reference_per_h
    double reference_rocking_rpm
    double reference_rocking_angle_deg
    double rocking_rpm_exponent
    double rocking_angle_exponent
    double kla_static_per_h
    double kla_co2_to_o2_ratio
    double o2_saturation_air_um
    double air_o2_fraction
    double ambient_co2_fraction
    double gas_flow_ml_min
    double passive_vent_ml_min
    double co2_valve_full_scale_fraction
    double atmospheric_pressure_mmhg
    double water_vapour_pressure_mmhg
    double pka_apparent
    double co2_solubility_mm_per_mmhg
    double medium_bicarbonate_mm
    double base_bicarbonate_mm
    double q_o2_pmol_per_cell_h
    double k_o2_um
    double respiratory_quotient
    double yield_cells_per_mmol_glucose
    double yield_lactate_per_glucose
    double glucose_maintenance_pmol_per_cell_h
    double medium_glucose_mm
    double mu_max_per_d
    double k_glucose_mm
    double k_i_lactate_mm
    double k_death_per_h
    double k_stress_death_per_h
    double k_lysis_per_d
    double lag_h
    double optimal_temperature_c
    double temperature_tolerance_c
    double optimal_ph
    double ph_tolerance


cdef struct State:
    double time_s
    double temperature_c
    double volume_ml
    double viable_cells_per_ml
    double dead_cells_per_ml
    double glucose_mm
    double lactate_mm
    double bicarbonate_mm
    double dissolved_o2_um
    double dissolved_co2_mm
    double headspace_o2_fraction
    double headspace_co2_fraction
    double rocking_rpm
    double rocking_angle_deg
    double heater_w
    double gas_inflow_ml_min
    double base_flow_ml_min
    double feed_flow_ml_min
    double perfusion_flow_ml_min
    double base_delivered_ml
    double feed_delivered_ml
    double perfusion_delivered_ml


cdef struct Faults:
    bint heater_failed
    bint co2_supply_lost          # the CO2 cylinder is lost: no CO2 in the blend, air (+ O2) still flows
    bint o2_supply_lost           # the O2 cylinder is lost: no O2 enrichment, air (+ CO2) still flows
    bint door_open
    bint power_lost               # also stops the gas mixer: only the vent filter breathes room air
    bint base_occluded
    bint feed_occluded
    bint perfusion_occluded
    bint nitrogen_purge           # the supply's air/O2 inlets carry nitrogen: no O2 enters


cdef struct Actuators:
    double heater_pct
    double co2_valve_pct
    double base_ml_min
    double feed_ml_min
    double perfusion_ml_min
    double rocking_rpm
    double rocking_angle_deg
    double o2_enrichment_pct


# What the plant receives from constant actuators after faults, with the
# per-step constants (kLa, decay factors) computed once.
cdef struct StepInputs:
    double dt_s
    double dt_h
    double dt_min
    double heater_w
    double rpm
    double angle_deg
    double base
    double feed
    double perf
    double gas_in
    double y_co2_in
    double y_o2_in
    double kla
    double kla_co2
    double decay_o2
    double decay_co2
    double k_gas
    double decay_gas


cdef void step_inputs(StepInputs* c, const Params* p, const Faults* f, const Actuators* a,
                      double dt_s) noexcept nogil

# Many steps with constant actuators: prepare once, then step the prepared inputs.
cdef void culture_step_prepared(State* s, const Params* p, const Faults* f,
                                const StepInputs* c) noexcept nogil

# One fixed step of dt_s seconds with constant actuators (start-of-step rates;
# exponential integration of gas transfer and heat, so any dt_s is stable).
cdef void culture_step(State* s, const Params* p, const Faults* f, const Actuators* a,
                       double dt_s) noexcept nogil


cdef class CultureKernel:
    cdef public Params p
    cdef public State s
    cdef public Faults f
