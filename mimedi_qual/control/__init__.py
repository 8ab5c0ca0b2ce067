"""The bioreactor's real-time control core: the software under test.

Compiled with Cython. There is deliberately no pure-Python fallback for the
compiled modules: if the extension is missing the import fails loudly, because
qualifying a Python stand-in instead of the firmware would be worthless
evidence. (A pure-Python *reference* of the same mathematics lives beside it,
``reference.py``, for equivalence tests and the speed ratio; it is never
imported in its place.)

Where things are:

* ``controller.pyx`` / ``.pxd`` — the whole controller (loops, interlocks,
  alarms, MTP module state machines): ``Controller`` for Python, ``ctl_step``
  / ``ctl_command`` / ``ctl_acknowledge`` for other compiled modules;
* ``pid.pyx`` / ``.pxd`` — the PID every loop uses (``TemperaturePID`` API);
* ``codes.py`` — names of modules, states, commands, alarms, interlocks;
* ``parameters.py`` — the profile (profiles/control/controller.yaml) → controller;
* ``lockstep.pyx`` — controller + compiled thermal twin for long closed loops;
* ``tuning.py`` — step-response metrics vs profiles/control/tuning-targets.yaml;
* ``realtime.py`` — fixed-period wall-clock runs with jitter/latency statistics;
* ``performance.py``, ``steptiming.pyx`` — the figures of ``mimedi-qual perf control``.

>>> from mimedi_qual.control import Controller, build_controller
>>> from mimedi_qual.control.codes import Command, Module
>>> ctl = build_controller()
>>> ctl.command(Module.EXPANSION, Command.START).accepted
True
"""

from mimedi_qual.control.controller import Controller, ControlOutputsView
from mimedi_qual.control.parameters import build_controller, load_controller_profile
from mimedi_qual.control.pid import TemperaturePID

__all__ = ["Controller", "ControlOutputsView", "TemperaturePID", "build_controller",
           "load_controller_profile"]
