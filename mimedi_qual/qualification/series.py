"""A series: the readings of one quantity on one instrument, with both clocks.

A step that samples an instrument builds a :class:`Series`; the step that
judges it hands it to ``campaign.record(measurement, series=series)``, which
stores it (CSV) and its plot as raw evidence before the measurement record
that names them. Each reading carries two clocks:

* ``bench_time_s`` — the bench's clock (virtual seconds on the simulated
  bench, where a day passes in a second; wall seconds on a real bench). This
  is the time axis of the physics and of the protocol ("every 10 minutes").
* ``utc`` — the UTC wall time the reading was taken, so a reading can be
  matched against the instrument's own log, the audit trail or an I/O log.

Every row names the instrument (bench name and serial) too, so a row copied
out of the file still says where it came from; :meth:`Series.clocks` says how
the two clocks relate over the series (bench start/end, UTC start/end, how
much faster the bench clock ran) — the measurement record carries it as
``series_clocks`` and the CSV in a ``# clocks:`` line.

A reading may carry *label* values (the recipe phase it was taken in, whether
that phase is judged); they are named by ``label_columns``::

    >>> thermometer = InstrumentId("thermometer", "FLUKE", "1529", "SIM-T-0001")
    >>> series = Series("thermometer readings", "temperature_c", "°C", thermometer, start_bench_s=0.0,
    ...                 start_utc="2026-12-02T06:59:59.900000Z", bench_clock="virtual")
    >>> series.add(60.0, 36.98, utc="2026-12-02T07:00:00.000000Z")
    >>> series.add(120.0, 37.01, utc="2026-12-02T07:00:00.100000Z")
    >>> series.values, series.elapsed_s
    ([36.98, 37.01], [60.0, 120.0])
    >>> series.clocks()["acceleration"]
    600.0
    >>> print(series.to_csv().decode())
    # series: thermometer readings
    # instrument: thermometer (FLUKE 1529, serial SIM-T-0001)
    # quantity: temperature_c [°C]; bench_time_s: bench clock (virtual on a simulated bench); utc: wall clock
    # clocks: bench time 0 s → 2 min (2 min, virtual) in 0.2 s of UTC wall time (2026-12-02 06:59:59.900 UTC → 2026-12-02 07:00:00.100 UTC): bench clock ×600 the wall clock
    instrument,serial,bench_time_s,elapsed_s,utc,temperature_c [°C]
    thermometer,SIM-T-0001,60,60,2026-12-02T07:00:00.000000Z,36.98
    thermometer,SIM-T-0001,120,120,2026-12-02T07:00:00.100000Z,37.01
    <BLANKLINE>

The CSV opens in any spreadsheet or ``pandas.read_csv(path, comment="#")``;
the ``#`` lines name the instrument and the units.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mimedi_qual.qualification.result_text import clocks_text


def utc_now() -> str:
    """UTC wall time as ISO 8601 with microseconds and a ``Z`` (as the evidence store writes it)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class InstrumentId:
    """Which instrument took the readings: its bench name and, when known, what it says it is.

    ``manufacturer``, ``model`` and ``serial`` come from the bench profile's
    register; ``idn`` is the identity the instrument reported on the bench
    (``*IDN?``) when the campaign recorded it.
    """

    name: str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    idn: str = ""

    def __str__(self) -> str:
        make = " ".join(part for part in (self.manufacturer, self.model) if part)
        details = [part for part in (make, f"serial {self.serial}" if self.serial else "",
                                     f"*IDN? {self.idn}" if self.idn else "") if part]
        return f"{self.name} ({', '.join(details)})" if details else self.name


@dataclass(frozen=True)
class Reading:
    """One reading: bench time, UTC wall time, the value, and the series' label values."""

    bench_time_s: float
    utc: str
    value: float
    labels: tuple = ()


