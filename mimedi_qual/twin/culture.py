"""The expansion culture in its rocking bag: one object holding all culture state.

``Culture`` composes the plant models of the expansion phase — thermal,
gas transfer and dissolved O2/CO2, pH through the bicarbonate buffer, growth
and metabolism, volumes, pumps and the load cell — and advances them together
with a fixed step under the actuator commands of the controller. The
integration runs in C (``culture_kernel.pyx``); the equations are written
out in ``culture_reference.py``, which ``pure_python=True`` selects.

A simulated controller builds one culture from the twin profile and steps it
in lockstep with its control period; instruments read the true values:

>>> culture = Culture.from_profile(seed=7, volume_ml=300.0, viable_cells_per_ml=1e6)
>>> hold = Actuators(heater_pct=37.5, co2_valve_pct=25.0, rocking_rpm=10.0)
>>> culture.step(1.0, hold)                       # one control period
>>> culture.advance(3600.0, hold)                 # an hour of 1 s steps, in C
>>> round(culture.temperature_c, 2), round(culture.ph, 2), round(culture.mass_g)
(37.0, 7.41, 652)
>>> culture.inject(CultureFault.HEATER_FAILED)   # the culture starts to cool
>>> culture.advance(3600.0, hold); culture.temperature_c < 35.0
True

Faults are the *plant's*: heater failure, pump occlusion (per pump), loss of
the CO2 or of the O2 cylinder (each on its own: the air still flows, only
that gas is missing from the blend), nitrogen on the air/O2 inlets, door
open, power loss (the gas mixer stops too: only the vent filter breathes).
Precedence at the gas inlet: power loss over everything; a nitrogen purge
lets no O2 in whatever the O2 cylinder; a lost CO2 cylinder removes the CO2
from whatever flows (with a purge: pure nitrogen). Sensor faults belong to
the instruments. An acid added through the sample port is an operation on
the bag, not a fault: ``culture.add_acid(mmol)``.

Donor-to-donor variation is drawn once, at construction, from a seeded
``numpy.random.Generator``: the same seed gives identical numbers, another
seed a plausibly different donor; ``seed=None`` gives the nominal donor.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mimedi_qual.twin import culture_reference
from mimedi_qual.twin.acid_base import MIN_CONCENTRATION_MM, ph_of
from mimedi_qual.twin.culture_reference import PARAMETER_NAMES
from mimedi_qual.twin.gas_transfer import kla_o2_per_h
from mimedi_qual.twin.parameters import DEFAULT_PROFILE_PATH, TwinProfile, load_twin_profile

_CULTURE_SECTIONS = ("thermal", "vessel", "gas_transfer", "acid_base", "metabolism", "growth")


class CultureFault(str, enum.Enum):
    """Plant faults that can be injected into a running culture."""

    HEATER_FAILED = "heater_failed"            # heater delivers no power whatever the command
    CO2_SUPPLY_LOST = "co2_supply_lost"        # CO2 cylinder lost: no CO2 blended, air (+ O2) still flows
    O2_SUPPLY_LOST = "o2_supply_lost"          # O2 cylinder lost: no O2 enrichment, air (+ CO2) still flows
    DOOR_OPEN = "door_open"                    # heat loss to the room multiplied
    POWER_LOST = "power_lost"                  # heater, pumps, rocker and gas mixer stop: vent filter only
    BASE_PUMP_OCCLUDED = "base_occluded"       # base pump flow -> 0
    FEED_PUMP_OCCLUDED = "feed_occluded"       # feed pump flow -> 0
    PERFUSION_PUMP_OCCLUDED = "perfusion_occluded"  # perfusion flow -> 0
    NITROGEN_PURGE = "nitrogen_purge"          # air/O2 inlets fed N2: no O2 enters (CO2 blended as usual)


@dataclass(frozen=True)
class Actuators:
    """What the controller commands, held constant over a step."""

    heater_pct: float = 0.0
    co2_valve_pct: float = 0.0          # 100 % blends the full-scale CO2 fraction (profile)
    base_ml_min: float = 0.0
    feed_ml_min: float = 0.0            # fed-batch: adds volume
    perfusion_ml_min: float = 0.0       # medium in = spent medium out, cells retained
    rocking_rpm: float = 0.0
    rocking_angle_deg: float = 6.0
    o2_enrichment_pct: float = 0.0      # share of pure O2 in the overlay (rest air)

    def as_args(self) -> tuple[float, ...]:
        """Positional arguments of the kernel's ``advance`` (the order of the fields)."""
        return (self.heater_pct, self.co2_valve_pct, self.base_ml_min, self.feed_ml_min,
                self.perfusion_ml_min, self.rocking_rpm, self.rocking_angle_deg, self.o2_enrichment_pct)


