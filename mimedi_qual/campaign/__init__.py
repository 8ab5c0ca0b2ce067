"""A campaign's life, owned in one place: preflight, record, bench, run, views.

The CLI (``mimedi-qual run``) and the pytest plugin are two faces of the
service in :mod:`mimedi_qual.campaign.service`; each status a reader sees is
decided once, and the simulated bench is started here (never by ``lab/``).
"""
