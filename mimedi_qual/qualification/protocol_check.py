"""The protocol preflight: every authoring mistake found before a bench starts.

A validation engineer's feature file is checked against the step vocabulary
(the step definitions pytest-bdd registered), the acceptance profile and the
bench profile — without running anything — and every problem is reported as
``file:line: problem``, all of them in one pass:

* a step no step definition matches (a misspelt phrase), with the closest
  phrases of the vocabulary ("did you mean …");
* a number where a criterion id belongs (``meets 30.0``): numbers live in
  ``profiles/acceptance``, a step names a criterion;
* a criterion id that is not in the acceptance profile (the files searched
  are named);
* a criterion whose unit is not a unit of what the step measures (a DO
  criterion in °C, a CO2 criterion in pH), with the criterion's own
  ``file:line`` (:mod:`~mimedi_qual.qualification.quantities`);
* a step that judges readings in a scenario that samples none; an instrument
  the bench does not have;
* a step that needs a bench condition no earlier step of its scenario set up
  (a gravimetric step on a pump line not routed to the balance), with the
  phrase that sets it up (:mod:`~mimedi_qual.qualification.conditions`);
* an empty or description-only feature file, and step text written in a
  Feature's description (Gherkin takes it for prose and never runs it).

The vocabulary is handed in as :class:`StepDefinition` values (the plugin
builds them from pytest-bdd's registry: :mod:`mimedi_qual.plugin.vocabulary`),
so this module knows no step module.

>>> findings = check_protocol([Path("features/oq")], vocabulary, acceptance)   # doctest: +SKIP
>>> print(findings[0])                                                            # doctest: +SKIP
features/oq/temperature_hold.feature:12: no step matches 'Then every reading meet OQ-TEMP-ACC' …
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.parser import ScenarioTemplate, Step

from mimedi_qual.errors import ProtocolError
from mimedi_qual.profiles.acceptance import AcceptanceProfile
from mimedi_qual.qualification.conditions import Condition
from mimedi_qual.qualification.protocol import feature_files, parse_feature_file
from mimedi_qual.qualification.quantities import (
    BY_NAME,
    DEFAULT_QUANTITY_OF_KIND,
    Exact,
    FromReadings,
    Pairs,
    Quantity,
    QuantityRule,
    UnitError,
    pairs_of,
    parse_unit,
    resolve,
    unit_fits,
)

#: the parameter names that hold a criterion id, in a step without a declaration
CRITERION_PARAMETERS = ("criterion_id", "band_id")
#: the fixture a sampling step returns its series as (``When the thermometer is read every …``)
READINGS_FIXTURE = "readings"
NUMBERS_RULE = ("numbers live in profiles/acceptance: name a criterion (e.g. OQ-TEMP-ACC) whose target, "
                "tolerance and unit are written there")
VOCABULARY_HINT = ("`mimedi-qual steps` lists every phrase (`mimedi-qual steps --grep WORD` narrows it); "
                   "features/README.md explains the vocabulary")
_STEP_KEYWORD = re.compile(r"^\s*(Given|When|Then|And|But)\s+\S")  # Gherkin keywords are case-sensitive
_CRITERION_ID = re.compile(r"^[A-Za-z][\w-]*$")
_NUMBER = re.compile(r"[-+]?\d")
#: a number with what may follow it (tolerance, unit words) up to the end of the step or a closing parenthesis
_NUMBER_TAIL = re.compile(r"[-+]?\d[^()]*")
_PLACEHOLDER = "CRITERION-ID"


@dataclass(frozen=True)
class StepDefinition:
    """One step definition as the preflight needs it (built from pytest-bdd's registry)."""

    type: str | None             # given / when / then; None: any keyword
    parser: object               # pytest-bdd StepParser: is_matching(text), parse_arguments(text)
    phrase: str                  # the phrase as `mimedi-qual steps` prints it
    module: str
    judges: Mapping[str, QuantityRule] | None = None
    target_fixture: str | None = None
    #: (condition, parameter naming its subject) the step sets up / needs
    establishes: tuple[tuple[Condition, str], ...] = ()
    needs: tuple[tuple[Condition, str], ...] = ()

    def matches(self, step: Step) -> bool:
        return (self.type is None or self.type == step.type) and self.parser.is_matching(step.name)

    def arguments(self, text: str) -> dict[str, str]:
        return {k: str(v) for k, v in (self.parser.parse_arguments(text) or {}).items()}

    def arguments_names(self) -> tuple[str, ...]:
        """The step's parameter names (regex groups or parse fields)."""
        regex = getattr(self.parser, "regex", None)
        if regex is not None:
            return tuple(regex.groupindex)
        inner = getattr(self.parser, "parser", None)
        return tuple(getattr(inner, "named_fields", ()) or ())

    def criterion_parameters(self) -> tuple[str, ...]:
        declared = tuple(self.judges or ())
        return declared + tuple(p for p in CRITERION_PARAMETERS if p not in declared)


@dataclass(frozen=True)
class Finding:
    """One problem: ``path:line: message``."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class ProtocolCheckError(ProtocolError):
    """The protocol preflight found problems (each ``file:line: problem``); nothing was started."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        first = findings[0]
        text = str(first) + "".join(f"\n{f}" for f in findings[1:])
        if len(findings) > 1:
            text += f"\n{len(findings)} problems in the protocol; nothing was started"
        super().__init__(None, None, text)
        self.path, self.line = first.path, first.line


def check_protocol(paths: Iterable[Path], vocabulary: list[StepDefinition], acceptance: AcceptanceProfile | None,
                   instruments: Mapping[str, str] | None = None, *,
                   selected: set[tuple[Path, int]] | None = None, profiles_dir: Path | None = None) -> list[Finding]:
    """Every problem of the feature files under ``paths`` (sorted by file and line).

    ``instruments``: bench name → kind (None: instrument names are not checked).
    ``profiles_dir``: where the recipes a step names live (``process/<name>.yaml``; None: not checked).
    ``selected``: only scenarios at these (file, line) are checked (None: all);
    the file-level checks (empty file, steps in the description) always run.
    """
    findings: list[Finding] = []
    for path in feature_files(list(paths)):
        try:
            feature = parse_feature_file(path)
        except ProtocolError as exc:
            findings.append(Finding(exc.path or path, exc.line, exc.message))
            continue
        findings.extend(_description_steps(path, feature))
        checker = _ScenarioChecker(path, vocabulary, acceptance, instruments, profiles_dir)
        for template in feature.scenarios.values():
            if selected is not None and (path, template.line_number) not in selected:
                continue
            findings.extend(checker.check(template))
    return sorted(set(findings), key=lambda f: (str(f.path), f.line or 0, f.message))


def raise_for(findings: list[Finding]) -> None:
    if findings:
        raise ProtocolCheckError(findings)


def _description_steps(path: Path, feature) -> list[Finding]:
    """Step text in a Feature's description: Gherkin reads it as prose, so it would never run."""
    text_lines = path.read_text(encoding="utf-8").splitlines()
    first_child = min([t.line_number for t in feature.scenarios.values()]
                      + ([feature.background.line_number] if feature.background else [])
                      + [len(text_lines) + 1])
    findings = []
    for number in range(feature.line_number + 1, first_child):
        line = text_lines[number - 1]
        if _STEP_KEYWORD.match(line) and line.strip() in feature.description:
            findings.append(Finding(path, number, f"step text in the Feature description: '{line.strip()}' is "
                                                  "read as prose and never runs — put it under a Scenario "
                                                  "(or a Background: for every scenario)"))
    return findings


class _ScenarioChecker:
    def __init__(self, path: Path, vocabulary: list[StepDefinition], acceptance: AcceptanceProfile | None,
                 instruments: Mapping[str, str] | None, profiles_dir: Path | None = None):
        self.path, self.vocabulary, self.acceptance, self.instruments = path, vocabulary, acceptance, instruments
        self.profiles_dir = profiles_dir
        self.phrases = sorted({d.phrase for d in vocabulary})

    def check(self, template: ScenarioTemplate) -> list[Finding]:
        findings: list[Finding] = []
        contexts = [ctx for examples in template.examples for ctx in examples.as_contexts()] or [{}]
        for context in contexts:
            scenario = template.render(context)
            readings: Quantity | None = None
            holding: dict[Condition, set[str]] = {}
            for step in scenario.steps:
                definition = next((d for d in self.vocabulary if d.matches(step)), None)
                if definition is None:
                    findings.append(self._unmatched(step))
                    continue
                words = definition.arguments(step.name)
                findings.extend(self._conditions(step, definition, words, holding))
                findings.extend(self._criteria(step, definition, words, readings))
                if "recipe_name" in words and self.profiles_dir is not None:
                    findings.extend(self._recipe(step, definition, words["recipe_name"]))
                if definition.target_fixture == READINGS_FIXTURE:
                    readings, problem = self._readings_quantity(step, words)
                    if problem:
                        findings.append(problem)
        return findings

    # -- bench conditions ----------------------------------------------------------------------------
    def _conditions(self, step: Step, definition: StepDefinition, words: dict[str, str],
                    holding: dict[Condition, set[str]]) -> list[Finding]:
        """A step whose bench condition no earlier step set up; then what this step sets up."""
        findings = []
        for condition, parameter in definition.needs:
            subject = words.get(parameter)
            if subject is None or subject in holding.get(condition, condition.holds_at_start):
                continue
            findings.append(Finding(self.path, step.line_number,
                                    f"'{step.keyword} {step.name}': the {subject} line is not {condition.name} "
                                    f"in this scenario — write '{condition.phrase_for(subject)}' before this "
                                    "step (or in the Background)"))
        for condition, parameter in definition.establishes:
            if parameter in words:
                holding.setdefault(condition, set(condition.holds_at_start)).add(words[parameter])
        return findings

    # -- unknown steps -------------------------------------------------------------------------------
    def _unmatched(self, step: Step) -> Finding:
        where = f"{step.keyword} {step.name}"
        numbered = self._with_criterion_instead_of_number(step)
        if numbered is not None:
            return Finding(self.path, step.line_number, f"'{where}': a number where a criterion id belongs "
                                                        f"('{numbered}'); {NUMBERS_RULE}")
        other = [d for d in self.vocabulary if d.parser.is_matching(step.name)]
        if other:
            kinds = "/".join(sorted({(d.type or "any").capitalize() for d in other}))
            return Finding(self.path, step.line_number, f"'{where}' is a {kinds} step, not a {step.type.capitalize()} "
                                                        "step: start it (or the step it continues) with that keyword")
        close = difflib.get_close_matches(step.name, self.phrases, n=3, cutoff=0.5)
        hint = ("; did you mean: " + " | ".join(f"'{c}'" for c in close)) if close else ""
        return Finding(self.path, step.line_number,
                       f"no step definition matches '{where}'{hint}. {VOCABULARY_HINT}")

    def _with_criterion_instead_of_number(self, step: Step) -> str | None:
        """The number written in the step, if a criterion id in its place makes a known step."""
        for match in _NUMBER_TAIL.finditer(step.name):
            number = match.group(0).rstrip()
            candidate = step.name[:match.start()] + _PLACEHOLDER + step.name[match.start() + len(number):]
            for definition in self.vocabulary:
                if definition.matches(_renamed(step, candidate)):
                    words = definition.arguments(candidate)
                    if any(words.get(p) == _PLACEHOLDER for p in definition.criterion_parameters()):
                        return number
        return None

    # -- criteria and units --------------------------------------------------------------------------
    def _criteria(self, step: Step, definition: StepDefinition, words: dict[str, str],
                  readings: Quantity | None) -> list[Finding]:
        findings = []
        rules = definition.judges or {}
        for parameter in definition.criterion_parameters():
            if parameter not in words:
                continue
            rule = rules.get(parameter)
            if isinstance(rule, Pairs):
                items = [(name, cid, rule.choices.get(name)) for name, cid in pairs_of(words[parameter])]
            else:
                items = [(None, words[parameter], resolve(rule, words, readings) if rule is not None else None)]
            for name, criterion_id, quantity in items:
                problem = self._criterion(step, criterion_id, rule, quantity, readings, name)
                if problem:
                    findings.append(Finding(self.path, step.line_number, problem))
        return findings

    def _criterion(self, step: Step, criterion_id: str, rule: QuantityRule | None, quantity: Quantity | None,
                   readings: Quantity | None, name: str | None) -> str | None:
        where = f"'{step.keyword} {step.name}'"
        if not _CRITERION_ID.match(criterion_id):
            if _NUMBER.search(criterion_id):
                return f"{where}: a number where a criterion id belongs ('{criterion_id}'); {NUMBERS_RULE}"
            return f"{where}: '{criterion_id}' is not a criterion id (letters, digits and '-', e.g. OQ-TEMP-ACC)"
        if isinstance(rule, Pairs) and name not in rule.choices:
            return f"{where}: no result '{name}' to judge by {criterion_id} (known: {', '.join(rule.choices)})"
        if self.acceptance is None:
            return None
        criterion = self.acceptance.criteria.get(criterion_id)
        if criterion is None:
            close = difflib.get_close_matches(criterion_id, list(self.acceptance.criteria), n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            return f"{where}: criterion {criterion_id} is not in the acceptance profile (searched " \
                   f"{self.acceptance.searched()}){hint}"
        if isinstance(rule, FromReadings) and readings is None:
            return f"{where} judges readings, but no earlier step of the scenario samples any " \
                   "(e.g. 'When the thermometer is read every 1 minute for 1 hour')"
        if quantity is None:
            return None
        if criterion.kind == "exact":
            return f"{where} judges {quantity.name} in {quantity.unit}, but criterion {criterion_id} " \
                   f"({self.acceptance.where(criterion_id)}) is an identity ('exact') criterion"
        try:
            parse_unit(criterion.unit)
        except UnitError as exc:
            return f"criterion {criterion_id} ({self.acceptance.where(criterion_id)}), named by {where}: {exc}"
        if not unit_fits(quantity, criterion.unit):
            return (f"{where} measures {quantity.name} in {quantity.unit}, but criterion {criterion_id} "
                    f"({self.acceptance.where(criterion_id)}) is in '{criterion.unit}', which is not a unit of "
                    f"{quantity.name}: give the criterion a unit of {quantity.name} (compatible units are "
                    "converted) or name the criterion meant")
        return None

    def _recipe(self, step: Step, definition: StepDefinition, name: str) -> list[Finding]:
        """The recipe a step runs must exist and load (a batch recipe or a temperature process recipe)."""
        from mimedi_qual.errors import ProfileError
        from mimedi_qual.profiles import load_process
        from mimedi_qual.qualification.recipe import load_recipe

        path = self.profiles_dir / "process" / f"{name}.yaml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "none"
            return [Finding(self.path, step.line_number, f"'{step.keyword} {step.name}': no recipe '{name}' "
                                                         f"({path} does not exist; recipes: {known})")]
        try:
            (load_recipe if "batch recipe" in definition.phrase else load_process)(path)
        except ProfileError as exc:
            return [Finding(exc.path, exc.line, f"{exc.message} (the recipe run at {self.path}:{step.line_number})")]
        return []

    def _readings_quantity(self, step: Step, words: dict[str, str]) -> tuple[Quantity | None, Finding | None]:
        """The quantity a sampling step reads: the one it names, else its instrument's main one."""
        if words.get("quantity") in BY_NAME:
            quantity = BY_NAME[words["quantity"]]
        else:
            quantity = None
        instrument = words.get("instrument")
        if instrument is None or self.instruments is None:
            return quantity, None
        if instrument in self.instruments:
            kind = self.instruments[instrument]
        elif instrument in self.instruments.values():
            kind = instrument
        else:
            known = ", ".join(sorted(self.instruments))
            return quantity, Finding(self.path, step.line_number,
                                     f"'{step.keyword} {step.name}': the bench has no instrument '{instrument}' "
                                     f"(instruments: {known}; an instrument may also be named by its kind)")
        if quantity is None:
            quantity = BY_NAME.get(DEFAULT_QUANTITY_OF_KIND.get(kind, ""))
        return quantity, None


def _renamed(step: Step, name: str) -> Step:
    return Step(name=name, type=step.type, indent=step.indent, line_number=step.line_number, keyword=step.keyword)


def describe_rule(rule: QuantityRule | None) -> str:
    """How `mimedi-qual steps` writes what a criterion parameter is judged as."""
    if rule is None:
        return "(no quantity declared)"
    if isinstance(rule, Exact):
        return "identity/status (no unit)"
    return str(rule)
