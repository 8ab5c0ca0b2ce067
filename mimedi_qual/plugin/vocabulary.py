"""The step vocabulary as data: every step definition the plugin loads, read from pytest-bdd's registry.

The same list feeds ``mimedi-qual steps`` (the phrases an engineer may
write) and the protocol preflight (:mod:`mimedi_qual.qualification.protocol_check`:
does every step of a feature file match one of them?), so what is listed,
what is checked and what runs cannot drift apart. Each entry carries the
step's declaration of what it judges (:func:`mimedi_qual.qualification.quantities.judges`).

>>> [d.phrase for d in step_definitions() if d.phrase.startswith("every reading meets")]
['every reading meets {criterion_id}']
"""

from __future__ import annotations

import importlib
import re

from mimedi_qual.qualification.conditions import established_by, needed_by
from mimedi_qual.qualification.protocol_check import StepDefinition
from mimedi_qual.qualification.quantities import declaration_of

#: the step vocabulary's package (the plugin's own ``pytest_plugins``)
STEPS_PACKAGE = "mimedi_qual.steps"
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def _placeholder(match: re.Match) -> str:
    """``(?P<quantity>temperature|pH)`` → ``{quantity: temperature|pH}``; any other group → ``{name}``."""
    body = match.group(0)[len(match.group("name")) + 5:-1]
    if re.fullmatch(r"[\w °%/]+(\|[\w °%/]+)+", body):
        return "{" + match.group("name") + ": " + body + "}"
    return "{" + match.group("name") + "}"


def readable(pattern: str) -> str:
    """A regex step pattern as a phrase: named groups become ``{name}``."""
    text = _NAMED_GROUP.sub(_placeholder, pattern)
    text = re.sub(r"(\w+)s\?", r"\1(s)", text)            # hours? → hour(s)
    text = re.sub(r"\(\?:([^()]*)\)\?", r"(\1)", text)      # (?:es)? → (es)
    text = re.sub(r"\(\?:([^()]*)\)", lambda m: m.group(1).replace("|", "/"), text)  # (?:a|b) → a/b
    text = text.replace("\\.", ".").replace("\\(", "(").replace("\\)", ")").replace("\\", "")
    return text.strip("^$")


def phrase_and_parameters(parser) -> tuple[str, tuple[str, ...]]:
    """How a step parser reads as a phrase, and its parameter names."""
    regex = getattr(parser, "regex", None)
    if regex is not None:  # parsers.re
        return readable(regex.pattern), tuple(regex.groupindex)
    inner = getattr(parser, "parser", None)
    if inner is not None and hasattr(inner, "named_fields"):  # parsers.parse / cfparse
        phrase = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", parser.name)
        return phrase, tuple(inner.named_fields)
    return parser.name, ()  # plain string


def step_modules() -> list[str]:
    """The step modules the plugin loads (``pytest_plugins`` of :mod:`mimedi_qual.steps`).

    Loaded by name, as pytest loads the plugin's ``pytest_plugins = ["mimedi_qual.steps"]``: the
    steps reach their CampaignContext in this package, so a static import would be a cycle.
    """
    steps = importlib.import_module(STEPS_PACKAGE)
    return list(steps.pytest_plugins)


def registered_contexts() -> list:
    """pytest-bdd's StepFunctionContext of every step of the vocabulary, in module then definition order."""
    from pytest_bdd.steps import step_function_context_registry

    modules = step_modules()
    for name in modules:
        importlib.import_module(name)
    contexts = [c for c in step_function_context_registry.values() if c.step_func.__module__ in modules]
    order = {name: i for i, name in enumerate(modules)}
    return sorted(contexts, key=lambda c: order[c.step_func.__module__])  # stable: definition order kept


def step_definitions() -> list[StepDefinition]:
    """The vocabulary as the preflight checks it."""
    definitions = []
    for context in registered_contexts():
        phrase, _ = phrase_and_parameters(context.parser)
        definitions.append(StepDefinition(type=context.type, parser=context.parser, phrase=phrase,
                                          module=context.step_func.__module__,
                                          judges=declaration_of(context.step_func),
                                          target_fixture=context.target_fixture,
                                          establishes=established_by(context.step_func),
                                          needs=needed_by(context.step_func)))
    return definitions
