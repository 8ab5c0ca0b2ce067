"""Controller core and culture twin in lockstep, compiled: the simulated bench's heartbeat.

Each control period the controller (``mimedi_qual.control``, through its C
API ``controller.pxd``) reads its own probes — the twin's true values plus
the probe's offset, seeded noise, injected drift or failure — and commands
heater, CO2 valve, base pump, rocking, O2 enrichment and perfusion; the
culture (``mimedi_qual.twin`` culture kernel) integrates that period under
those commands. Pumps started with ``PUMP:DISPense`` run here too, in the
same step, so a dispense ends on the exact virtual second it should.

The controller also reads the rig's pressure transducers: the CO2 and O2
supply pressures (set by the world: nominal, or 0 after ``GAS_LOSS``) and a
pressure sensor on each pump line. A free line's pressure follows its flow
through the tubing's resistance; an *occluded* line traps what the pump pushes
into the tubing's compliance, so its pressure climbs while the pump runs (up
to the pump's stall pressure) and stays trapped until the occlusion is
released. The controller sees the highest line pressure; its occlusion
interlock stops the pumps.

Every change of the controller's active alarms is noted with the controller's
time in a small ring (:meth:`LockstepCore.drain_alarm_events`), so the
firmware's audit trail can record when each alarm was raised and cleared to
the exact control period, however long an advance was.

No Python object is touched inside the loop (GIL released): 14 virtual days
at a 1 s period (1.2 million steps) take a few hundred milliseconds.

The culture step is *the twin's own code*, cimported from
``twin/culture_kernel.pxd``: the core steps the very ``CultureKernel`` held by
a ``twin.culture.Culture`` (its C state, no copies), so everything the twin
offers — true values, faults, volumes — stays true between advances.

>>> from mimedi_qual.control.parameters import build_controller
>>> from mimedi_qual.twin.culture import Culture
>>> core = LockstepCore(build_controller(), Culture.from_profile(seed=1), seed=1)
>>> core.advance(3600, 1.0)            # one virtual hour, 3600 lockstep periods
"""

import numpy as np

from mimedi_qual.control.controller cimport (Controller, ControllerState, ControlInputs,
                                             ControlOutputs, ctl_step)

from mimedi_qual.twin.culture_kernel cimport (CultureKernel, Params, State, Faults, Actuators,
                                              culture_step)

from libc.math cimport INFINITY, NAN, log10, log, sqrt, cos, sin, M_PI
from libc.stdint cimport uint64_t

cdef double MIN_CONCENTRATION_MM = 1e-9
cdef unsigned int INTERLOCK_PUMP_OCCLUSION = 32     # codes.Interlock.PUMP_OCCLUSION
DEF ALARM_EVENT_RING = 1024


cdef inline double fmax(double a, double b) noexcept nogil:
    return a if a > b else b

cdef inline double fmin(double a, double b) noexcept nogil:
    return a if a < b else b

cdef enum:
    N_PROBES = 3          # temperature, pH, DO: the controller's own sensors
    N_PUMPS = 4           # FEED, BASE, PERFUSION, HARVEST
    PUMP_FEED = 0
    PUMP_BASE = 1
    PUMP_PERFUSION = 2
    PUMP_HARVEST = 3

#: Pump names in index order (``PUMP:DISPense <pump>,...``).
PUMP_NAMES = ("FEED", "BASE", "PERFUSION", "HARVEST")
#: Probe names in index order (``SENSOR_DRIFT,<probe>``).
PROBE_NAMES = ("TEMP", "PH", "DO")



