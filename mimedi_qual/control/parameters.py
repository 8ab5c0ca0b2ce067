"""Controller parameters from a profile: typed, validated, never typed into code.

``profiles/control/controller.yaml`` holds every gain, limit, alarm threshold,
delay and the perfusion schedule. :class:`ControllerProfile` validates it
(unknown keys are errors, units are in the key names) and
:func:`build_controller` turns it into the compiled :class:`Controller`; the
pure-Python reference is built from the very same mapping.

>>> from mimedi_qual.control.parameters import load_controller_profile, build_controller
>>> profile = load_controller_profile()              # the default profile
>>> profile.temperature.setpoint_c
37.0
>>> ctl = build_controller(profile)
>>> ctl.period_s
1.0
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mimedi_qual.control.codes import ALARM_KINDS, Alarm
from mimedi_qual.paths import package_profiles
from mimedi_qual.profiles.loader import load_model

#: profiles/control/controller.yaml of this checkout.
DEFAULT_PROFILE_PATH = package_profiles() / "control" / "controller.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorCheckProfile(_Strict):
    """When a sensor counts as failed; values in the loop's own unit."""

    valid_min: float
    valid_max: float
    frozen_timeout_s: float = Field(ge=0.0)

    @model_validator(mode="after")
    def _range(self):
        if not self.valid_min < self.valid_max:
            raise ValueError("valid_min must be below valid_max")
        return self


class TemperatureProfile(_Strict):
    setpoint_c: float
    kp_pct_per_c: float = Field(ge=0.0)
    ki_pct_per_c_s: float = Field(ge=0.0)
    kd_pct_s_per_c: float = Field(ge=0.0)
    heater_min_pct: float = Field(ge=0.0, le=100.0)
    heater_max_pct: float = Field(ge=0.0, le=100.0)
    setpoint_ramp_c_per_s: float = Field(ge=0.0)
    over_temperature_trip_c: float
    over_temperature_hysteresis_c: float = Field(ge=0.0)
    safe_heater_pct: float = Field(ge=0.0, le=100.0)
    sensor: SensorCheckProfile

    @model_validator(mode="after")
    def _limits(self):
        if not self.heater_min_pct < self.heater_max_pct:
            raise ValueError("heater_min_pct must be below heater_max_pct")
        if not self.setpoint_c < self.over_temperature_trip_c:
            raise ValueError("setpoint_c must be below over_temperature_trip_c")
        return self


class PhProfile(_Strict):
    setpoint: float = Field(gt=0.0, lt=14.0)
    kp_pct_per_ph: float = Field(ge=0.0)
    ki_pct_per_ph_s: float = Field(ge=0.0)
    deadband_ph: float = Field(ge=0.0)
    co2_valve_max_pct: float = Field(ge=0.0, le=100.0)
    base_pump_max_ml_min: float = Field(ge=0.0)
    sensor: SensorCheckProfile


class DissolvedOxygenProfile(_Strict):
    setpoint_pct: float = Field(ge=0.0)
    kp_pct_per_pct: float = Field(ge=0.0)
    ki_pct_per_pct_s: float = Field(ge=0.0)
    rocking_min_rpm: float = Field(ge=0.0)
    rocking_max_rpm: float = Field(ge=0.0)
    o2_enrichment_max_pct: float = Field(ge=0.0, le=100.0)
    safe_rocking_rpm: float = Field(ge=0.0)
    safe_o2_enrichment_pct: float = Field(ge=0.0, le=100.0)
    sensor: SensorCheckProfile

    @model_validator(mode="after")
    def _rocking(self):
        if not self.rocking_min_rpm <= self.rocking_max_rpm:
            raise ValueError("rocking_min_rpm must not exceed rocking_max_rpm")
        return self


class PerfusionProfile(_Strict):
    """Perfusion rate as a step function of cell density or elapsed hours."""

    schedule_by: Literal["cell_density", "elapsed_time"]
    thresholds: list[float] = Field(max_length=8)
    rates_ml_day: list[float]

    @model_validator(mode="after")
    def _shape(self):
        if len(self.rates_ml_day) != len(self.thresholds) + 1:
            raise ValueError("rates_ml_day needs exactly one entry more than thresholds")
        if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:])):
            raise ValueError("thresholds must increase")
        if any(r < 0 for r in self.rates_ml_day):
            raise ValueError("rates_ml_day must not be negative")
        return self


class AlarmProfile(_Strict):
    """One alarm. ``limit``/``hysteresis`` only for limit alarms (high/low)."""

    enabled: bool = True
    limit: float | None = None
    hysteresis: float = Field(default=0.0, ge=0.0)
    on_delay_s: float = Field(ge=0.0)
    priority: int = Field(ge=1, le=4)


_LIMIT_ALARMS = {a.name.lower() for a in Alarm if ALARM_KINDS[a] != 0}


class StateMachineProfile(_Strict):
    acting_state_duration_s: float = Field(ge=0.0)
    auto_hold_priority: int = Field(ge=0, le=4)


class ControllerProfile(_Strict):
    """The whole controller profile (profiles/control/controller.yaml)."""

    period_s: float = Field(gt=0.0)
    temperature: TemperatureProfile
    ph: PhProfile
    dissolved_oxygen: DissolvedOxygenProfile
    perfusion: PerfusionProfile
    alarms: dict[str, AlarmProfile]
    state_machine: StateMachineProfile

    @model_validator(mode="after")
    def _alarms(self):
        expected = {a.name.lower() for a in Alarm}
        missing, unknown = expected - self.alarms.keys(), self.alarms.keys() - expected
        if missing or unknown:
            raise ValueError(f"alarms: missing {sorted(missing)}, unknown {sorted(unknown)}")
        for name in _LIMIT_ALARMS:
            if self.alarms[name].limit is None:
                raise ValueError(f"alarms.{name} needs a limit")
        return self

    def controller_config(self) -> dict:
        """The plain nested mapping the compiled controller and the reference take."""
        return self.model_dump()


def load_controller_profile(path: str | Path | None = None) -> ControllerProfile:
    """Read and validate a controller profile (default: the repository's).

    A broken file raises :class:`~mimedi_qual.errors.ProfileError` naming the
    file and the line of each problem, like every other profile.
    """
    path = Path(path) if path is not None else DEFAULT_PROFILE_PATH
    return load_model(path, ControllerProfile)


def build_controller(profile: ControllerProfile | str | Path | None = None):
    """The compiled :class:`~mimedi_qual.control.controller.Controller` for a profile."""
    from mimedi_qual.control.controller import Controller

    if not isinstance(profile, ControllerProfile):
        profile = load_controller_profile(profile)
    return Controller(profile.controller_config())


def build_reference(profile: ControllerProfile | str | Path | None = None):
    """The pure-Python :class:`~mimedi_qual.control.reference.ReferenceController`."""
    from mimedi_qual.control.reference import ReferenceController

    if not isinstance(profile, ControllerProfile):
        profile = load_controller_profile(profile)
    return ReferenceController(profile.controller_config())
