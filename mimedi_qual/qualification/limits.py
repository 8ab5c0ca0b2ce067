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

A *measured* value is written at the resolution of the instrument that took
it (:func:`format_at_resolution`; the resolution is stated per unit in the
bench profile, ``instruments.<name>.resolution``). Without a stated
resolution — a derived result such as a time, a count or a percentage
computed from several readings — the default rule is :func:`format_number`::

    >>> format_at_resolution(36.93615, 0.0001), format_at_resolution(7.1000000000000005, 0.001)
    ('36.9362', '7.100')
    >>> format_at_resolution(230.1234, 0.5), format_at_resolution(64.0, None)
    ('230.0', '64')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
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


def clean_number(value: float | None) -> float | None:
    """``value`` without binary float noise (12 significant digits): ``37.0 + 0.1`` → ``37.1``; None stays None.

    For numbers *computed* from a profile (a band's ``target ± tolerance``), so
    the record and every view carry the number the profile states.
    """
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value
    return float(format(value, ".12g"))


def decimals_of(resolution: float) -> int:
    """How many decimals a resolution shows: 0.0001 → 4, 0.5 → 1, 1 → 0, 10 → 0."""
    exponent = Decimal(format(resolution, ".12g")).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def format_at_resolution(value: Any, resolution: float | None) -> str:
    """A measured number rounded to the instrument's ``resolution`` (its smallest step), with that many decimals.

    No resolution (None or not positive): the default rule, :func:`format_number`.
    Not a finite number: as text (``NaN``), never a made-up digit.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return format_number(value)
    if not math.isfinite(value) or resolution is None or resolution <= 0:
        return format_number(value)
    # Decimal arithmetic on the shortest repr: 36.93615 is rounded as written (half up), not as its binary
    # neighbour 36.936149999…
    step = Decimal(format(resolution, ".12g"))
    rounded = (Decimal(repr(float(value))) / step).to_integral_value(rounding=ROUND_HALF_UP) * step
    return f"{abs(rounded) if rounded == 0 else rounded:.{decimals_of(resolution)}f}"  # never "-0.0000"


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
