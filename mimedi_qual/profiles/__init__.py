"""Typed, validated configuration: bench, URS, acceptance criteria, recipes.

Every number the harness judges by lives in a YAML profile under
``profiles/``; this package turns those files into pydantic models and, when a
file is wrong, raises :class:`mimedi_qual.errors.ProfileError` naming the file
and the line. Every YAML profile of the harness — the control core's and the
twin's too — is read by :func:`~mimedi_qual.profiles.loader.load_model`, so
every one reports its errors the same way.

>>> from mimedi_qual.profiles import load_bench
>>> bench = load_bench("profiles/benches/sim.yaml")
>>> bench.bench.kind
'simulated'
"""

from mimedi_qual.profiles.loader import (
    load_acceptance,
    load_bench,
    load_process,
    load_urs,
)

__all__ = ["load_acceptance", "load_bench", "load_process", "load_urs"]