@dataclass(frozen=True)
class CultureReading:
    """The true values of the culture at one instant (what ideal instruments would read)."""

    time_s: float
    temperature_c: float
    ph: float
    do_pct_air_sat: float
    dissolved_o2_um: float
    dissolved_co2_mm: float
    pco2_mmhg: float
    headspace_co2_pct: float
    headspace_o2_pct: float
    bicarbonate_mm: float
    glucose_mm: float
    lactate_mm: float
    viable_cells_per_ml: float
    dead_cells_per_ml: float
    viability: float
    volume_ml: float
    mass_g: float
    rocking_rpm: float
    rocking_angle_deg: float
    kla_per_h: float
    heater_w: float
    gas_inflow_ml_min: float
    base_flow_ml_min: float
    feed_flow_ml_min: float
    perfusion_flow_ml_min: float
    base_delivered_ml: float
    feed_delivered_ml: float
    perfusion_delivered_ml: float


def culture_parameters(profile: TwinProfile) -> dict[str, float]:
    """Flatten the culture sections of a profile into the kernel's parameter dict."""
    flat: dict[str, float] = {}
    for section in _CULTURE_SECTIONS:
        for name, q in getattr(profile, section):
            flat[name] = q.value
    return {name: flat[name] for name in PARAMETER_NAMES}


def draw_donor(parameters: dict[str, float], profile: TwinProfile,
               rng: np.random.Generator) -> dict[str, float]:
    """A donor: growth rate, lag and O2 uptake varied log-normally by the profile's CVs."""
    g = profile.growth

    def lognormal(cv: float) -> float:
        sigma = math.sqrt(math.log1p(cv * cv))
        return float(rng.lognormal(-0.5 * sigma * sigma, sigma))  # mean 1

    donor = dict(parameters)
    donor["mu_max_per_d"] *= lognormal(g.donor_mu_cv.value)
    donor["lag_h"] *= lognormal(g.donor_lag_cv.value)
    donor["q_o2_pmol_per_cell_h"] *= lognormal(g.donor_q_o2_cv.value)
    return donor


def _kernel_class(pure_python: bool):
    if pure_python:
        return culture_reference.CultureKernelReference
    from mimedi_qual.twin.culture_kernel import CultureKernel  # compiled; no silent fallback
    return CultureKernel


