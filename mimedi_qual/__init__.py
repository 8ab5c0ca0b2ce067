"""mimedi-qual: the IQ/OQ/PQ qualification harness for the MiMédi bioreactor.

Layers, from the protocol down (imports point downward only)::

    features/*.feature      Gherkin protocols, tagged with URS ids
    mimedi_qual.steps       the step vocabulary (pytest-bdd)
    mimedi_qual.plugin      pytest plugin: --bench, fixtures, campaign lifecycle
    qualification / lab / report      criteria, labgrid bench access, Allure
    mimedi_qual.profiles    typed, validated configuration

Beside them, reached only over the network: ``control`` (the Cython control
core under test), ``twin`` (plant models) and ``simbench`` (the processes that
stand in for hardware on the simulated bench).
"""

__version__ = "0.1.0"
