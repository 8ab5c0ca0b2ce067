"""Bench conditions a step needs and the step that sets them up, declared so the preflight can check the order.

Some steps only mean something on a bench set up for them: a gravimetric step
weighs a pump line's deliveries only when that line's outlet is on the
balance. The step that sets the condition up and the step that needs it say
so, naming the step parameter that holds the condition's subject (the pump)::

    ON_BALANCE = Condition("routed to the balance", "Given the {subject} pump line is routed to the balance",
                           holds_at_start=frozenset({"HARVEST"}))

    @given(parsers.re(r"the (?P<pump>FEED|…) pump line is routed to the balance"))
    @establishes(ON_BALANCE, "pump")
    def routed(...): ...

    @when(parsers.re(r"the (?P<pump>FEED|…) pump delivers …"))
    @needs(ON_BALANCE, "pump")
    def deliver(...): ...

The protocol preflight (:mod:`~mimedi_qual.qualification.protocol_check`)
walks each scenario's steps (its Background's first) and refuses a step whose
condition no earlier step set up — ``file:line``, the subject and the phrase
that sets it up — before any bench starts. The step itself checks the bench
again at run time (a preflight can be skipped; plain pytest runs without it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: the attributes a step function carries its declarations in
ESTABLISHES = "__mimedi_establishes__"
NEEDS = "__mimedi_needs__"


@dataclass(frozen=True)
class Condition:
    """A condition of the bench about one subject (a pump line …)."""

    name: str                          # "routed to the balance"
    set_up_by: str                     # the phrase that sets it up, ``{subject}`` for the subject
    holds_at_start: frozenset[str] = frozenset()   # subjects for which it holds without a step

    def phrase_for(self, subject: str) -> str:
        return self.set_up_by.replace("{subject}", subject)


def _declare(attribute: str, condition: Condition, parameter: str) -> Callable:
    def mark(func: Callable) -> Callable:
        setattr(func, attribute, getattr(func, attribute, ()) + ((condition, parameter),))
        return func
    return mark


def establishes(condition: Condition, parameter: str) -> Callable:
    """The step sets ``condition`` up for the subject its parameter ``parameter`` names."""
    return _declare(ESTABLISHES, condition, parameter)


def needs(condition: Condition, parameter: str) -> Callable:
    """The step runs only where ``condition`` holds for the subject its parameter ``parameter`` names."""
    return _declare(NEEDS, condition, parameter)


def established_by(func: Callable) -> tuple[tuple[Condition, str], ...]:
    return tuple(getattr(func, ESTABLISHES, ()))


def needed_by(func: Callable) -> tuple[tuple[Condition, str], ...]:
    return tuple(getattr(func, NEEDS, ()))
