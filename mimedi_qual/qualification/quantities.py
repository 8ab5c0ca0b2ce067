"""Quantities and units: what a step measures, and whether a criterion's unit can judge it.

Every judging step declares, for each criterion it names, the quantity it
measures and the unit its value comes in (:func:`judges`); every numeric
criterion states its unit (``profiles/acceptance/*.yaml``). The units library
`pint <https://pint.readthedocs.io>`_ decides whether the two fit — same
dimension — and converts: a temperature criterion written in K judges readings
taken in °C, a flow criterion in mL/h judges a flow measured in mL/min. A DO
criterion in °C, or a CO2 criterion in pH, has no conversion: the protocol
preflight refuses it before the bench starts, and the judging code refuses it
again should a run get that far (:func:`to_criterion_unit`).

>>> unit_fits(TEMPERATURE, "K"), unit_fits(DO, "°C")
(True, False)
>>> to_criterion_unit([37.0], "°C", "K")
[310.15]

Besides pint's own units the protocol uses a few of its own, defined here so
pint knows their dimension:

* ``pH`` — a dimension of its own (a pH is no percentage, no temperature);
* ``% air sat`` (``% air saturation``) — dissolved oxygen relative to air
  saturation, a dimension of its own: DO is not a gas fraction;
* ``% vol`` — a volume fraction (dimensionless, like ``%``);
* counted things — ``devices``, ``entries``, ``setpoints``, ``changes``,
  ``attempts``, ``discrepancies``, ``settings``, ``commands``, ``periods``,
  ``positive tests`` … — all of the dimension *count* (``item``);
* ``copies/cell`` and ``fold`` — ratios (dimensionless);
* ``EU`` — endotoxin units (``EU/mL``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from typing import TYPE_CHECKING

from mimedi_qual.errors import CriterionError

if TYPE_CHECKING:  # pint (and numpy under it) is imported on first use: `mimedi-qual check` stays fast
    import pint

#: Definitions pint does not ship: the protocol's own units and their dimensions (pint definition syntax).
_DEFINITIONS = (
    "pH_unit = [acidity] = pH",
    "percent_air_saturation = [dissolved_oxygen] = pct_air_sat",
    "item = [count] = _ = items",
    "endotoxin_unit = [endotoxin] = EU",
    "fold = 1 = _ = fold_change",
)

#: Spellings of the acceptance profile that are not pint names (they contain spaces or name what is counted).
_SPELLINGS = {
    "% air sat": "percent_air_saturation", "% air saturation": "percent_air_saturation",
    "% vol": "percent", "% v/v": "percent",
    "copies/cell": "dimensionless", "attempts + entries": "item", "positive tests": "item",
}
#: Nouns a count criterion may be written in (``unit: "commands"``): each is one ``item``.
COUNTED = ("device", "devices", "entry", "entries", "setpoint", "setpoints", "change", "changes", "attempt",
           "attempts", "discrepancy", "discrepancies", "setting", "settings", "command", "commands", "period",
           "periods", "test", "tests", "sample", "samples", "count", "alarm", "alarms")


class UnitError(CriterionError):
    """A unit pint cannot read, or a value that cannot be expressed in a criterion's unit."""


@lru_cache(maxsize=1)
def registry() -> "pint.UnitRegistry":
    """The one unit registry of the harness (pint's defaults plus :data:`_DEFINITIONS`)."""
    import pint

    try:  # pint caches its parsed definitions on disk (~/.cache/pint): 10x faster from the second run on
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except OSError:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for definition in _DEFINITIONS:
        ureg.define(definition)
    return ureg


