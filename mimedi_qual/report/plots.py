"""Plots of raw series against their acceptance limits (matplotlib, PNG).

>>> png = series_plot_png(b"elapsed_s,temperature_c\\n60,36.9\\n120,37.0\\n",
...                       title="OQ-TEMP-ACC", low=36.5, high=37.5, unit="°C")
>>> png[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import csv
import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402

SECONDS_PER_HOUR = 3600.0


def _numeric_columns(csv_bytes: bytes) -> tuple[str, list[float], str, list[float]] | None:
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8", errors="replace"))))
    if len(rows) < 2:
        return None
    header, body = rows[0], rows[1:]

    def column(index: int) -> list[float] | None:
        try:
            return [float(r[index]) for r in body]
        except (ValueError, IndexError):
            return None

    numeric = [(i, values) for i in range(len(header)) if (values := column(i)) is not None]
    if len(numeric) < 2:
        return None
    (xi, xs), (yi, ys) = numeric[0], numeric[-1]
    return header[xi], xs, header[yi], ys


def series_plot_png(csv_bytes: bytes, *, title: str, low: float | None, high: float | None,
                    unit: str) -> bytes | None:
    """A PNG of the last numeric column over the first, with the limits drawn; None if not a series."""
    columns = _numeric_columns(csv_bytes)
    if columns is None:
        return None
    x_name, xs, y_name, ys = columns
    hours = x_name.endswith("_s")
    xs = [x / SECONDS_PER_HOUR for x in xs] if hours else xs
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    ax.plot(xs, ys, linewidth=0.8, color="#1f77b4", label=y_name)
    for limit, name in ((low, "low limit"), (high, "high limit")):
        if limit is not None:
            ax.axhline(limit, color="#d62728", linestyle="--", linewidth=0.9, label=f"{name} {limit:g} {unit}")
    ax.set_xlabel("elapsed time (h)" if hours else x_name)
    ax.set_ylabel(f"{y_name}")
    ax.set_title(title, fontsize=10)
    ax.grid(True, linewidth=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
