"""Typed, validated configuration: bench, URS, acceptance criteria, recipes.

Every number the harness judges by lives in a YAML profile under
``profiles/``; this package turns those files into pydantic models and, when a
file is wrong, raises :class:`ProfileError` naming the file and the line.

>>> from mimedi_qual.profiles import load_bench
>>> bench = load_bench("profiles/benches/sim.yaml")
>>> bench.bench.kind
'simulated'
"""

from mimedi_qual.profiles.errors import ProfileError
from mimedi_qual.profiles.loader import (
    load_acceptance,
    load_bench,
    load_process,
    load_urs,
)

__all__ = ["ProfileError", "load_acceptance", "load_bench", "load_process", "load_urs"]