@lru_cache(maxsize=256)
def parse_unit(text: str) -> "pint.Unit":
    """``'°C'`` → degree_Celsius, ``'% air sat'`` → percent_air_saturation; UnitError if pint cannot read it."""
    spelled = text.strip()
    spelled = _SPELLINGS.get(spelled, "item" if spelled in COUNTED else spelled)
    if not spelled:
        raise UnitError("no unit")
    ureg = registry()
    import pint

    try:
        return ureg.parse_units(spelled)
    except (pint.errors.PintError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
        raise UnitError(f"unit {text!r} is not a unit pint knows ({exc})") from None


@dataclass(frozen=True)
class Quantity:
    """A measured quantity and the unit a step's values come in (``Quantity("temperature", "°C")``)."""

    name: str
    unit: str

    @property
    def dimensionality(self):
        return parse_unit(self.unit).dimensionality

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


TEMPERATURE = Quantity("temperature", "°C")
PH = Quantity("pH", "pH")
DO = Quantity("dissolved oxygen", "% air sat")
CO2 = Quantity("CO2 fraction", "% vol")
FRACTION = Quantity("fraction", "%")
SPEED = Quantity("rotational speed", "rpm")
VOLTAGE = Quantity("voltage", "V")
PRESSURE = Quantity("pressure", "bar")
MASS = Quantity("mass", "g")
VOLUME = Quantity("volume", "mL")
FLOW = Quantity("flow", "mL/min")
TIME_S = Quantity("time", "s")
TIME_MIN = Quantity("time", "min")
TIME_US = Quantity("time", "µs")
COUNT = Quantity("count", "item")
RATIO = Quantity("ratio", "dimensionless")
ENDOTOXIN = Quantity("endotoxin concentration", "EU/mL")

#: The quantities a scenario names in its words (``the DO on the ph_do_meter``), as the readers return them.
BY_NAME = {
    "temperature": TEMPERATURE, "pH": PH, "DO": DO, "CO2": CO2, "rocking speed": SPEED, "weight": MASS,
    "mains voltage": VOLTAGE, "O2 enrichment": FRACTION, "heater output": FRACTION,
}
#: What an instrument of each kind reads when the scenario names no quantity (``the thermometer is read …``).
DEFAULT_QUANTITY_OF_KIND = {"thermometer": "temperature", "gas_analyzer": "CO2", "tachometer": "rocking speed",
                            "ph_do_meter": "pH", "multimeter": "mains voltage", "bioreactor": "temperature"}


def unit_fits(quantity: Quantity, unit: str) -> bool:
    """Whether ``unit`` is a unit of ``quantity`` (same dimension); an unreadable unit does not fit."""
    try:
        return parse_unit(unit).dimensionality == quantity.dimensionality
    except UnitError:
        return False


def to_criterion_unit(values: Iterable[float], unit: str, criterion_unit: str, *, criterion_id: str = "") -> list[float]:
    """``values`` in ``unit`` expressed in ``criterion_unit`` (°C → K, mL/min → mL/h); UnitError across dimensions."""
    values = [float(v) for v in values]
    source, target = parse_unit(unit), parse_unit(criterion_unit)
    if source == target:
        return values
    if source.dimensionality != target.dimensionality:
        what = f"criterion {criterion_id} " if criterion_id else "the criterion "
        raise UnitError(f"{what}is in {criterion_unit!r}, which is not a unit of what was measured "
                        f"(values in {unit!r}): a {_dimension(source)} cannot be judged in {_dimension(target)}")
    ureg = registry()
    return [round(float(ureg.Quantity(v, source).to(target).magnitude), 9) for v in values]


def _dimension(unit: "pint.Unit") -> str:
    text = str(unit.dimensionality)
    return "dimensionless quantity" if text == "dimensionless" else f"quantity of dimension {text}"


# ---------------------------------------------------------------------------------------------------------
# What a judging step measures, declared on the step function (read by the preflight and `mimedi-qual steps`)
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FromReadings:
    """The quantity of the readings an earlier step of the scenario sampled (``every reading meets X``)."""

    def __str__(self) -> str:
        return "the readings' quantity"


@dataclass(frozen=True)
class ByParameter:
    """The quantity named by one of the step's own words (``the (?P<quantity>pH|DO) through the batch``)."""

    parameter: str
    choices: dict[str, Quantity] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.parameter, tuple(self.choices)))

    def __str__(self) -> str:
        return f"the {{{self.parameter}}} named: " + ", ".join(f"{k} ({q.unit})" for k, q in self.choices.items())


@dataclass(frozen=True)
class Exact:
    """An identity or status compared with a register: no number, no unit."""

    def __str__(self) -> str:
        return "identity/status (no unit)"


READINGS = FromReadings()
EXACT = Exact()

#: the attribute a step function carries its declaration in
DECLARATION = "__mimedi_judges__"


