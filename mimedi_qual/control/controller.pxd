# C API of the MiMédi controller: cimport this to step the whole control core
# (all loops, interlocks, alarms, module state machines) from another compiled
# module without the GIL, e.g. a twin loop running controller and plant in
# lockstep:
#
#     from mimedi_qual.control.controller cimport (Controller, ControllerState,
#         ControlInputs, ControlOutputs, ctl_step, ctl_command)
#     cdef ControllerState* c = &(<Controller>ctl).c
#     with nogil:
#         ctl_step(c, &inputs, 1.0, &outputs)
#
# Codes (states, commands, alarms, ...) are those of mimedi_qual/control/codes.py.

from mimedi_qual.control.pid cimport PidState

cdef enum:
    N_MODULES = 4
    N_ALARMS = 14
    N_SENSORS = 3
    MAX_SCHEDULE_THRESHOLDS = 8
    N_INPUT_COLUMNS = 8
    N_OUTPUT_COLUMNS = 12

cdef enum:  # ModuleId
    MODULE_SELECTION = 0
    MODULE_TRANSDUCTION = 1
    MODULE_EXPANSION = 2
    MODULE_HARVEST = 3

cdef enum:  # ModuleStateCode
    ST_IDLE = 0
    ST_STARTING = 1
    ST_EXECUTE = 2
    ST_COMPLETING = 3
    ST_COMPLETED = 4
    ST_PAUSING = 5
    ST_PAUSED = 6
    ST_RESUMING = 7
    ST_HOLDING = 8
    ST_HELD = 9
    ST_UNHOLDING = 10
    ST_STOPPING = 11
    ST_STOPPED = 12
    ST_ABORTING = 13
    ST_ABORTED = 14
    ST_RESETTING = 15

cdef enum:  # CommandCode
    CMD_NONE = 0
    CMD_START = 1
    CMD_COMPLETE = 2
    CMD_PAUSE = 3
    CMD_RESUME = 4
    CMD_HOLD = 5
    CMD_UNHOLD = 6
    CMD_STOP = 7
    CMD_ABORT = 8
    CMD_RESET = 9
    CMD_ACKNOWLEDGE = 10

cdef enum:  # RejectionCode
    REJ_ACCEPTED = 0
    REJ_UNKNOWN_MODULE = 1
    REJ_UNKNOWN_COMMAND = 2
    REJ_NOT_ALLOWED_IN_STATE = 3
    REJ_INTERLOCK_ACTIVE = 4

cdef enum:  # AlarmId of the alarms the step refers to by name (codes.Alarm)
    ALARM_CO2_SUPPLY_LOW = 11
    ALARM_O2_SUPPLY_LOW = 12
    ALARM_PUMP_OCCLUSION = 13

cdef enum:  # SensorId
    SENSOR_TEMPERATURE = 0
    SENSOR_PH = 1
    SENSOR_DO = 2

cdef struct SensorCheck:
    double valid_min
    double valid_max
    double frozen_timeout_s      # 0 disables frozen-value detection
    double last_value
    double frozen_s              # how long the value has not changed
    bint failed

cdef struct AlarmState:
    bint enabled
    int kind                     # +1 high limit, -1 low limit, 0 discrete condition
    double limit
    double hysteresis
    double on_delay_s
    int priority                 # 1 = most urgent
    double pending_s             # how long the condition has been present
    bint active

cdef struct ControlInputs:
    double temperature_c
    double ph
    double do_pct                # dissolved oxygen, % air saturation
    double cell_density_e6_per_ml
    double door_open             # 0 closed, anything else open
    double co2_supply_bar        # CO2 supply pressure transducer, bar (NaN: not fitted)
    double o2_supply_bar         # O2 supply pressure transducer, bar (NaN: not fitted)
    double pump_line_kpa         # highest pump-line pressure, kPa (NaN: not fitted)

cdef struct ControlOutputs:
    double heater_pct
    double co2_valve_pct
    double base_pump_ml_min
    double rocking_rpm
    double o2_enrichment_pct
    double perfusion_ml_min
    double temperature_setpoint_c    # working (ramped) setpoint
    unsigned int alarm_active_mask
    unsigned int alarm_unacked_mask
    unsigned int interlock_mask
    int highest_priority             # of displayed alarms; 0 = none
    unsigned int module_states       # 4 bits per module, module 0 lowest

cdef struct ControllerState:
    # --- configuration (from the profile) ---
    double period_s
    double temperature_target_c
    double temperature_ramp_c_per_s
    double over_temperature_trip_c
    double over_temperature_hysteresis_c
    double safe_heater_pct
    double ph_setpoint
    double ph_deadband
    double co2_valve_max_pct
    double base_pump_max_ml_min
    double do_setpoint_pct
    double rocking_min_rpm
    double rocking_max_rpm
    double o2_enrichment_max_pct
    double safe_rocking_rpm
    double safe_o2_enrichment_pct
    bint perfusion_by_time           # False: by cell density (1e6/mL); True: by hours in EXECUTE
    int n_perfusion_thresholds
    double perfusion_thresholds[MAX_SCHEDULE_THRESHOLDS]
    double perfusion_rates_ml_day[MAX_SCHEDULE_THRESHOLDS + 1]
    double acting_state_duration_s
    int auto_hold_priority           # alarms of this priority or more urgent hold modules; 0 = off
    # --- loops, sensors, alarms ---
    PidState temperature_pid         # output heater %
    PidState ph_pid                  # output -100 (all CO2) .. +100 (all base)
    PidState do_pid                  # output 0..100 rocking, 100..200 O2 enrichment
    SensorCheck sensors[N_SENSORS]
    AlarmState alarms[N_ALARMS]
    # --- state ---
    double time_s
    int module_state[N_MODULES]
    double time_in_state_s[N_MODULES]
    double perfusion_time_s          # time the expansion module has spent in EXECUTE
    double perfusion_rate_ml_day
    double temperature_setpoint_c    # working setpoint (ramped toward the target)
    bint over_temperature
    bint occluded                    # pump-line pressure trip (interlock), with hysteresis
    bint regulating
    bint armed[N_SENSORS]            # limit alarms armed once the value entered its band
    unsigned int alarm_active_mask
    unsigned int alarm_unacked_mask
    unsigned int alarm_busy_mask     # alarms with an on-delay running or active
    unsigned int interlock_mask


cdef void ctl_step(ControllerState* c, const ControlInputs* inp, double dt_s,
                   ControlOutputs* out) noexcept nogil
cdef int ctl_command(ControllerState* c, int module, int command) noexcept nogil
cdef void ctl_acknowledge(ControllerState* c, unsigned int mask) noexcept nogil


cdef class Controller:
    cdef ControllerState c
    cdef ControlOutputs last         # outputs of the latest step
