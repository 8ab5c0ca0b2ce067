"""Pure-Python reference of the expansion-culture step (the spec of the compiled kernel).

``culture_kernel.pyx`` runs exactly this arithmetic in C; this module is the
readable version, used by the equivalence test and whenever a test wants to
see the mathematics without a compiler in the way. It is ~200 times slower:
never use it to run a 14-day culture.

One step of length ``dt`` (fixed-step, start-of-step rates):

* **actuators after faults** — power loss zeroes heater, pumps, rocking and
  the gas mixer (only the vent filter exchanges with room air, whatever gas
  fault is active); heater failure zeroes the heater; an occluded pump
  delivers 0; a lost CO2 cylinder blends no CO2 and a lost O2 cylinder no
  enrichment, the air still flowing at the supply's flow; a nitrogen purge
  (air/O2 inlets fed N2) lets no O2 in while the mixer runs, lost O2 or not
  (with the CO2 lost too, pure N2 flows);
* **growth** (explicit Euler; Monod with lactate inhibition and a lag)::

      mu = mu_max · S/(K_S+S) · K_I/(K_I+L) · C/(K_O2+C) · f_T · f_pH · (1 − e^(−t/t_lag))
      dXv/dt = (mu − k_d − D)·Xv          dXd/dt = k_d·Xv − k_lys·Xd − D·Xd

  with ``k_d = k_death + k_stress · max(starvation, hypoxia, pH stress)`` and
  ``D`` the dilution by a growing volume (feed, base): the perfusion
  filter retains cells, while every inflow dilutes the solutes;
* **glucose, lactate, bicarbonate**: uptake ``mu/Y + maintenance``, lactate
  ``Y_lac/glc`` per glucose, each lactic acid titrating one bicarbonate to CO2;
* **oxygen and CO2** (exponential integrator, stable at any step)::

      dC/dt = kLa (C* − C) − OUR          C* = C*_air · y_O2 / y_O2,air
      dc/dt = kLa_CO2 (c* − c) + CER + lactate production,  c* = s · y_CO2 · (P − P_H2O)

  and the headspace fractions ``y`` relax to the inlet gas at the gas
  exchange rate, shifted by what the liquid takes up or gives off;
* **thermal**: exact first-order step as in ``thermal.py`` with the heat
  capacity of the current liquid volume plus the tray;
* **volume**: feed and base add volume; perfusion is volume-neutral.

>>> from mimedi_qual.twin.culture import Culture
>>> culture = Culture.from_profile(pure_python=True)   # uses this module
>>> culture.pure_python
True
"""

from __future__ import annotations

import math

from mimedi_qual.twin import acid_base, gas_transfer, growth

ACTUATOR_NAMES = (
    "heater_pct", "co2_valve_pct", "base_ml_min", "feed_ml_min", "perfusion_ml_min",
    "rocking_rpm", "rocking_angle_deg", "o2_enrichment_pct",
)
FAULT_NAMES = (
    "heater_failed", "co2_supply_lost", "o2_supply_lost", "door_open", "power_lost",
    "base_occluded", "feed_occluded", "perfusion_occluded", "nitrogen_purge",
)
STATE_NAMES = (
    "time_s", "temperature_c", "volume_ml", "viable_cells_per_ml", "dead_cells_per_ml",
    "glucose_mm", "lactate_mm", "bicarbonate_mm", "dissolved_o2_um", "dissolved_co2_mm",
    "headspace_o2_fraction", "headspace_co2_fraction",
    "rocking_rpm", "rocking_angle_deg", "heater_w", "gas_inflow_ml_min",
    "base_flow_ml_min", "feed_flow_ml_min", "perfusion_flow_ml_min",
    "base_delivered_ml", "feed_delivered_ml", "perfusion_delivered_ml",
)
PARAMETER_NAMES = (
    "ua_w_per_k", "heater_max_w", "ambient_c", "medium_heat_capacity_j_per_g_k",
    "tray_heat_capacity_j_per_k", "door_open_ua_factor",
    "medium_density_g_per_ml", "headspace_ml", "rocking_rpm_max", "rocking_angle_max_deg",
    "kla_reference_per_h", "reference_rocking_rpm", "reference_rocking_angle_deg",
    "rocking_rpm_exponent", "rocking_angle_exponent", "kla_static_per_h", "kla_co2_to_o2_ratio",
    "o2_saturation_air_um", "air_o2_fraction", "ambient_co2_fraction", "gas_flow_ml_min",
    "passive_vent_ml_min", "co2_valve_full_scale_fraction", "atmospheric_pressure_mmhg",
    "water_vapour_pressure_mmhg",
    "pka_apparent", "co2_solubility_mm_per_mmhg", "medium_bicarbonate_mm", "base_bicarbonate_mm",
    "q_o2_pmol_per_cell_h", "k_o2_um", "respiratory_quotient", "yield_cells_per_mmol_glucose",
    "yield_lactate_per_glucose", "glucose_maintenance_pmol_per_cell_h", "medium_glucose_mm",
    "mu_max_per_d", "k_glucose_mm", "k_i_lactate_mm", "k_death_per_h", "k_stress_death_per_h",
    "k_lysis_per_d", "lag_h", "optimal_temperature_c", "temperature_tolerance_c",
    "optimal_ph", "ph_tolerance",
)

