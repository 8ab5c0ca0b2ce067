"""pH of the culture through the bicarbonate/CO2 buffer (Henderson–Hasselbalch).

RPMI-1640 is buffered by 23.8 mM sodium bicarbonate against the CO2 of the
overlay; dissolved CO2 is ``s · pCO2`` with ``s = 0.0301 mM/mmHg`` [HH]::

    pH = 6.1 + log10([HCO3⁻] / (0.0301 · pCO2[mmHg]))

Lactic acid from glycolysis titrates bicarbonate one for one (HCO3⁻ + H⁺ →
CO2 + H2O), so the pH falls as lactate accumulates; the controller answers by
lowering CO2 (pH up) or adding base (NaHCO3, bicarbonate up).

>>> round(ph_from_pco2(bicarbonate_mm=23.8, pco2_mmhg=0.05 * (760 - 47)), 2)
7.45
"""

from __future__ import annotations

import math

PKA_APPARENT = 6.1                    # [HH]
CO2_SOLUBILITY_MM_PER_MMHG = 0.0301   # [HH]
MIN_CONCENTRATION_MM = 1e-9           # keeps log10 finite when a species is driven to zero


def ph_of(p: dict, bicarbonate_mm: float, dissolved_co2_mm: float) -> float:
    """pH from bicarbonate and dissolved CO2 concentrations, constants from the profile."""
    return p["pka_apparent"] + math.log10(
        max(bicarbonate_mm, MIN_CONCENTRATION_MM) / max(dissolved_co2_mm, MIN_CONCENTRATION_MM))


def ph_from_pco2(bicarbonate_mm: float, pco2_mmhg: float, pka: float = PKA_APPARENT,
                 solubility_mm_per_mmhg: float = CO2_SOLUBILITY_MM_PER_MMHG) -> float:
    """Henderson–Hasselbalch: pH = pKa + log10([HCO3⁻] / (s·pCO2)) [HH]."""
    return pka + math.log10(bicarbonate_mm / (solubility_mm_per_mmhg * pco2_mmhg))


def bicarbonate_for_ph(ph: float, pco2_mmhg: float, pka: float = PKA_APPARENT,
                       solubility_mm_per_mmhg: float = CO2_SOLUBILITY_MM_PER_MMHG) -> float:
    """The bicarbonate (mM) that gives ``ph`` at ``pco2_mmhg``: the inverse of ``ph_from_pco2``."""
    return solubility_mm_per_mmhg * pco2_mmhg * 10.0 ** (ph - pka)
