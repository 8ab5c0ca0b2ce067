"""Bench access through labgrid: resources, drivers, protocols, strategy, places.

A bench is a labgrid target. Resources say *where* a thing is (address,
port); drivers say *how* to talk to it and implement our protocols; steps ask
the :class:`~mimedi_qual.lab.bench.Bench` facade for a protocol by kind or
name (``bench.thermometer()``, ``bench.bioreactor()``, ``bench.strategy()``)
and never see an address.

=======================  ==========================================================
module                   what it holds
=======================  ==========================================================
:mod:`.protocols`        the contracts steps program against (ABCs, one per kind)
:mod:`.resources`        our labgrid resources (SCPI and MT-SICS sockets, sim channel)
:mod:`.drivers`          one module per device kind, plus clock and operator
:mod:`.strategy`         ``BioreactorStrategy``: off → powered → ready → running
:mod:`.calibration`      the calibration gate (past due → no readings)
:mod:`.environment`      bench profile → labgrid environment
:mod:`.bench`            the facade a campaign and its steps use
:mod:`.places`           many benches: export a bench as a place, lease a place
:mod:`.errors`           errors that name the instrument (refusals, expiry, overload)
=======================  ==========================================================

Importing this package registers our classes with labgrid's target factory,
which is what the ``imports:`` line of the generated environment file does.
"""

from mimedi_qual.lab import drivers, resources, strategy  # noqa: F401  (registration)
