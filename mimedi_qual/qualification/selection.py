"""Which scenarios of the protocol a campaign runs: by stage, module, risk and tags.

The filters come from the command line (``mimedi-qual run --stage oq
--module expansion --risk high --tags "not slow"``) and combine with *and*:

* ``stage`` — the folder a feature file sits in (``features/oq/...``);
* ``module`` and ``risk`` — read from the URS requirement(s) a scenario is
  tagged with; a scenario matches if any of its requirements does;
* ``tags`` — a pytest marker expression over the Gherkin tags
  (``"URS-OQ-TEMP-001 or URS-OQ-PH-001"``, ``"not power"``); the plugin
  registers every tag as a marker, so the same expression selects in pytest.

:func:`select` gives the selected scenarios (to count them and to refuse an
empty selection before anything starts) and the ``-m`` expression that makes
pytest run exactly those.

>>> chosen = select(scenarios, requirements, Selection(modules=("expansion",), risks=("high",)))
>>> chosen.marker_expression
'(URS-OQ-TEMP-001 or URS-PQ-001)'
"""

from __future__ import annotations

from dataclasses import dataclass

from mimedi_qual.errors import ProtocolError
from mimedi_qual.profiles.urs import Requirement
from mimedi_qual.qualification.protocol import ScenarioRef

RISKS = ("high", "medium", "low")


class SelectionError(ProtocolError):
    """A selection of the protocol (``--stage``, ``--module``, ``--risk``, ``--tags``) that is malformed
    or selects nothing: bad input, nothing runs."""

    def __init__(self, message: str):
        super().__init__(None, None, message)


@dataclass(frozen=True)
class Selection:
    """The filters of one campaign; an empty tuple / None means 'no filter'."""

    stages: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    tags: str | None = None

    def describe(self) -> str:
        parts = []
        if self.stages:
            parts.append("stage " + "/".join(s.upper() for s in self.stages))
        if self.modules:
            parts.append("module " + "/".join(self.modules))
        if self.risks:
            parts.append("risk " + "/".join(self.risks))
        if self.tags:
            parts.append(f"tags '{self.tags}'")
        return ", ".join(parts) or "everything"


@dataclass(frozen=True)
class SelectedScenarios:
    scenarios: list[ScenarioRef]
    marker_expression: str | None  # for pytest -m; None: run everything collected

    def __len__(self) -> int:
        return len(self.scenarios)


def _compile_tags(expression: str):
    from _pytest.mark.expression import Expression

    try:
        return Expression.compile(expression)
    except SyntaxError as exc:  # pytest ≥8 raises SyntaxError for a malformed expression
        raise SelectionError(f"--tags {expression!r}: {exc}") from None


def _matches_tags(compiled, ref: ScenarioRef) -> bool:
    # pytest ≥8 calls the matcher with (name, **kwargs); tags carry no arguments.
    return compiled.evaluate(lambda name, **kwargs: name in ref.tags)


def select(scenarios: list[ScenarioRef], requirements: dict[str, Requirement],
           selection: Selection) -> SelectedScenarios:
    """The scenarios ``selection`` picks, and the pytest ``-m`` expression for them.

    Raises :class:`SelectionError` for an unknown module or risk, a malformed
    tag expression, or a selection that leaves nothing to run.
    """
    known_modules = sorted({req.module for req in requirements.values()})
    bad_modules = [m for m in selection.modules if m not in known_modules]
    if bad_modules:
        raise SelectionError(f"--module {', '.join(bad_modules)}: no URS requirement has that module "
                             f"(known: {', '.join(known_modules)})")
    bad_risks = [r for r in selection.risks if r not in RISKS]
    if bad_risks:
        raise SelectionError(f"--risk {', '.join(bad_risks)}: unknown risk (choose from {', '.join(RISKS)})")
    compiled = _compile_tags(selection.tags) if selection.tags else None

    def urs_match(ref: ScenarioRef) -> bool:
        reqs = [requirements[rid] for rid in ref.urs_ids if rid in requirements]
        if selection.modules and not any(r.module in selection.modules for r in reqs):
            return False
        if selection.risks and not any(r.risk in selection.risks for r in reqs):
            return False
        return True

    stages = {s.upper() for s in selection.stages}
    chosen = [ref for ref in scenarios
              if (not stages or ref.stage in stages)
              and urs_match(ref)
              and (compiled is None or _matches_tags(compiled, ref))]
    if not chosen:
        raise SelectionError(f"the selection ({selection.describe()}) matches no scenario")

    clauses = []
    if selection.modules or selection.risks:
        # Module and risk live in the URS, not in the feature: name the URS ids they pick.
        urs_ids = sorted({rid for ref in chosen for rid in ref.urs_ids})
        clauses.append("(" + " or ".join(urs_ids) + ")")
    if selection.tags:
        clauses.append(f"({selection.tags})")
    return SelectedScenarios(chosen, " and ".join(clauses) or None)