class Culture:
    """All state of the expansion culture, stepped under actuator commands."""

    def __init__(self, parameters: dict[str, float], initial_state: dict[str, float],
                 *, bag_tare_g: float = 0.0, working_volume_max_ml: float = math.inf,
                 pure_python: bool = False):
        self._kernel = _kernel_class(pure_python)(dict(parameters), dict(initial_state))
        self._p = self._kernel.get_parameters()
        self.bag_tare_g = float(bag_tare_g)
        self.working_volume_max_ml = float(working_volume_max_ml)
        self._cached_state: dict[str, float] | None = None   # dropped whenever the kernel moves
        self.pure_python = pure_python

    # ------------------------------------------------------------ construction
    @classmethod
    def from_profile(cls, profile: TwinProfile | str | Path | None = None, *, seed: int | None = None,
                     volume_ml: float = 300.0, viable_cells_per_ml: float = 1.0e6,
                     viability: float = 0.95, temperature_c: float = 37.0,
                     co2_fraction: float = 0.05, pure_python: bool = False,
                     rng: np.random.Generator | None = None,
                     overrides: dict[str, float] | None = None) -> "Culture":
        """A freshly seeded bag: medium equilibrated with ``co2_fraction`` CO2 in air.

        ``seed`` (or an explicit ``rng``) draws the donor; neither gives the nominal donor.
        ``overrides`` replaces kernel parameters by name (a bench profile's own
        ``ua_w_per_k``, ``heater_max_w``, ``ambient_c`` ...); unknown names are refused.
        """
        if not volume_ml > 0.0:
            raise ValueError(f"a culture needs liquid: volume_ml={volume_ml}")
        if not 0.0 < viability <= 1.0 or viable_cells_per_ml < 0.0:
            raise ValueError(f"need 0 < viability <= 1 and a density >= 0, got {viability}, {viable_cells_per_ml}")
        if profile is None:
            profile = DEFAULT_PROFILE_PATH
        if not isinstance(profile, TwinProfile):
            profile = load_twin_profile(profile)
        parameters = culture_parameters(profile)
        if rng is None and seed is not None:
            rng = np.random.default_rng(seed)
        if rng is not None:
            parameters = draw_donor(parameters, profile, rng)
        if overrides:
            unknown = set(overrides) - set(parameters)
            if unknown:
                raise KeyError(f"unknown culture parameters: {sorted(unknown)}; known: {', '.join(parameters)}")
            parameters.update({k: float(v) for k, v in overrides.items()})
        p = parameters
        o2_fraction = (1.0 - co2_fraction) * p["air_o2_fraction"]
        dry_mmhg = p["atmospheric_pressure_mmhg"] - p["water_vapour_pressure_mmhg"]
        state = {
            "time_s": 0.0,
            "temperature_c": temperature_c,
            "volume_ml": volume_ml,
            "viable_cells_per_ml": viable_cells_per_ml,
            "dead_cells_per_ml": viable_cells_per_ml * (1.0 - viability) / viability,
            "glucose_mm": p["medium_glucose_mm"],
            "lactate_mm": 0.0,
            "bicarbonate_mm": p["medium_bicarbonate_mm"],
            "dissolved_o2_um": p["o2_saturation_air_um"] * o2_fraction / p["air_o2_fraction"],
            "dissolved_co2_mm": p["co2_solubility_mm_per_mmhg"] * co2_fraction * dry_mmhg,
            "headspace_o2_fraction": o2_fraction,
            "headspace_co2_fraction": co2_fraction,
        }
        return cls(parameters, state, bag_tare_g=profile.vessel.bag_tare_g.value,
                   working_volume_max_ml=profile.vessel.working_volume_max_ml.value, pure_python=pure_python)

    # ------------------------------------------------------------ stepping
    def step(self, dt_s: float, actuators: Actuators) -> None:
        """Advance one fixed step of ``dt_s`` seconds."""
        self._cached_state = None
        self._kernel.advance(1, dt_s, *actuators.as_args())

    def advance(self, duration_s: float, actuators: Actuators, dt_s: float = 1.0) -> None:
        """Advance ``duration_s`` in fixed steps of ``dt_s`` (a shorter last step if needed)."""
        if duration_s < 0 or dt_s <= 0:
            raise ValueError(f"need duration_s >= 0 and dt_s > 0, got {duration_s}, {dt_s}")
        n_steps = int(duration_s // dt_s)
        rest_s = duration_s - n_steps * dt_s
        args = actuators.as_args()
        self._cached_state = None
        if n_steps:
            self._kernel.advance(n_steps, dt_s, *args)
        if rest_s > 1e-9 * dt_s:
            self._kernel.advance(1, rest_s, *args)

    # ------------------------------------------------------------ faults
    def inject(self, fault: CultureFault | str) -> None:
        """Start a plant fault; it acts from the next step on."""
        self._kernel.set_fault(CultureFault(fault).value, True)

    def clear(self, fault: CultureFault | str) -> None:
        """End a plant fault (repair, supply restored, door closed, power back)."""
        self._kernel.set_fault(CultureFault(fault).value, False)

    @property
    def active_faults(self) -> frozenset[CultureFault]:
        return frozenset(CultureFault(k) for k, v in self._kernel.get_faults().items() if v)

    # ------------------------------------------------------------ operations on the bag
    def set_state(self, **values: float) -> None:
        """Impose true state by name, e.g. a fresh bag at room temperature:
        ``culture.set_state(temperature_c=22.0)`` (names: ``culture.state``)."""
        self._cached_state = None
        self._kernel.set_state(values)

    def remove_volume(self, volume_ml: float) -> None:
        """Take liquid out (sample, harvest): concentrations unchanged, volume down."""
        s = self._state()
        if not 0.0 <= volume_ml < s["volume_ml"]:
            raise ValueError(f"cannot remove {volume_ml} mL from {s['volume_ml']:.1f} mL")
        self._cached_state = None
        self._kernel.set_state({"volume_ml": s["volume_ml"] - volume_ml})

    def add_acid(self, acid_mmol: float) -> float:
        """A strong acid added through the sample port, at once; returns the bicarbonate consumed (mmol).

        Each proton titrates one bicarbonate to dissolved CO2 (H⁺ + HCO3⁻ → CO2 + H2O),
        the same chemistry as the culture's own lactic acid in ``culture_reference``:
        the pH drops at once, then recovers as the CO2 leaves through the headspace
        and base is pumped in. The twin buffers with bicarbonate only, so an acid
        beyond the bicarbonate present leaves a tiny positive floor
        (``acid_base.MIN_CONCENTRATION_MM``) — a pH far below any probe's range.

        >>> culture = Culture.from_profile(volume_ml=1000.0)
        >>> round(culture.add_acid(10.0), 6), round(culture.bicarbonate_mm, 1)
        (10.0, 13.8)
        """
        if not acid_mmol >= 0.0:
            raise ValueError(f"an acid bolus is an amount >= 0 mmol, got {acid_mmol}")
        self._cached_state = None      # read the kernel afresh (a lockstep loop may have stepped it)
        s = self._state()
        volume_l = s["volume_ml"] / 1000.0
        bicarbonate_mm = max(s["bicarbonate_mm"] - acid_mmol / volume_l, MIN_CONCENTRATION_MM)
        consumed_mm = s["bicarbonate_mm"] - bicarbonate_mm
        self.set_state(bicarbonate_mm=bicarbonate_mm, dissolved_co2_mm=s["dissolved_co2_mm"] + consumed_mm)
        return consumed_mm * volume_l

    # ------------------------------------------------------------ true values
    @property
    def state(self) -> dict[str, float]:
        """The raw integrator state (names carry units); a copy."""
        return dict(self._state())

    @property
    def parameters(self) -> dict[str, float]:
        return dict(self._p)

    def _state(self) -> dict[str, float]:
        if self._cached_state is None:
            self._cached_state = self._kernel.get_state()
        return self._cached_state

    def _get(self, name: str) -> float:
        return self._state()[name]

    time_s = property(lambda self: self._get("time_s"))
    temperature_c = property(lambda self: self._get("temperature_c"))
    volume_ml = property(lambda self: self._get("volume_ml"))
    viable_cells_per_ml = property(lambda self: self._get("viable_cells_per_ml"))
    dead_cells_per_ml = property(lambda self: self._get("dead_cells_per_ml"))
    glucose_mm = property(lambda self: self._get("glucose_mm"))
    lactate_mm = property(lambda self: self._get("lactate_mm"))
    bicarbonate_mm = property(lambda self: self._get("bicarbonate_mm"))
    dissolved_o2_um = property(lambda self: self._get("dissolved_o2_um"))
    dissolved_co2_mm = property(lambda self: self._get("dissolved_co2_mm"))
    rocking_rpm = property(lambda self: self._get("rocking_rpm"))
    rocking_angle_deg = property(lambda self: self._get("rocking_angle_deg"))
    heater_w = property(lambda self: self._get("heater_w"))

    @property
    def ph(self) -> float:
        s = self._state()
        return ph_of(self._p, s["bicarbonate_mm"], s["dissolved_co2_mm"])

    @property
    def do_pct_air_sat(self) -> float:
        return 100.0 * self._get("dissolved_o2_um") / self._p["o2_saturation_air_um"]

    @property
    def pco2_mmhg(self) -> float:
        return self._get("dissolved_co2_mm") / self._p["co2_solubility_mm_per_mmhg"]

    @property
    def viability(self) -> float:
        s = self._state()
        total = s["viable_cells_per_ml"] + s["dead_cells_per_ml"]
        return s["viable_cells_per_ml"] / total if total > 0 else 0.0

    @property
    def viable_cells(self) -> float:
        s = self._state()
        return s["viable_cells_per_ml"] * s["volume_ml"]

    @property
    def mass_g(self) -> float:
        """What the load cell under the rocker carries: tare plus liquid."""
        return self.bag_tare_g + self._get("volume_ml") * self._p["medium_density_g_per_ml"]

    @property
    def overfilled(self) -> bool:
        """Liquid above the bag's working volume (what a load-cell high alarm guards)."""
        return self._get("volume_ml") > self.working_volume_max_ml

    @property
    def kla_per_h(self) -> float:
        s = self._state()
        return kla_o2_per_h(self._p, s["rocking_rpm"], s["rocking_angle_deg"])

    def reading(self) -> CultureReading:
        """All true values at once (one consistent instant)."""
        s = self._state()
        p = self._p
        total = s["viable_cells_per_ml"] + s["dead_cells_per_ml"]
        return CultureReading(
            time_s=s["time_s"],
            temperature_c=s["temperature_c"],
            ph=ph_of(p, s["bicarbonate_mm"], s["dissolved_co2_mm"]),
            do_pct_air_sat=100.0 * s["dissolved_o2_um"] / p["o2_saturation_air_um"],
            dissolved_o2_um=s["dissolved_o2_um"],
            dissolved_co2_mm=s["dissolved_co2_mm"],
            pco2_mmhg=s["dissolved_co2_mm"] / p["co2_solubility_mm_per_mmhg"],
            headspace_co2_pct=100.0 * s["headspace_co2_fraction"],
            headspace_o2_pct=100.0 * s["headspace_o2_fraction"],
            bicarbonate_mm=s["bicarbonate_mm"],
            glucose_mm=s["glucose_mm"],
            lactate_mm=s["lactate_mm"],
            viable_cells_per_ml=s["viable_cells_per_ml"],
            dead_cells_per_ml=s["dead_cells_per_ml"],
            viability=s["viable_cells_per_ml"] / total if total > 0 else 0.0,
            volume_ml=s["volume_ml"],
            mass_g=self.bag_tare_g + s["volume_ml"] * p["medium_density_g_per_ml"],
            rocking_rpm=s["rocking_rpm"],
            rocking_angle_deg=s["rocking_angle_deg"],
            kla_per_h=kla_o2_per_h(p, s["rocking_rpm"], s["rocking_angle_deg"]),
            heater_w=s["heater_w"],
            gas_inflow_ml_min=s["gas_inflow_ml_min"],
            base_flow_ml_min=s["base_flow_ml_min"],
            feed_flow_ml_min=s["feed_flow_ml_min"],
            perfusion_flow_ml_min=s["perfusion_flow_ml_min"],
            base_delivered_ml=s["base_delivered_ml"],
            feed_delivered_ml=s["feed_delivered_ml"],
            perfusion_delivered_ml=s["perfusion_delivered_ml"],
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self.reading())
