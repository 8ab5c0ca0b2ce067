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

_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class StepPhrase:
    """One step as an engineer writes it."""

    keyword: str          # Given / When / Then / Step (any keyword)
    phrase: str           # e.g. "the culture has settled for {duration_h} hour(s)"
    parameters: tuple[str, ...]
    meaning: str          # first line of the docstring
    module: str           # defining module, e.g. "bench_steps"


def _placeholder(match: re.Match) -> str:
    """``(?P<quantity>temperature|pH)`` → ``{quantity: temperature|pH}``; any other group → ``{name}``."""
    body = match.group(0)[len(match.group("name")) + 5:-1]
    if re.fullmatch(r"[\w °%/]+(\|[\w °%/]+)+", body):
        return "{" + match.group("name") + ": " + body + "}"
    return "{" + match.group("name") + "}"


def _readable(pattern: str) -> str:
    """A regex step pattern as a phrase: named groups become ``{name}``."""
    text = _NAMED_GROUP.sub(_placeholder, pattern)
    text = re.sub(r"(\w+)s\?", r"\1(s)", text)            # hours? → hour(s)
    text = re.sub(r"\(\?:([^()]*)\)\?", r"(\1)", text)      # (?:es)? → (es)
    text = re.sub(r"\(\?:([^()]*)\)", lambda m: m.group(1).replace("|", "/"), text)  # (?:a|b) → a/b
    text = text.replace("\\.", ".").replace("\\(", "(").replace("\\)", ")").replace("\\", "")
    return text.strip("^$")


def _phrase_and_parameters(parser) -> tuple[str, tuple[str, ...]]:
    regex = getattr(parser, "regex", None)
    if regex is not None:  # parsers.re
        return _readable(regex.pattern), tuple(regex.groupindex)
    inner = getattr(parser, "parser", None)
    if inner is not None and hasattr(inner, "named_fields"):  # parsers.parse / cfparse
        phrase = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", parser.name)
        return phrase, tuple(inner.named_fields)
    return parser.name, ()  # plain string


def step_modules() -> list[str]:
    """The step modules the plugin loads (``pytest_plugins`` of :mod:`mimedi_qual.steps`)."""
    import mimedi_qual.steps

    return list(mimedi_qual.steps.pytest_plugins)


def vocabulary() -> list[StepPhrase]:
    """Every registered step phrase, in module order then definition order."""
    from pytest_bdd.steps import step_function_context_registry

    modules = step_modules()
    for name in modules:
        importlib.import_module(name)
    phrases = []
    for context in step_function_context_registry.values():
        module = context.step_func.__module__
        if module not in modules:
            continue
        phrase, parameters = _phrase_and_parameters(context.parser)
        doc = (context.step_func.__doc__ or "").strip()
        phrases.append(StepPhrase(
            keyword=(context.type or "step").capitalize(),
            phrase=phrase,
            parameters=parameters,
            meaning=doc.splitlines()[0] if doc else "(undocumented)",
            module=module,
        ))
    order = {name: i for i, name in enumerate(modules)}
    return sorted(phrases, key=lambda p: order[p.module])  # sort is stable: definition order kept


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
    console.print(f"\n{len(phrases)} step phrases. Parameters in {{braces}}; "
                  "criterion ids come from profiles/acceptance/.", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(name="steps")(steps)