@dataclass
class Series:
    """Readings of one quantity (``quantity``, in ``unit``) on one instrument, in the order taken.

    ``start_bench_s`` is the bench time the sampling began (before the first
    wait), so ``elapsed_s`` counts from the request, not from the first reading;
    ``start_utc`` is the wall time of that moment (when the series is made,
    unless given). ``bench_clock`` says what the bench clock is (``virtual`` on
    a simulated bench, ``wall`` on a real one; set when the campaign records it).
    """

    label: str
    quantity: str
    unit: str
    instrument: InstrumentId
    readings: list[Reading] = field(default_factory=list)
    label_columns: tuple[str, ...] = ()
    start_bench_s: float | None = None
    start_utc: str | None = None
    bench_clock: str = ""

    def __post_init__(self) -> None:
        if self.start_bench_s is not None and self.start_utc is None:
            self.start_utc = utc_now()

    def __repr__(self) -> str:
        # Allure lists step arguments by repr: one short line, never every reading.
        return f"<{len(self.readings)} readings of {self.instrument.name}>"

    def add(self, bench_time_s: float, value: float, *labels, utc: str | None = None) -> None:
        """Append a reading taken now (``utc`` defaults to the wall clock at this call)."""
        if len(labels) != len(self.label_columns):
            raise ValueError(f"{self.label}: {len(self.label_columns)} label value(s) expected "
                             f"({', '.join(self.label_columns) or 'none'}), got {len(labels)}")
        utc = utc or utc_now()
        if self.start_bench_s is None:
            self.start_bench_s, self.start_utc = bench_time_s, utc
        self.readings.append(Reading(bench_time_s, utc, value, tuple(labels)))

    @property
    def values(self) -> list[float]:
        return [r.value for r in self.readings]

    @property
    def elapsed_s(self) -> list[float]:
        """Bench seconds from the start of the sampling to each reading, to the millisecond."""
        start = self.start_bench_s or 0.0
        return [round(r.bench_time_s - start, 3) for r in self.readings]

    @property
    def column_header(self) -> str:
        """The value column's header: quantity and unit, e.g. ``temperature_c [°C]``."""
        return f"{self.quantity} [{self.unit}]" if self.unit else self.quantity

    def clocks(self) -> dict:
        """How the bench clock and UTC wall time relate over this series (the record's ``series_clocks``).

        ``bench_start_s``/``bench_end_s``: bench time at the start of the
        sampling and at the last reading; ``utc_start``/``utc_end``: wall time
        at the same two moments; ``wall_span_s``; ``acceleration``: bench
        seconds per wall second (about 1 on a real bench; None if no wall time
        passed); ``bench_clock``: virtual or wall.
        """
        if not self.readings:
            return {}
        start_s = self.start_bench_s if self.start_bench_s is not None else self.readings[0].bench_time_s
        end_s = self.readings[-1].bench_time_s
        utc_start, utc_end = self.start_utc or self.readings[0].utc, self.readings[-1].utc
        wall_s = (_parse_utc(utc_end) - _parse_utc(utc_start)).total_seconds()
        return {"bench_clock": self.bench_clock, "bench_start_s": round(start_s, 3), "bench_end_s": round(end_s, 3),
                "utc_start": utc_start, "utc_end": utc_end, "wall_span_s": round(wall_s, 6),
                "acceleration": round((end_s - start_s) / wall_s, 1) if wall_s > 0 else None}

    def to_csv(self) -> bytes:
        """The raw series file: ``#`` lines naming series, instrument, units and clocks, then one row per reading."""
        buffer = io.StringIO()
        buffer.write(f"# series: {self.label}\n")
        buffer.write(f"# instrument: {self.instrument}\n")
        buffer.write(f"# quantity: {self.column_header}; bench_time_s: bench clock (virtual on a simulated "
                     "bench); utc: wall clock\n")
        if self.readings:
            buffer.write(f"# clocks: {clocks_text(self.clocks())}\n")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["instrument", "serial", "bench_time_s", "elapsed_s", "utc", self.column_header,
                         *self.label_columns])
        for reading, elapsed in zip(self.readings, self.elapsed_s):
            writer.writerow([self.instrument.name, self.instrument.serial, _cell(reading.bench_time_s),
                             _cell(elapsed), reading.utc, _cell(reading.value), *(_cell(v) for v in reading.labels)])
        return buffer.getvalue().encode("utf-8")


def _parse_utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _cell(value) -> str:
    # repr-exact floats (no rounding: this is the raw file), integers without ".0".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
