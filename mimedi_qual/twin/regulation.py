"""The twin's own stand-in for the control core, for running the process offline.

On the simulated bench the real control core (``mimedi_qual/control``) drives
the culture. To run a whole batch inside the twin — for the process model,
its tests and benchmarks — something must still hold 37 °C, pH and DO and run
the feed and perfusion plans. ``SetpointRegulator`` is that something: simple
proportional–integral loops with a feed-forward, evaluated once per control
period. It is deliberately plain; it is not the software under test.

>>> from mimedi_qual.twin.culture import Culture
>>> from mimedi_qual.twin.recipe import Recipe
>>> culture = Culture.from_profile()
>>> regulator = SetpointRegulator(Recipe(), culture.parameters)
>>> actuators = regulator.actuators(culture.reading())
>>> culture.advance(60.0, actuators)
>>> round(culture.temperature_c, 1)
37.0
"""

from __future__ import annotations

from mimedi_qual.twin.culture import Actuators, CultureReading
from mimedi_qual.twin.recipe import Recipe


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


class SetpointRegulator:
    """Temperature (heater), pH (CO2 down / base up), DO (O2 enrichment, then rocking), feeds, perfusion."""

    # Gains are per control period of the recipe (60 s by default); chosen for the default profile.
    HEATER_KP_PCT_PER_C = 15.0
    HEATER_KI_PCT_PER_C_S = 0.005
    CO2_KP_PCT_PER_PH = 300.0
    CO2_KI_PCT_PER_PH_S = 0.02
    O2_KP_PCT_PER_PCT = 2.0
    O2_KI_PCT_PER_PCT_S = 0.002

    def __init__(self, recipe: Recipe, parameters: dict[str, float]):
        self.recipe = recipe
        self.p = parameters
        self._heater_i = 0.0
        self._co2_i = 50.0
        self._o2_i = 0.0
        self._feeds = sorted(recipe.feeds, key=lambda f: f.day)

    def actuators(self, r: CultureReading) -> Actuators:
        rc, p = self.recipe, self.p
        dt_s = rc.control_period_s
        # temperature: feed-forward of the steady loss, plus PI
        error_c = rc.temperature_setpoint_c - r.temperature_c
        feedforward_pct = 100.0 * p["ua_w_per_k"] * (rc.temperature_setpoint_c - p["ambient_c"]) / p["heater_max_w"]
        self._heater_i = _clamp(self._heater_i + self.HEATER_KI_PCT_PER_C_S * error_c * dt_s, -50.0, 50.0)
        heater_pct = _clamp(feedforward_pct + self.HEATER_KP_PCT_PER_C * error_c + self._heater_i, 0.0, 100.0)
        # pH: more CO2 when the pH is high; base only below the low band
        error_ph = r.ph - rc.ph_setpoint
        self._co2_i = _clamp(self._co2_i + self.CO2_KI_PCT_PER_PH_S * error_ph * dt_s, 0.0, 100.0)
        co2_pct = _clamp(self._co2_i + self.CO2_KP_PCT_PER_PH * error_ph, 0.0, 100.0)
        base_ml_min = rc.base_ml_min if r.ph < rc.base_below_ph else 0.0
        # DO: enrich O2 first, rock faster when enrichment runs out
        error_do = rc.do_setpoint_pct - r.do_pct_air_sat
        self._o2_i = _clamp(self._o2_i + self.O2_KI_PCT_PER_PCT_S * error_do * dt_s, 0.0, 100.0)
        demand = self._o2_i + self.O2_KP_PCT_PER_PCT * error_do
        o2_pct = _clamp(demand, 0.0, 100.0)
        rpm = rc.rocking_rpm
        if demand > 100.0:
            rpm = min(rc.rocking_rpm + (demand - 100.0) * 0.2, rc.rocking_rpm_max)
        # fed-batch boluses, then perfusion by viable density [GA]
        feed_ml_min = 0.0
        day = r.time_s / 86400.0
        delivered_ml = r.feed_delivered_ml
        planned_ml = 0.0
        for feed in self._feeds:
            if day >= feed.day:
                planned_ml += feed.volume_ml
        if delivered_ml < planned_ml - 1e-6:
            feed_ml_min = min(rc.feed_rate_ml_min, (planned_ml - delivered_ml) * 60.0 / dt_s)
        perfusion_ml_min = rc.perfusion_ml_per_day(r.viable_cells_per_ml) / 1440.0
        return Actuators(heater_pct=heater_pct, co2_valve_pct=co2_pct, base_ml_min=base_ml_min,
                         feed_ml_min=feed_ml_min, perfusion_ml_min=perfusion_ml_min,
                         rocking_rpm=rpm, rocking_angle_deg=rc.rocking_angle_deg, o2_enrichment_pct=o2_pct)
