"""Twin parameters: every number with its unit and its source, loaded from a profile.

A twin profile (``profiles/twin/default.yaml``) lists each plant parameter as a
*quantity*: a value, the unit it is written in, and where it comes from — a
reference key (``[Zhu]``, ``[CHO]``, ``[Xuri]``, ``[HH]``, ...; the full references
are :data:`SOURCES`), or ``ours`` for a choice we made (with the reason after a
colon). A reviewer can
therefore tell a published number from an engineering guess at a glance::

    metabolism:
      q_o2_pmol_per_cell_h: {value: 0.2, unit: pmol/cell/h, source: "[EPFL] animal cells"}

The unit is checked against the unit the model expects (a profile cannot
silently give ``1/h`` where ``1/d`` is meant), and every error names the file
and the line:

>>> profile = load_twin_profile()          # profiles/twin/default.yaml
>>> profile.metabolism.q_o2_pmol_per_cell_h.value
0.2
>>> profile.source_of("metabolism.q_o2_pmol_per_cell_h")
'[EPFL] animal cells'

:class:`~mimedi_qual.errors.ProfileError` is raised for a missing file, bad
YAML, an unknown or missing parameter, a wrong unit or an unknown source, with
``path:line`` — the twin's profiles are read by the same loader as every other
profile (:func:`mimedi_qual.profiles.loader.load_model`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from mimedi_qual.paths import package_profiles
from mimedi_qual.profiles.loader import load_model

DEFAULT_PROFILE_PATH = package_profiles() / "twin" / "default.yaml"

#: The reference keys a source may cite, with the reference each stands for.
SOURCES = {
    "A15": "EU GMP Annex 15 (2015)",
    "A11": "EU GMP Annex 11",
    "P11": "21 CFR Part 11 §11.10, 11.50, 11.70, 11.200, 11.300",
    "MHRA": "MHRA GxP Data Integrity Guidance 2018",
    "Zhu": "Zhu et al., Cytotherapy 2018;20(3):394–406",
    "Xuri": "GE/BPI application note on Xuri W25 T-cell expansion",
    "GA": "Garcia-Aponte et al., J Biol Eng 2021;15:13",
    "Ghassemi": "PMC8274631",
    "Levine": "J Immunol 1997;159:5921",
    "CHO": "PMC5874891 (CHO cells: placeholders for T cells)",
    "Castella": "PMC6319086",
    "CD20": "PMC11461191",
    "Kym": "Blood Adv 2020;4:5414",
    "Bai": "Biotechnol Bioeng 2019 (PMID 31038204)",
    "Bartczak": "Bartczak: kLa of a rocking bag (no full reference recorded)",
    "O2sol": "bioblast.at (O2 solubility)",
    "EPFL": "EPFL infoscience record 80771",
    "HH": "Henderson–Hasselbalch",
    "APS": "Chai & Barber, Pharm Eng 2022",
    "PV-cal": "a pharma calibration/validation guide",
    "pHcal": "a pharma calibration/validation guide (pH)",
    "Vali": "a pharma calibration/validation guide",
    "RPMI": "RPMI-1640 formulation",
    "water": "specific heat capacity of liquid water, 4.18 J/(g·K) near 37 °C (a physical constant, e.g. CRC "
             "Handbook of Chemistry and Physics); a dilute culture medium is taken as water",
}
KNOWN_SOURCE_KEYS = frozenset(SOURCES)
_SOURCE_RE = re.compile(r"^(?:\[(?P<key>[A-Za-z0-9-]+)\]|(?P<ours>ours))(?=$|[\s:])")


class Quantity(BaseModel):
    """One parameter: value, unit as written, and where the number comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str
    source: str
    note: str | None = None


def _check_source(source: str) -> str:
    match = _SOURCE_RE.match(source.strip())
    if match is None:
        raise ValueError(
            f"source {source!r} must start with a reference key like [Zhu] (the keys of SOURCES in "
            "mimedi_qual/twin/parameters.py) or with 'ours' and the reason")
    key = match.group("key")
    if key is not None and key not in KNOWN_SOURCE_KEYS:
        raise ValueError(f"source key [{key}] is not a known reference ({', '.join(sorted(KNOWN_SOURCE_KEYS))})")
    return source