def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _relax(value: float, equilibrium: float, rate_per_h: float, dt_h: float) -> float:
    """Exact step of dx/dt = rate·(equilibrium − x) with the equilibrium frozen over the step."""
    return equilibrium + (value - equilibrium) * math.exp(-rate_per_h * dt_h)


def culture_step(s: dict, p: dict, faults: dict, a: tuple, dt_s: float) -> None:
    """Advance the state dict ``s`` in place by ``dt_s`` seconds under actuators ``a``."""
    (heater_pct, co2_valve_pct, base_ml_min, feed_ml_min, perfusion_ml_min,
     rpm, angle_deg, o2_enrichment_pct) = a
    dt_h = dt_s / 3600.0
    dt_min = dt_s / 60.0

    # --- actuators as the plant really sees them
    heater_pct = _clamp(heater_pct, 0.0, 100.0)
    rpm = _clamp(rpm, 0.0, p["rocking_rpm_max"])
    angle_deg = _clamp(angle_deg, 0.0, p["rocking_angle_max_deg"])
    base = max(base_ml_min, 0.0)
    feed = max(feed_ml_min, 0.0)
    perf = max(perfusion_ml_min, 0.0)
    if faults["power_lost"]:
        heater_pct = rpm = base = feed = perf = 0.0
    if faults["heater_failed"]:
        heater_pct = 0.0
    if faults["base_occluded"]:
        base = 0.0
    if faults["feed_occluded"]:
        feed = 0.0
    if faults["perfusion_occluded"]:
        perf = 0.0
    heater_w = p["heater_max_w"] * heater_pct / 100.0
    gas_in, y_co2_in, y_o2_in = gas_transfer.inlet_gas(
        p, co2_valve_pct, o2_enrichment_pct,
        supply_available=not faults["power_lost"], nitrogen_purge=faults["nitrogen_purge"],
        co2_lost=faults["co2_supply_lost"], o2_lost=faults["o2_supply_lost"])

    volume_ml = s["volume_ml"]
    volume_l = volume_ml / 1000.0
    temperature_c = s["temperature_c"]
    xv = s["viable_cells_per_ml"]
    xd = s["dead_cells_per_ml"]
    glc = max(s["glucose_mm"], 0.0)
    lac = max(s["lactate_mm"], 0.0)
    hco3 = s["bicarbonate_mm"]
    o2 = max(s["dissolved_o2_um"], 0.0)
    co2 = s["dissolved_co2_mm"]

    # --- growth and metabolism (start-of-step rates, explicit Euler)
    ph = acid_base.ph_of(p, hco3, co2)
    mu_per_h, kd_per_h = growth.specific_rates_per_h(p, s["time_s"], temperature_c, ph, glc, lac, o2)
    glc_uptake_mm_h, lac_production_mm_h, our_um_h, cer_mm_h = growth.metabolic_rates(p, mu_per_h, xv, glc, o2)
    d_medium_per_h = (feed + perf) * 60.0 / volume_ml
    d_base_per_h = base * 60.0 / volume_ml
    d_total_per_h = d_medium_per_h + d_base_per_h
    # cells are retained by the perfusion filter: only a growing volume dilutes them
    d_cells_per_h = (feed + base) * 60.0 / volume_ml

    s["viable_cells_per_ml"] = max(xv + dt_h * (mu_per_h - kd_per_h - d_cells_per_h) * xv, 0.0)
    s["dead_cells_per_ml"] = max(
        xd + dt_h * (kd_per_h * xv - p["k_lysis_per_d"] / 24.0 * xd - d_cells_per_h * xd), 0.0)
    s["glucose_mm"] = max(glc + dt_h * (-glc_uptake_mm_h + d_medium_per_h * (p["medium_glucose_mm"] - glc)
                                        - d_base_per_h * glc), 0.0)
    s["lactate_mm"] = max(lac + dt_h * (lac_production_mm_h - d_total_per_h * lac), 0.0)
    s["bicarbonate_mm"] = max(hco3 + dt_h * (-lac_production_mm_h
                                             + d_medium_per_h * (p["medium_bicarbonate_mm"] - hco3)
                                             + d_base_per_h * (p["base_bicarbonate_mm"] - hco3)),
                              acid_base.MIN_CONCENTRATION_MM)

    # --- gas transfer: liquid (exponential integrator, uptake frozen over the step)
    kla = gas_transfer.kla_o2_per_h(p, rpm, angle_deg)
    kla_co2 = p["kla_co2_to_o2_ratio"] * kla
    o2_star_um = gas_transfer.o2_saturation_um(p, s["headspace_o2_fraction"])
    co2_star_mm = gas_transfer.co2_saturation_mm(p, s["headspace_co2_fraction"])
    otr_mmol_h = kla * (o2_star_um - o2) * volume_l / 1000.0
    ctr_mmol_h = kla_co2 * (co2 - co2_star_mm) * volume_l  # liquid -> gas
    s["dissolved_o2_um"] = max(_relax(o2, o2_star_um - our_um_h / kla, kla, dt_h), 0.0)
    s["dissolved_co2_mm"] = max(
        _relax(co2, co2_star_mm + (cer_mm_h + lac_production_mm_h) / kla_co2, kla_co2, dt_h),
        acid_base.MIN_CONCENTRATION_MM)

    # --- gas transfer: headspace relaxes to the inlet gas, shifted by what the liquid exchanges
    gas_mmol = gas_transfer.headspace_gas_mmol(p, temperature_c)
    k_gas_per_h = gas_in * 60.0 / p["headspace_ml"]
    if k_gas_per_h > 0.0:
        y_o2 = _relax(s["headspace_o2_fraction"], y_o2_in - otr_mmol_h / (gas_mmol * k_gas_per_h),
                      k_gas_per_h, dt_h)
        y_co2 = _relax(s["headspace_co2_fraction"], y_co2_in + ctr_mmol_h / (gas_mmol * k_gas_per_h),
                       k_gas_per_h, dt_h)
    else:
        y_o2 = s["headspace_o2_fraction"] - dt_h * otr_mmol_h / gas_mmol
        y_co2 = s["headspace_co2_fraction"] + dt_h * ctr_mmol_h / gas_mmol
    s["headspace_o2_fraction"] = _clamp(y_o2, 0.0, 1.0)
    s["headspace_co2_fraction"] = _clamp(y_co2, 0.0, 1.0)

    # --- thermal (exact for constant heater power over the step, as thermal.py)
    heat_capacity_j_per_k = (volume_ml * p["medium_density_g_per_ml"] * p["medium_heat_capacity_j_per_g_k"]
                             + p["tray_heat_capacity_j_per_k"])
    ua = p["ua_w_per_k"] * (p["door_open_ua_factor"] if faults["door_open"] else 1.0)
    steady_c = p["ambient_c"] + heater_w / ua
    s["temperature_c"] = _relax(temperature_c, steady_c, ua / heat_capacity_j_per_k * 3600.0, dt_h)

    # --- volumes and pumps
    s["volume_ml"] = volume_ml + (feed + base) * dt_min
    s["base_delivered_ml"] += base * dt_min
    s["feed_delivered_ml"] += feed * dt_min
    s["perfusion_delivered_ml"] += perf * dt_min
    s["rocking_rpm"] = rpm
    s["rocking_angle_deg"] = angle_deg
    s["heater_w"] = heater_w
    s["gas_inflow_ml_min"] = gas_in
    s["base_flow_ml_min"] = base
    s["feed_flow_ml_min"] = feed
    s["perfusion_flow_ml_min"] = perf
    s["time_s"] += dt_s


