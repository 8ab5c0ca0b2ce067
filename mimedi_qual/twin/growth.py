"""Growth, death and metabolism of T cells in the expansion culture.

Monod with lactate inhibition and a lag (constants: [Zhu], [Levine], [CHO])::

    mu  = mu_max · S/(K_S+S) · K_I/(K_I+L) · C/(K_O2+C) · f_T · f_pH · (1 − e^(−t/t_lag))
    k_d = k_death + k_stress · max(K_S/(K_S+S), K_O2/(K_O2+C), 1 − f_pH)

``f_T = 1 − ((T − T_opt)/ΔT)²`` (zero beyond ΔT: a cooled bag stops growing)
and ``f_pH = exp(−((pH − pH_opt)/σ)²)``. Dead cells lyse at ``k_lys``.
Glucose is taken up for growth (yield ``Y_X/glc``) and maintenance; lactate
comes at ``Y_lac/glc`` per glucose; oxygen at ``q_O2`` per cell (Monod in C);
CO2 at the respiratory quotient. The numbers are CHO placeholders [CHO] except
the growth rate and lag, derived for T cells [Levine, Zhu].

>>> from mimedi_qual.twin.culture import Culture
>>> p = Culture.from_profile().parameters
>>> mu, kd = specific_rates_per_h(p, time_s=5 * 86400, temperature_c=37.0, ph=7.2,
...                               glucose_mm=11.1, lactate_mm=0.0, dissolved_o2_um=100.0)
>>> round(24 * (mu - kd), 2)     # net growth per day, ideal conditions after the lag
0.4
"""

from __future__ import annotations

import math


def specific_rates_per_h(p: dict, time_s: float, temperature_c: float, ph: float,
                         glucose_mm: float, lactate_mm: float, dissolved_o2_um: float) -> tuple[float, float]:
    """(mu, k_d) in 1/h for the current conditions."""
    glc = max(glucose_mm, 0.0)
    lac = max(lactate_mm, 0.0)
    o2 = max(dissolved_o2_um, 0.0)
    f_glc = glc / (p["k_glucose_mm"] + glc)
    f_lac = p["k_i_lactate_mm"] / (p["k_i_lactate_mm"] + lac)
    f_o2 = o2 / (p["k_o2_um"] + o2)
    dev_t = (temperature_c - p["optimal_temperature_c"]) / p["temperature_tolerance_c"]
    f_t = 1.0 - dev_t * dev_t if dev_t * dev_t < 1.0 else 0.0
    dev_ph = (ph - p["optimal_ph"]) / p["ph_tolerance"]
    f_ph = math.exp(-dev_ph * dev_ph)
    lag = 1.0 - math.exp(-time_s / 3600.0 / p["lag_h"])
    mu_per_h = p["mu_max_per_d"] / 24.0 * f_glc * f_lac * f_o2 * f_t * f_ph * lag
    stress = max(p["k_glucose_mm"] / (p["k_glucose_mm"] + glc), p["k_o2_um"] / (p["k_o2_um"] + o2), 1.0 - f_ph)
    kd_per_h = p["k_death_per_h"] + p["k_stress_death_per_h"] * stress
    return mu_per_h, kd_per_h


def metabolic_rates(p: dict, mu_per_h: float, viable_cells_per_ml: float, glucose_mm: float,
                    dissolved_o2_um: float) -> tuple[float, float, float, float]:
    """(glucose uptake mM/h, lactate production mM/h, O2 uptake µM/h, CO2 evolution mM/h)."""
    glc = max(glucose_mm, 0.0)
    o2 = max(dissolved_o2_um, 0.0)
    f_glc = glc / (p["k_glucose_mm"] + glc)
    f_o2 = o2 / (p["k_o2_um"] + o2)
    q_glc_mmol_per_cell_h = (mu_per_h / p["yield_cells_per_mmol_glucose"]
                             + p["glucose_maintenance_pmol_per_cell_h"] * 1e-9 * f_glc)
    glc_uptake_mm_h = q_glc_mmol_per_cell_h * viable_cells_per_ml * 1000.0
    lac_production_mm_h = p["yield_lactate_per_glucose"] * glc_uptake_mm_h
    our_um_h = p["q_o2_pmol_per_cell_h"] * 1e-3 * f_o2 * viable_cells_per_ml
    cer_mm_h = p["respiratory_quotient"] * our_um_h / 1000.0
    return glc_uptake_mm_h, lac_production_mm_h, our_um_h, cer_mm_h