def quantity(unit: str, *, positive: bool = False, fraction: bool = False) -> Any:
    """Annotation for a parameter that must be written in ``unit``."""

    def check(q: Quantity) -> Quantity:
        if q.unit != unit:
            raise ValueError(f"unit must be {unit!r}, not {q.unit!r}")
        _check_source(q.source)
        if positive and not q.value > 0:
            raise ValueError(f"value must be > 0, got {q.value}")
        if fraction and not 0.0 <= q.value <= 1.0:
            raise ValueError(f"value must be a fraction in [0, 1], got {q.value}")
        return q

    return Annotated[Quantity, AfterValidator(check)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThermalSection(_Section):
    ua_w_per_k: quantity("W/K", positive=True)
    heater_max_w: quantity("W", positive=True)
    ambient_c: quantity("degC")
    medium_heat_capacity_j_per_g_k: quantity("J/g/K", positive=True)
    tray_heat_capacity_j_per_k: quantity("J/K")
    door_open_ua_factor: quantity("1", positive=True)


class VesselSection(_Section):
    medium_density_g_per_ml: quantity("g/mL", positive=True)
    bag_tare_g: quantity("g")
    headspace_ml: quantity("mL", positive=True)
    working_volume_max_ml: quantity("mL", positive=True)
    rocking_rpm_max: quantity("rpm", positive=True)
    rocking_angle_max_deg: quantity("deg", positive=True)


class GasTransferSection(_Section):
    kla_reference_per_h: quantity("1/h", positive=True)
    reference_rocking_rpm: quantity("rpm", positive=True)
    reference_rocking_angle_deg: quantity("deg", positive=True)
    rocking_rpm_exponent: quantity("1")
    rocking_angle_exponent: quantity("1")
    kla_static_per_h: quantity("1/h", positive=True)
    kla_co2_to_o2_ratio: quantity("1", positive=True)
    o2_saturation_air_um: quantity("uM", positive=True)
    air_o2_fraction: quantity("1", fraction=True)
    ambient_co2_fraction: quantity("1", fraction=True)
    gas_flow_ml_min: quantity("mL/min", positive=True)
    passive_vent_ml_min: quantity("mL/min")
    co2_valve_full_scale_fraction: quantity("1", fraction=True)
    atmospheric_pressure_mmhg: quantity("mmHg", positive=True)
    water_vapour_pressure_mmhg: quantity("mmHg")


class AcidBaseSection(_Section):
    pka_apparent: quantity("1")
    co2_solubility_mm_per_mmhg: quantity("mM/mmHg", positive=True)
    medium_bicarbonate_mm: quantity("mM")
    base_bicarbonate_mm: quantity("mM")


class MetabolismSection(_Section):
    q_o2_pmol_per_cell_h: quantity("pmol/cell/h")
    k_o2_um: quantity("uM", positive=True)
    respiratory_quotient: quantity("1")
    yield_cells_per_mmol_glucose: quantity("cells/mmol", positive=True)
    yield_lactate_per_glucose: quantity("mol/mol")
    glucose_maintenance_pmol_per_cell_h: quantity("pmol/cell/h")
    medium_glucose_mm: quantity("mM")


class GrowthSection(_Section):
    mu_max_per_d: quantity("1/d")
    k_glucose_mm: quantity("mM", positive=True)
    k_i_lactate_mm: quantity("mM", positive=True)
    k_death_per_h: quantity("1/h")
    k_stress_death_per_h: quantity("1/h")
    k_lysis_per_d: quantity("1/d")
    lag_h: quantity("h", positive=True)
    optimal_temperature_c: quantity("degC")
    temperature_tolerance_c: quantity("degC", positive=True)
    optimal_ph: quantity("pH")
    ph_tolerance: quantity("pH", positive=True)
    donor_mu_cv: quantity("1")
    donor_lag_cv: quantity("1")
    donor_q_o2_cv: quantity("1")
    nontarget_fold_exponent: quantity("1")


class SelectionSection(_Section):
    target_recovery_mean: quantity("1", fraction=True)
    target_recovery_sd: quantity("1")
    nontarget_carryover_fraction: quantity("1", fraction=True)
    viability_retention: quantity("1", fraction=True)


class TransductionSection(_Section):
    activation_survival: quantity("1", fraction=True)
    functional_titer_fraction: quantity("1", positive=True)
    donor_efficiency_cv: quantity("1")


class HarvestSection(_Section):
    viable_recovery_per_wash: quantity("1", fraction=True)
    dead_recovery_per_wash: quantity("1", fraction=True)
    endotoxin_removal_per_wash: quantity("1", fraction=True)
    recovery_sd: quantity("1")


class FillSection(_Section):
    volume_cv: quantity("1")
    residual_volume_ml: quantity("mL")


class QcAssaysSection(_Section):
    count_cv: quantity("1")
    viability_sd: quantity("1")
    cd3_sd: quantity("1")
    car_sd: quantity("1")
    endotoxin_cv: quantity("1")
    endotoxin_loq_eu_per_ml: quantity("EU/mL")
    vcn_cv: quantity("1")
    process_endotoxin_eu_median: quantity("EU")
    contamination_probability: quantity("1", fraction=True)


class TwinProfile(_Section):
    """All twin parameters, grouped by the model that uses them."""

    thermal: ThermalSection
    vessel: VesselSection
    gas_transfer: GasTransferSection
    acid_base: AcidBaseSection
    metabolism: MetabolismSection
    growth: GrowthSection
    selection: SelectionSection
    transduction: TransductionSection
    harvest: HarvestSection
    fill: FillSection
    qc_assays: QcAssaysSection

    def quantity_at(self, dotted: str) -> Quantity:
        """The quantity at ``"section.name"``."""
        section, name = dotted.split(".")
        return getattr(getattr(self, section), name)

    def source_of(self, dotted: str) -> str:
        return self.quantity_at(dotted).source


def load_twin_profile(path: str | Path = DEFAULT_PROFILE_PATH) -> TwinProfile:
    """Load and validate a twin profile (a ProfileError with file and line when wrong)."""
    return load_model(path, TwinProfile)