def judges(**criteria: QuantityRule) -> Callable:
    """Declare, per criterion parameter of a step, the quantity it judges::

        @then(parsers.parse("the time to reach the band of {band_id} meets {criterion_id}"))
        @judges(criterion_id=TIME_MIN, band_id=TEMPERATURE)
        def time_to_band(...): ...

    Put it directly above ``def`` (under the pytest-bdd decorator), so the
    function pytest-bdd registers carries the declaration: the preflight reads
    it to check each criterion's unit before the bench starts, ``mimedi-qual
    steps`` shows it, and while the step runs the judging functions
    (:mod:`~mimedi_qual.qualification.measurement`) know the unit each named
    criterion's values come in — so they convert it, or refuse a criterion of
    another quantity, even when no preflight ran.
    """
    def mark(func: Callable) -> Callable:
        @functools.wraps(func)  # keeps the signature: pytest-bdd passes the same fixtures and parameters
        def step(*args, **kwargs):
            token = _JUDGED_UNITS.set(_units_of(criteria, kwargs))
            try:
                return func(*args, **kwargs)
            finally:
                _JUDGED_UNITS.reset(token)

        setattr(step, DECLARATION, dict(criteria))
        return step
    return mark


#: criterion id → the unit its values come in, for the step running now (set by :func:`judges`)
_JUDGED_UNITS: ContextVar[dict[str, str]] = ContextVar("mimedi_judged_units", default={})


def judged_unit(criterion_id: str) -> str | None:
    """The unit the running step measures ``criterion_id`` in (None outside a declared step)."""
    return _JUDGED_UNITS.get().get(criterion_id)


def resolve(rule: QuantityRule, words: dict[str, object], readings: Quantity | None = None) -> Quantity | None:
    """The quantity a rule stands for, given the step's words (and the readings' quantity); None if unknown."""
    if isinstance(rule, Quantity):
        return rule
    if isinstance(rule, ByParameter):
        return rule.choices.get(str(words.get(rule.parameter)))
    if isinstance(rule, FromReadings):
        return readings
    return None


def pairs_of(text: str) -> list[tuple[str, str]]:
    """``'viability PQ-VIABILITY, CD3+ PQ-CD3'`` → [('viability', 'PQ-VIABILITY'), ('CD3+', 'PQ-CD3')]."""
    pairs = []
    for item in str(text).split(","):
        words = item.split()
        if words:
            pairs.append((" ".join(words[:-1]), words[-1]))
    return pairs


def _units_of(criteria: dict[str, QuantityRule], kwargs: dict) -> dict[str, str]:
    readings = kwargs.get("readings")
    readings_unit = getattr(readings, "unit", None)
    readings_quantity = Quantity(getattr(readings, "quantity", "readings"), readings_unit) if readings_unit else None
    units: dict[str, str] = {}
    for parameter, rule in criteria.items():
        value = kwargs.get(parameter)
        if value is None:
            continue
        if isinstance(rule, Pairs):
            units.update({cid: rule.choices[name].unit for name, cid in pairs_of(value) if name in rule.choices})
            continue
        quantity = resolve(rule, kwargs, readings_quantity)
        if quantity is not None:
            units[str(value)] = quantity.unit
    return units


def declaration_of(func: Callable) -> dict[str, QuantityRule] | None:
    return getattr(func, DECLARATION, None)


def describe_rule(rule: QuantityRule) -> str:
    return str(rule)


@dataclass(frozen=True)
class Pairs:
    """A comma-separated list of ``<result> <criterion id>`` (``viability PQ-VIABILITY, CD3+ PQ-CD3``)."""

    choices: dict[str, Quantity] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(tuple(self.choices))

    def __str__(self) -> str:
        return "each '<result> <criterion>': " + ", ".join(f"{k} ({q.unit})" for k, q in self.choices.items())


QuantityRule = Quantity | FromReadings | ByParameter | Exact | Pairs

CELL_CONCENTRATION = Quantity("viable cell concentration", "1/mL")
#: The QC release results a scenario names (``the viability of the product meets PQ-VIABILITY``).
QC_RESULTS = {
    "viability": FRACTION, "CD3+": FRACTION, "CAR+": FRACTION, "vector copies": RATIO, "endotoxin": ENDOTOXIN,
    "sterility": COUNT, "mycoplasma": COUNT, "fold expansion": RATIO, "viable count": CELL_CONCENTRATION,
}


def band_in_unit(low: float | None, high: float | None, band_unit: str, unit: str,
                 *, criterion_id: str = "") -> tuple[float | None, float | None]:
    """A band's limits (absolute values in ``band_unit``) expressed in ``unit``, to compare readings taken in it."""
    converted = to_criterion_unit([v for v in (low, high) if v is not None], band_unit, unit,
                                  criterion_id=criterion_id)
    it = iter(converted)
    return (next(it) if low is not None else None), (next(it) if high is not None else None)