class CultureKernelReference:
    """Same interface as the compiled ``CultureKernel``, in Python."""

    def __init__(self, params: dict, state: dict):
        missing = [n for n in PARAMETER_NAMES if n not in params]
        if missing:
            raise KeyError(f"missing culture parameters: {missing}")
        self._p = {n: float(params[n]) for n in PARAMETER_NAMES}
        self._s = {n: 0.0 for n in STATE_NAMES}
        self.set_state(state)
        self._f = {n: False for n in FAULT_NAMES}

    def get_state(self) -> dict:
        return dict(self._s)

    def set_state(self, state: dict) -> None:
        unknown = set(state) - set(STATE_NAMES)
        if unknown:
            raise KeyError(f"unknown culture state: {sorted(unknown)}")
        self._s.update({k: float(v) for k, v in state.items()})

    def get_parameters(self) -> dict:
        return dict(self._p)

    def get_faults(self) -> dict:
        return dict(self._f)

    def set_fault(self, name: str, active: bool) -> None:
        if name not in self._f:
            raise KeyError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
        self._f[name] = bool(active)

    def advance(self, n_steps: int, dt_s: float, heater_pct: float, co2_valve_pct: float,
                base_ml_min: float, feed_ml_min: float, perfusion_ml_min: float,
                rocking_rpm: float, rocking_angle_deg: float, o2_enrichment_pct: float) -> None:
        a = (heater_pct, co2_valve_pct, base_ml_min, feed_ml_min, perfusion_ml_min,
             rocking_rpm, rocking_angle_deg, o2_enrichment_pct)
        for _ in range(int(n_steps)):
            culture_step(self._s, self._p, self._f, a, dt_s)
