"""How acceptance limits and measured numbers are written for a reader.

Every view that shows a criterion's limits — the measurement summary, a
deviation's "expected", the summary PDF, the CLI's details table — writes them
with :func:`format_limits`, so a reviewer comparing the report with the PDF
reads the same text. Numbers go through :func:`format_number`: six significant
digits, which keeps what an instrument resolves and drops binary float noise
(``37.0 + 0.1`` is stored as 37.1000000000000014)::

    >>> format_limits(36.5, 37.5, "°C")
    '36.5 … 37.5 °C'
    >>> format_limits(None, 7.1000000000000005, "pH")
    '≤ 7.1 pH'
    >>> format_limits(None, None, "", expected="FLUKE,1529,SIM-T-0001,1.20")
    'FLUKE,1529,SIM-T-0001,1.20'
    >>> format_number(0.30000000000000004), format_number(1440.0), format_number("PASS")
    ('0.3', '1440', 'PASS')
"""

from __future__ import annotations

from typing import Any

#: Significant digits shown for a number: more than any reference instrument resolves, fewer than float noise.
SIGNIFICANT_DIGITS = 6
#: Shown when a criterion has neither limit nor a registered expected value.
NO_LIMITS = "as registered"


def format_number(value: Any) -> str:
    """A number with :data:`SIGNIFICANT_DIGITS` significant digits; anything else as text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format(value, f".{SIGNIFICANT_DIGITS}g")
    return "" if value is None else str(value)


def format_limits(low: float | None, high: float | None, unit: str = "", *, expected: str = "") -> str:
    """``low … high unit``, ``≥ low unit`` or ``≤ high unit``; ``expected`` (or "as registered") without limits."""
    if low is not None and high is not None:
        text = f"{format_number(low)} … {format_number(high)}"
    elif low is not None:
        text = f"≥ {format_number(low)}"
    elif high is not None:
        text = f"≤ {format_number(high)}"
    else:
        return expected or NO_LIMITS
    return f"{text} {unit}".strip()
