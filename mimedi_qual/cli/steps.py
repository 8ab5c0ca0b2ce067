"""``mimedi-qual steps``: the step vocabulary, for writing a scenario without Python.

Lists every Given/When/Then phrase the plugin registers, with its parameters
(``{criterion_id}``, ``{duration_h}`` ...) and the first line of the step's
docstring, grouped by the module (subject) that defines it::

    $ mimedi-qual steps
    bench_steps — Steps that prepare the bench ...
      Given  the bench is ready
             Every instrument of the bench answers its identity query.
    ...
    $ mimedi-qual steps --grep alarm     # only phrases mentioning 'alarm'

A step that judges a criterion also shows what it measures, per criterion
parameter: ``judges {criterion_id}: time (min)``, ``judges {criterion_id}:
the readings' quantity`` …; the criterion's unit must be a unit of it. A step
that needs the bench set up for it, or sets it up, says so: ``needs {pump}
routed to the balance (…)``, ``sets up {pump} routed to the balance``.

The list is read from the step definitions themselves (pytest-bdd's
registry), so it cannot drift from what a feature file may say.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mimedi_qual.plugin.vocabulary import phrase_and_parameters, readable, registered_contexts
from mimedi_qual.qualification.conditions import established_by, needed_by
from mimedi_qual.qualification.protocol_check import describe_rule
from mimedi_qual.qualification.quantities import ByParameter, declaration_of

@dataclass(frozen=True)
class StepPhrase:
    """One step as an engineer writes it."""

    keyword: str          # Given / When / Then / Step (any keyword)
    phrase: str           # e.g. "the culture has settled for {duration_h} hour(s)"
    parameters: tuple[str, ...]
    meaning: str          # first line of the docstring
    module: str           # defining module, e.g. "bench_steps"
    judges: tuple[str, ...] = ()   # per criterion parameter: the quantity and unit it judges
    conditions: tuple[str, ...] = ()  # bench conditions it needs or sets up


_readable = readable  # the name the tests know


def _as_written(rule, parser):
    """A rule chosen by a step word, narrowed to the words the step's pattern allows (``temperature|pH|DO``)."""
    regex = getattr(parser, "regex", None)
    if not isinstance(rule, ByParameter) or regex is None:
        return rule
    group = re.search(rf"\(\?P<{rule.parameter}>([^()]*)\)", regex.pattern)
    if group is None:
        return rule
    allowed = [word.replace("\\", "") for word in group.group(1).split("|")]
    return ByParameter(rule.parameter, {w: rule.choices[w] for w in allowed if w in rule.choices})


def _conditions(func) -> tuple[str, ...]:
    needed = tuple(f"needs {{{parameter}}} {condition.name} (already: {', '.join(sorted(condition.holds_at_start))}; "
                   f"else '{condition.set_up_by.replace('{subject}', '{' + parameter + '}')}' before it)"
                   for condition, parameter in needed_by(func))
    return needed + tuple(f"sets up {{{parameter}}} {condition.name} for the scenario"
                          for condition, parameter in established_by(func))


def vocabulary() -> list[StepPhrase]:
    """Every registered step phrase, in module order then definition order."""
    phrases = []
    for context in registered_contexts():
        phrase, parameters = phrase_and_parameters(context.parser)
        doc = (context.step_func.__doc__ or "").strip()
        declared = declaration_of(context.step_func) or {}
        phrases.append(StepPhrase(
            keyword=(context.type or "step").capitalize(),
            phrase=phrase,
            parameters=parameters,
            meaning=doc.splitlines()[0] if doc else "(undocumented)",
            module=context.step_func.__module__,
            judges=tuple(f"{{{name}}}: {describe_rule(_as_written(rule, context.parser))}"
                         for name, rule in declared.items()),
            conditions=_conditions(context.step_func),
        ))
    return phrases


def steps(
    grep: Annotated[str | None, typer.Option(help="only phrases containing this text (case-insensitive)")] = None,
) -> None:
    """Print every step phrase with its parameters and meaning."""
    console = Console(highlight=False)
    phrases = vocabulary()
    if grep:
        phrases = [p for p in phrases if grep.lower() in p.phrase.lower() or grep.lower() in p.meaning.lower()]
    current = None
    for p in phrases:
        if p.module != current:
            current = p.module
            doc = (importlib.import_module(p.module).__doc__ or "").strip().splitlines()
            console.print(f"\n[bold]{p.module.rsplit('.', 1)[-1]}[/] — {doc[0] if doc else ''}", soft_wrap=True)
        params = f"   [dim]parameters: {', '.join(p.parameters)}[/]" if p.parameters else ""
        console.print(f"  [cyan]{p.keyword:<5}[/] {escape(p.phrase)}{params}", soft_wrap=True, markup=True)
        console.print(f"        {p.meaning}", soft_wrap=True, markup=False)
        for judged in p.judges:
            console.print(f"        judges {judged}", soft_wrap=True, markup=False, style="dim")
        for condition in p.conditions:
            console.print(f"        {condition}", soft_wrap=True, markup=False, style="dim")
    console.print(f"\n{len(phrases)} step phrases. Parameters in {{braces}}; "
                  "criterion ids come from profiles/acceptance/; 'judges' names the quantity and unit a "
                  "criterion's unit must fit (compatible units are converted).", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(name="steps")(steps)
