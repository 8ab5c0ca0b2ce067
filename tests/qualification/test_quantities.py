"""Quantities and units (pint): compatible units are converted, another quantity's unit is refused."""

from __future__ import annotations

import pytest

from mimedi_qual.errors import CriterionError
from mimedi_qual.profiles import load_acceptance
from mimedi_qual.profiles.acceptance import Criterion
from mimedi_qual.qualification.measurement import judge_series, judge_value
from mimedi_qual.qualification.quantities import (
    CO2,
    DO,
    FLOW,
    TEMPERATURE,
    UnitError,
    judged_unit,
    judges,
    parse_unit,
    to_criterion_unit,
    unit_fits,
)

KELVIN_BAND = Criterion(description="T in K", kind="band", target=310.15, tolerance=0.5, unit="K", source="ours")
CELSIUS_BAND = Criterion(description="T", kind="band", target=37.0, tolerance=0.5, unit="°C", source="ours")
FLOW_MAX = Criterion(description="flow", kind="max", limit=600.0, unit="mL/h", source="ours")


def test_every_unit_of_the_shipped_acceptance_profile_is_a_unit_pint_reads():
    for criterion_id, criterion in load_acceptance("profiles/acceptance").criteria.items():
        if criterion.kind != "exact":
            parse_unit(criterion.unit)   # raises UnitError naming the unit


def test_a_numeric_criterion_without_unit_is_refused():
    with pytest.raises(ValueError, match="needs its unit"):
        Criterion(description="x", kind="max", limit=1.0, source="ours")


def test_units_fit_their_quantity_only():
    assert unit_fits(TEMPERATURE, "K") and unit_fits(TEMPERATURE, "°F")
    assert unit_fits(FLOW, "mL/h") and unit_fits(DO, "% air saturation")
    assert not unit_fits(DO, "°C")          # a DO criterion in °C
    assert not unit_fits(CO2, "pH")         # a CO2 criterion in pH
    assert not unit_fits(TEMPERATURE, "no such unit")


def test_a_reading_in_celsius_is_judged_against_a_kelvin_criterion():
    inside = judge_value("T-K", KELVIN_BAND, 37.2, "thermometer", unit="°C")      # 310.35 K
    outside = judge_value("T-K", KELVIN_BAND, 37.8, "thermometer", unit="°C")     # 310.95 K
    assert inside.passed and inside.unit == "K" and inside.value == pytest.approx(310.35)
    assert not outside.passed
    series = judge_series("T-K", KELVIN_BAND, [36.9, 37.0, 37.1], "thermometer", unit="°C")
    assert series.passed and series.low == pytest.approx(309.65)


def test_a_flow_in_ml_per_min_is_judged_against_a_ml_per_h_criterion():
    assert judge_value("F", FLOW_MAX, 9.9, "balance", unit="mL/min").passed        # 594 mL/h
    assert not judge_value("F", FLOW_MAX, 10.1, "balance", unit="mL/min").passed   # 606 mL/h


def test_the_judging_refuses_a_dimension_mismatch_even_without_preflight():
    with pytest.raises(CriterionError, match=r"OQ-DO-ACC: .*is in '°C', which is not a unit of what was measured"):
        judge_value("OQ-DO-ACC", CELSIUS_BAND, 29.13, "ph_do_meter", unit="% air sat")
    with pytest.raises(UnitError):
        to_criterion_unit([7.0], "pH", "% vol")


def test_a_declared_step_tells_the_judging_its_unit():
    """Inside a step declared with @judges, judge_value knows the unit of the criterion it names."""
    @judges(criterion_id=DO)
    def step(criterion_id: str):
        assert judged_unit(criterion_id) == "% air sat"
        return judge_value(criterion_id, CELSIUS_BAND, 29.13, "ph_do_meter")

    with pytest.raises(CriterionError, match="not a unit of what was measured"):
        step(criterion_id="OQ-DO-ACC")
    assert judged_unit("OQ-DO-ACC") is None           # outside the step: nothing declared


def test_every_step_that_names_a_criterion_declares_what_it_judges():
    from mimedi_qual.plugin.vocabulary import step_definitions

    undeclared = [d.phrase for d in step_definitions()
                  if set(d.criterion_parameters()) & set(d.arguments_names()) and not d.judges]
    assert not undeclared, undeclared
