"""Plant models of the MiMédi process: the digital twin.

Each model is physics with its parameters from a profile (every number with
its unit and its source, :mod:`.parameters`), deterministic for a given seed. The control core never imports
the twin and the harness never reads it directly: on the simulated bench the
twin is reached through the instruments and the controller, over the network.

Where things are:

* ``parameters.py`` — the twin profile (``profiles/twin/default.yaml``): value, unit, source;
* ``thermal.py``, ``gas_transfer.py``, ``acid_base.py``, ``growth.py`` — the physics, one concern each;
* ``culture.py`` — the expansion culture composing them (``Culture``, ``Actuators``, ``CultureFault``),
  integrated by ``culture_kernel.pyx`` (C) with ``culture_reference.py`` as its readable spec;
* ``population.py``, ``selection.py``, ``transduction.py``, ``expansion.py``, ``harvest.py``,
  ``fill.py``, ``qc_assays.py`` — the process steps; ``process.py`` runs them all for a
  ``recipe.py`` recipe, with ``regulation.py`` standing in for the control core;
* ``performance.py`` — speed figures (``python -m mimedi_qual.twin.performance``).

>>> from mimedi_qual.twin import Culture, Actuators
>>> culture = Culture.from_profile(seed=1)
>>> culture.advance(600.0, Actuators(heater_pct=37.5, co2_valve_pct=50.0, rocking_rpm=10.0))
>>> round(culture.temperature_c)
37
"""

from mimedi_qual.twin.culture import Actuators, Culture, CultureFault, CultureReading

__all__ = ["Actuators", "Culture", "CultureFault", "CultureReading"]
