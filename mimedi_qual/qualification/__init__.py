"""Qualification core: measurements judged against acceptance criteria.

A measurement carries its value, unit, limits, instrument and verdict, so a
report never recomputes a verdict (OpenHTF's lesson). The limits always come
from a :class:`~mimedi_qual.profiles.acceptance.Criterion` looked up by id.
"""

from mimedi_qual.qualification.measurement import Measurement, judge_series, judge_value

__all__ = ["Measurement", "judge_series", "judge_value"]