cdef inline double uniform01(uint64_t* state) noexcept nogil:
    """xorshift64*: a uniform number in (0, 1), reproducible from its seed."""
    cdef uint64_t x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return (<double>((x * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0


cdef struct NormalStream:
    uint64_t state
    double spare
    bint has_spare


cdef inline double standard_normal(NormalStream* g) noexcept nogil:
    """Box-Muller: standard normal draws, two per pair of uniforms."""
    cdef double r, phase
    if g.has_spare:
        g.has_spare = False
        return g.spare
    r = sqrt(-2.0 * log(uniform01(&g.state)))
    phase = 2.0 * M_PI * uniform01(&g.state)
    g.spare = r * sin(phase)
    g.has_spare = True
    return r * cos(phase)


cdef struct Probe:
    double offset          # calibration offset, in the probe's unit
    double floor           # bottom of the transmitter's range (a DO probe reads no less than 0 %)
    double noise_sd        # standard deviation of the reading noise
    double drift_per_h     # injected drift rate (unit per hour)
    double drift           # accumulated drift
    bint failed            # reads NaN (broken cable)
    double last            # latest reading (what MEAS:... answers)


cdef struct Pump:
    double flow_ml_min
    double target_ml
    double dispensed_ml
    bint running
    bint occluded
    bint to_balance        # outlet tube in the balance's receiving vessel
    double line_kpa        # pressure sensor downstream of the pump, kPa gauge


cdef class LockstepCore:
    """Owns the controller's probes and pumps; steps controller + culture together."""

    cdef Controller controller
    cdef ControllerState* c
    cdef ControlOutputs out
    cdef CultureKernel kernel
    cdef Probe probes[N_PROBES]
    cdef Pump pumps[N_PUMPS]
    cdef public bint controller_powered
    cdef public bint door_open
    cdef public double rocking_angle_deg
    cdef public double balance_delivered_ml
    cdef public double balance_changed_at_s
    cdef public double co2_supply_bar
    cdef public double o2_supply_bar
    cdef public double line_resistance_kpa_per_ml_min
    cdef public double line_compliance_ml_per_kpa
    cdef public double pump_stall_kpa
    cdef unsigned int last_alarm_mask
    cdef double event_time_s[ALARM_EVENT_RING]
    cdef unsigned int event_raised[ALARM_EVENT_RING]
    cdef unsigned int event_cleared[ALARM_EVENT_RING]
    cdef int n_events
    cdef long lost_events
    cdef object culture
    cdef NormalStream noise

    def __init__(self, Controller controller, culture, seed=0, rng=None, double rocking_angle_deg=6.0):
        self.controller = controller
        self.c = &controller.c
        self.culture = culture
        self.kernel = <CultureKernel?>culture._kernel
        # The probes' noise: a C generator seeded from the stream's numpy Generator
        # (drawing from numpy inside the loop would cost more than the physics).
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.noise.state = <uint64_t>int(rng.integers(1, 2**63 - 1))
        self.noise.has_spare = False
        self.controller_powered = True
        self.door_open = False
        self.rocking_angle_deg = rocking_angle_deg
        self.balance_delivered_ml = 0.0
        self.balance_changed_at_s = -1e30
        self.co2_supply_bar = NAN           # no transducer until the world says so
        self.o2_supply_bar = NAN
        self.line_resistance_kpa_per_ml_min = 0.4
        self.line_compliance_ml_per_kpa = 0.005
        self.pump_stall_kpa = 300.0
        self.last_alarm_mask = 0
        self.n_events = 0
        self.lost_events = 0
        cdef int k
        for k in range(N_PROBES):
            self.probes[k] = Probe(0.0, -INFINITY, 0.0, 0.0, 0.0, False, NAN)
        self.probes[2].floor = 0.0     # DO: % air saturation cannot be negative
        for k in range(N_PUMPS):
            self.pumps[k] = Pump(0.0, 0.0, 0.0, False, False, False, 0.0)
        self.pumps[PUMP_HARVEST].to_balance = True
        self.out.heater_pct = 0.0

    # ---------------------------------------------------------------- configuration
    def set_probe(self, int probe, double offset, double noise_sd):
        self.probes[probe].offset = offset
        self.probes[probe].noise_sd = noise_sd

    def set_probe_drift(self, int probe, double drift_per_h):
        self.probes[probe].drift_per_h = drift_per_h
        if drift_per_h == 0.0:
            self.probes[probe].drift = 0.0

    def set_probe_failed(self, int probe, bint failed):
        self.probes[probe].failed = failed

    def probe_reading(self, int probe):
        """The controller's latest reading of a probe (NaN when failed)."""
        return self.probes[probe].last

    def dispense(self, int pump, double volume_ml, double flow_ml_min):
        self.pumps[pump].target_ml = volume_ml
        self.pumps[pump].flow_ml_min = flow_ml_min
        self.pumps[pump].dispensed_ml = 0.0
        self.pumps[pump].running = volume_ml > 0.0 and flow_ml_min > 0.0

    def stop_pump(self, int pump):
        """Stop one pump run; what it dispensed so far stays readable."""
        self.pumps[pump].running = False

    def stop_pumps(self):
        cdef int k
        for k in range(N_PUMPS):
            self.pumps[k].running = False

    def pump_state(self, int pump):
        """``(running, dispensed_ml)``."""
        return bool(self.pumps[pump].running), self.pumps[pump].dispensed_ml

    def set_pump_occluded(self, int pump, bint occluded):
        self.pumps[pump].occluded = occluded

    def pump_line_kpa(self, int pump):
        """The pressure on a pump's line sensor, kPa gauge."""
        return self.pumps[pump].line_kpa

    def drain_alarm_events(self):
        """Alarm changes since the last drain: ``([(controller time s, raised mask, cleared mask)], lost)``.

        ``lost`` counts changes that did not fit the ring (1024 between two drains)."""
        events = [(self.event_time_s[k], self.event_raised[k], self.event_cleared[k])
                  for k in range(self.n_events)]
        lost = self.lost_events
        self.n_events = 0
        self.lost_events = 0
        return events, lost

    def set_pump_route(self, int pump, bint to_balance):
        self.pumps[pump].to_balance = to_balance

    def pump_route_to_balance(self, int pump):
        return bool(self.pumps[pump].to_balance)

    def set_rocking_min_rpm(self, double rpm):
        """Base rocking speed: the bottom of the DO cascade's range."""
        self.c.rocking_min_rpm = rpm
        if self.c.rocking_max_rpm < rpm:
            self.c.rocking_max_rpm = rpm

    @property
    def rocking_min_rpm(self):
        return self.c.rocking_min_rpm

    @property
    def temperature_target_c(self):
        return self.c.temperature_target_c

    @property
    def ph_setpoint(self):
        return self.c.ph_setpoint

    @property
    def do_setpoint_pct(self):
        return self.c.do_setpoint_pct

    @property
    def outputs(self):
        """Latest controller outputs (zero while unpowered)."""
        return {
            "heater_pct": self.out.heater_pct, "co2_valve_pct": self.out.co2_valve_pct,
            "base_pump_ml_min": self.out.base_pump_ml_min, "rocking_rpm": self.out.rocking_rpm,
            "o2_enrichment_pct": self.out.o2_enrichment_pct,
            "perfusion_ml_min": self.out.perfusion_ml_min,
        }

    def clear_outputs(self):
        """Power cut: every output drops to zero."""
        self.out.heater_pct = 0.0
        self.out.co2_valve_pct = 0.0
        self.out.base_pump_ml_min = 0.0
        self.out.rocking_rpm = 0.0
        self.out.o2_enrichment_pct = 0.0
        self.out.perfusion_ml_min = 0.0
        self.stop_pumps()

    def refresh_probes(self):
        """Read the probes now without stepping (at start-up, after the bag changed)."""
        with nogil:
            self._read_probes(0.0)

    cdef void _read_probes(self, double dt_h) noexcept nogil:
        cdef int k
        cdef double true_value[N_PROBES]
        cdef State* st = &self.kernel.s
        cdef const Params* p = &self.kernel.p
        true_value[0] = st.temperature_c
        true_value[1] = (p.pka_apparent
                         + log10(fmax(st.bicarbonate_mm, MIN_CONCENTRATION_MM)
                                 / fmax(st.dissolved_co2_mm, MIN_CONCENTRATION_MM)))
        true_value[2] = 100.0 * st.dissolved_o2_um / p.o2_saturation_air_um
        for k in range(N_PROBES):
            self.probes[k].drift += self.probes[k].drift_per_h * dt_h
            if self.probes[k].failed:
                self.probes[k].last = NAN
            else:
                self.probes[k].last = true_value[k] + self.probes[k].offset + self.probes[k].drift
                if self.probes[k].noise_sd > 0.0:
                    self.probes[k].last += self.probes[k].noise_sd * standard_normal(&self.noise)
                if self.probes[k].last < self.probes[k].floor:
                    self.probes[k].last = self.probes[k].floor

    # ---------------------------------------------------------------- stepping
    def advance(self, long n_steps, double dt_s):
        """Run ``n_steps`` lockstep periods of ``dt_s`` with the GIL released."""
        if n_steps > 0:
            with nogil:
                self._run(n_steps, dt_s)

    cdef void _run(self, long n, double dt_s) noexcept nogil:
        cdef long i
        cdef int k
        cdef ControlInputs inp
        cdef Actuators a
        cdef double flow, volume_ml, delivered, line_kpa
        cdef unsigned int changed
        cdef double dt_min = dt_s / 60.0
        cdef double dt_h = dt_s / 3600.0
        cdef State* st = &self.kernel.s
        cdef const Params* p = &self.kernel.p
        cdef const Faults* f = &self.kernel.f
        for i in range(n):
            self._read_probes(dt_h)
            a.feed_ml_min = 0.0
            a.base_ml_min = 0.0
            a.perfusion_ml_min = 0.0
            a.rocking_angle_deg = self.rocking_angle_deg
            if self.controller_powered:
                inp.temperature_c = self.probes[0].last
                inp.ph = self.probes[1].last
                inp.do_pct = self.probes[2].last
                inp.cell_density_e6_per_ml = st.viable_cells_per_ml * 1e-6
                inp.door_open = 1.0 if self.door_open else 0.0
                inp.co2_supply_bar = self.co2_supply_bar
                inp.o2_supply_bar = self.o2_supply_bar
                line_kpa = 0.0
                for k in range(N_PUMPS):
                    line_kpa = fmax(line_kpa, self.pumps[k].line_kpa)
                inp.pump_line_kpa = line_kpa
                ctl_step(self.c, &inp, dt_s, &self.out)
                changed = self.out.alarm_active_mask ^ self.last_alarm_mask
                if changed:
                    if self.n_events < ALARM_EVENT_RING:
                        self.event_time_s[self.n_events] = self.c.time_s
                        self.event_raised[self.n_events] = changed & self.out.alarm_active_mask
                        self.event_cleared[self.n_events] = changed & self.last_alarm_mask
                        self.n_events += 1
                    else:
                        self.lost_events += 1
                    self.last_alarm_mask = self.out.alarm_active_mask
                a.heater_pct = self.out.heater_pct
                a.co2_valve_pct = self.out.co2_valve_pct
                a.base_ml_min = self.out.base_pump_ml_min
                a.perfusion_ml_min = self.out.perfusion_ml_min
                a.rocking_rpm = self.out.rocking_rpm
                a.o2_enrichment_pct = self.out.o2_enrichment_pct
                # Dispense runs: the controller's pump sequencer (door open or an
                # occlusion interlock stops them).
                for k in range(N_PUMPS):
                    if not self.pumps[k].running:
                        continue
                    if self.door_open or (self.out.interlock_mask & INTERLOCK_PUMP_OCCLUSION):
                        self.pumps[k].running = False
                        continue
                    flow = self.pumps[k].flow_ml_min
                    if self.pumps[k].occluded:
                        flow = 0.0
                    delivered = flow * dt_min
                    if self.pumps[k].dispensed_ml + delivered >= self.pumps[k].target_ml:
                        delivered = self.pumps[k].target_ml - self.pumps[k].dispensed_ml
                        self.pumps[k].running = False
                    self.pumps[k].dispensed_ml += delivered
                    if self.pumps[k].to_balance:
                        if delivered > 0.0:
                            self.balance_delivered_ml += delivered
                            self.balance_changed_at_s = st.time_s + dt_s
                        if k == PUMP_HARVEST:
                            volume_ml = st.volume_ml - delivered
                            st.volume_ml = volume_ml if volume_ml > 1.0 else 1.0
                    elif k == PUMP_FEED:
                        a.feed_ml_min += delivered / dt_min
                    elif k == PUMP_BASE:
                        a.base_ml_min += delivered / dt_min
                    elif k == PUMP_PERFUSION:
                        a.perfusion_ml_min += delivered / dt_min
                    elif k == PUMP_HARVEST:
                        volume_ml = st.volume_ml - delivered
                        st.volume_ml = volume_ml if volume_ml > 1.0 else 1.0
            else:
                a.heater_pct = 0.0
                a.co2_valve_pct = 0.0
                a.rocking_rpm = 0.0
                a.o2_enrichment_pct = 0.0
                self.last_alarm_mask = 0          # a controller without power shows no alarms
            self._pump_lines(dt_min)
            culture_step(st, p, f, &a, dt_s)

    cdef void _pump_lines(self, double dt_min) noexcept nogil:
        """Line pressures after this period's pumping (see the module docstring)."""
        cdef int k
        cdef double pushed_ml_min
        for k in range(N_PUMPS):
            pushed_ml_min = 0.0
            if self.controller_powered:
                if self.pumps[k].running:
                    pushed_ml_min = self.pumps[k].flow_ml_min
                if k == PUMP_BASE:
                    pushed_ml_min += self.out.base_pump_ml_min
                elif k == PUMP_PERFUSION:
                    pushed_ml_min += self.out.perfusion_ml_min
            if self.pumps[k].occluded:
                # the pump cannot push beyond its stall pressure (nor release what is trapped)
                self.pumps[k].line_kpa = fmax(self.pumps[k].line_kpa, fmin(
                    self.pumps[k].line_kpa + pushed_ml_min * dt_min / self.line_compliance_ml_per_kpa,
                    self.pump_stall_kpa))
            else:
                self.pumps[k].line_kpa = self.line_resistance_kpa_per_ml_min * pushed_ml_min
