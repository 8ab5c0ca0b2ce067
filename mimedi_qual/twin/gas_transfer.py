"""Gas transfer in the rocking bag: kLa, saturation concentrations, the overlay gas.

Oxygen reaches the cells only through the liquid surface the rocking motion
renews::

    dC/dt = kLa (C* − C) − OUR,      C* = C*_air · y_O2 / y_O2,air      [O2sol]

``kLa`` grows with rocking speed and angle: a power law through the
published points (0.8–3.7 h⁻¹ at 10 rpm/6°, ~65 h⁻¹ at 40 rpm and high angle
[Bai, Bartczak]) on top of a small still-surface floor. CO2 leaves through the
same surface with ``kLa_CO2 = ratio · kLa``.

The overlay is a blend of air, pure O2 (enrichment) and CO2 (the CO2 valve);
without a gas supply only the vent filter exchanges with room air.

>>> p = {"kla_static_per_h": 0.1, "kla_reference_per_h": 2.0, "reference_rocking_rpm": 10.0,
...      "reference_rocking_angle_deg": 6.0, "rocking_rpm_exponent": 2.0, "rocking_angle_exponent": 1.0}
>>> round(kla_o2_per_h(p, rpm=10.0, angle_deg=6.0), 2)
2.1
>>> round(steady_state_o2_um(kla_per_h=22.0, o2_star_um=184.0, our_max_um_h=2000.0, k_o2_um=0.0), 1)
93.1
"""

from __future__ import annotations

import math

GAS_CONSTANT_L_ATM_PER_MOL_K = 0.082057


def kla_o2_per_h(p: dict, rpm: float, angle_deg: float) -> float:
    """Oxygen kLa of the rocking bag: a still-surface floor plus a power law in rpm and angle."""
    kla = p["kla_static_per_h"]
    if rpm > 0.0 and angle_deg > 0.0:
        kla += (p["kla_reference_per_h"]
                * (rpm / p["reference_rocking_rpm"]) ** p["rocking_rpm_exponent"]
                * (angle_deg / p["reference_rocking_angle_deg"]) ** p["rocking_angle_exponent"])
    return kla


def o2_saturation_um(p: dict, headspace_o2_fraction: float) -> float:
    """Dissolved O2 in equilibrium with the headspace (Henry's law scaled from air)."""
    return p["o2_saturation_air_um"] * headspace_o2_fraction / p["air_o2_fraction"]


def co2_saturation_mm(p: dict, headspace_co2_fraction: float) -> float:
    """Dissolved CO2 in equilibrium with the headspace: s · y_CO2 · (P − P_H2O)."""
    dry_pressure_mmhg = p["atmospheric_pressure_mmhg"] - p["water_vapour_pressure_mmhg"]
    return p["co2_solubility_mm_per_mmhg"] * headspace_co2_fraction * dry_pressure_mmhg


def inlet_gas(p: dict, co2_valve_pct: float, o2_enrichment_pct: float,
              supply_available: bool, nitrogen_purge: bool = False,
              co2_lost: bool = False, o2_lost: bool = False) -> tuple[float, float, float]:
    """(flow_ml_min, y_CO2, y_O2) of the gas entering the headspace.

    The mixer blends CO2 (valve) into air enriched with O2, at the supply's
    flow whatever the blend; the air brings its own CO2 (``ambient_co2_fraction``), so
    a bag under air alone settles at the air's pCO2, not at none. Each gas is lost on its own: with the CO2
    cylinder lost (``co2_lost``) no CO2 is blended and the air (with its O2
    enrichment) still flows; with the O2 cylinder lost (``o2_lost``) there is
    no enrichment and the air (with its CO2) still flows. In a *nitrogen
    purge* the air and O2 inlets are fed nitrogen (how a low-DO alarm and a DO
    probe zero are checked on a rocking bioreactor): CO2 is blended as usual
    (unless its cylinder is lost: then pure N2), the rest is N2, so no O2
    enters — whatever the enrichment or the O2 cylinder. With no supply at
    all (``supply_available`` false: the mixer unpowered) only the vent filter
    exchanges with room air, whatever else is lost or purged.
    """
    if not supply_available:
        return p["passive_vent_ml_min"], p["ambient_co2_fraction"], p["air_o2_fraction"]
    if co2_lost:
        y_co2 = 0.0
    else:
        y_co2 = min(max(co2_valve_pct, 0.0), 100.0) / 100.0 * p["co2_valve_full_scale_fraction"]
    if nitrogen_purge:
        return p["gas_flow_ml_min"], y_co2, 0.0
    enrichment = 0.0 if o2_lost else min(max(o2_enrichment_pct, 0.0), 100.0) / 100.0
    y_o2 = (1.0 - y_co2) * (p["air_o2_fraction"] + (1.0 - p["air_o2_fraction"]) * enrichment)
    # the air's own CO2 (its share of the blend: what neither valve nor enrichment replaced)
    y_co2 = y_co2 + (1.0 - y_co2) * (1.0 - enrichment) * p["ambient_co2_fraction"]
    return p["gas_flow_ml_min"], y_co2, y_o2


def headspace_gas_mmol(p: dict, temperature_c: float) -> float:
    """Moles of gas in the headspace (ideal gas), in mmol."""
    return (p["atmospheric_pressure_mmhg"] / 760.0 * p["headspace_ml"] / 1000.0
            / (GAS_CONSTANT_L_ATM_PER_MOL_K * (temperature_c + 273.15)) * 1000.0)


def steady_state_o2_um(kla_per_h: float, o2_star_um: float, our_max_um_h: float, k_o2_um: float) -> float:
    """Closed-form steady dissolved O2 with Monod uptake ``OUR = OUR_max · C/(K_O2 + C)``.

    Solves ``kLa (C* − C)(K + C) = OUR_max · C`` for its positive root; with
    ``K = 0`` this is the familiar ``C = C* − OUR/kLa`` (clamped at zero).
    """
    if k_o2_um == 0.0:
        return max(o2_star_um - our_max_um_h / kla_per_h, 0.0)
    # kLa C² + (kLa K − kLa C* + OUR) C − kLa C* K = 0
    a = kla_per_h
    b = kla_per_h * k_o2_um - kla_per_h * o2_star_um + our_max_um_h
    c = -kla_per_h * o2_star_um * k_o2_um
    return (-b + math.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)
