"""Plots of a raw series against its acceptance limits (matplotlib, PNG).

Drawn from the series the step measured, in memory — the same readings that
went into the raw CSV, never a file read back. (The summary PDF embeds that
stored plot; for a series recorded without one it draws :func:`series_csv_plot_png`
from the raw CSV, after checking the file against its recorded SHA-256.)::

    >>> from mimedi_qual.qualification.series import InstrumentId, Series
    >>> series = Series("thermometer readings", "temperature_c", "°C", InstrumentId("thermometer"),
    ...                 start_bench_s=0.0)
    >>> series.add(60.0, 36.9); series.add(120.0, 37.0)
    >>> png = series_plot_png(series, title="OQ-TEMP-ACC", low=36.5, high=37.5, unit="°C")
    >>> png[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

import csv
import io
import textwrap

# The object API with the Agg canvas: no display, no pyplot global state to leak figures between steps.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mimedi_qual.qualification.limits import format_number
from mimedi_qual.qualification.series import Series

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
#: A series longer than this (bench seconds) is drawn over hours, one longer than a few minutes over minutes.
#: A title longer than this many characters (a criterion's description) wraps onto a second line.
TITLE_WIDTH_CHARS = 80
HOURS_AXIS_FROM_S = 3 * SECONDS_PER_HOUR
MINUTES_AXIS_FROM_S = 5 * SECONDS_PER_MINUTE


def _time_axis(elapsed_s: list[float]) -> tuple[list[float], str]:
    span_s = max(elapsed_s, default=0.0)
    if span_s >= HOURS_AXIS_FROM_S:
        return [t / SECONDS_PER_HOUR for t in elapsed_s], "elapsed bench time (h)"
    if span_s >= MINUTES_AXIS_FROM_S:
        return [t / SECONDS_PER_MINUTE for t in elapsed_s], "elapsed bench time (min)"
    return elapsed_s, "elapsed bench time (s)"


def series_plot_png(series: Series, *, title: str, low: float | None, high: float | None,
                    unit: str) -> bytes | None:
    """A PNG of the series over its elapsed bench time with the limits drawn; None for an empty series."""
    if not series.readings:
        return None
    return _plot_png(series.elapsed_s, series.values, trace_label=f"{series.instrument.name}: {series.column_header}",
                     y_label=series.column_header, title=title, low=low, high=high, unit=unit)


def series_csv_plot_png(csv_bytes: bytes, *, title: str, low: float | None, high: float | None,
                        unit: str) -> bytes | None:
    """The same plot drawn from a raw series CSV (``#`` lines, then a header naming ``elapsed_s``, ``utc`` and,
    right after ``utc``, the quantity: ``instrument,serial,bench_time_s,elapsed_s,utc,<quantity>,…``; files
    written before rows named their instrument start at ``bench_time_s``).

    None when the file holds no numeric reading (nothing to draw)::

        >>> csv = b"# series: t\\nbench_time_s,elapsed_s,utc,temperature_c [degC]\\n0,0,2026-01-01T00:00:00Z,37.0\\n"
        >>> series_csv_plot_png(csv, title="OQ-TEMP-ACC", low=36.5, high=37.5, unit="degC")[:4]
        b'\\x89PNG'
    """
    rows = [row for row in csv.reader(io.StringIO(csv_bytes.decode("utf-8", errors="replace")))
            if row and not row[0].startswith("#")]
    if len(rows) < 2 or "elapsed_s" not in rows[0] or "utc" not in rows[0]:
        return None
    header, elapsed_s, values = rows[0], [], []
    at_elapsed, at_value = header.index("elapsed_s"), header.index("utc") + 1
    if at_value >= len(header):
        return None
    for row in rows[1:]:
        try:
            t, value = float(row[at_elapsed]), float(row[at_value])
        except (IndexError, ValueError):
            continue  # a reading without a number (NaN written as text, a label row) is not drawn
        elapsed_s.append(t)
        values.append(value)
    if not values:
        return None
    return _plot_png(elapsed_s, values, trace_label=header[at_value], y_label=header[at_value], title=title,
                     low=low, high=high, unit=unit)


def _plot_png(elapsed_s: list[float], values: list[float], *, trace_label: str, y_label: str, title: str,
              low: float | None, high: float | None, unit: str) -> bytes:
    xs, x_label = _time_axis(elapsed_s)
    fig = Figure(figsize=(9, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    marker = "o" if len(xs) <= 50 else None  # a few readings (bags, deliveries) are points, not a trace
    ax.plot(xs, values, linewidth=0.8, color="#1f77b4", marker=marker, markersize=3, label=trace_label)
    for limit, name in ((low, "low limit"), (high, "high limit")):
        if limit is not None:
            ax.axhline(limit, color="#d62728", linestyle="--", linewidth=0.9,
                       label=f"{name} {format_number(limit)} {unit}".strip())
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title("\n".join(textwrap.wrap(title, TITLE_WIDTH_CHARS)), fontsize=9)
    ax.grid(True, linewidth=0.3)
    # Beside the axes, not loc="best": "best" searches every point for a free corner (twice the render time).
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
