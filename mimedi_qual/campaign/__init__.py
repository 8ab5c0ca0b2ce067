"""The campaign service: one owner of a qualification campaign's life.

    preflight → open record → acquire bench/place → run scenarios → close record → views

Faces — the CLI (``mimedi-qual run``), the pytest plugin (plain ``pytest -c
features/pytest.ini …``) and, later, the operator station — all go through it,
so every status a reader sees is decided once (:mod:`mimedi_qual.evidence.status`).

* :mod:`.preflight` — every input checked before anything starts (``file:line`` errors);
* :mod:`.record` — the first and last records of a campaign (who, protocol, bench, conclusion);
* :mod:`.bench` — the bench session: the simulated bench is started here, or not at all;
* :mod:`.service` — :class:`~.service.Campaign` (open, close) and :func:`~.service.run_campaign`;
* :mod:`.views` — ``report.html`` and ``summary.pdf``, written from the record;
* :mod:`.resume` — finishing a campaign whose process died;
* :mod:`.prerequisites` — the earlier stage's release;
* :mod:`.exit_codes` — what the faces return.
"""
