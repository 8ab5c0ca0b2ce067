"""Processes that stand in for hardware on the simulated bench.

Everything here is reached by the harness only over loopback sockets, exactly
as the real bench is reached over the lab network: the harness cannot tell the
difference except through the bench profile.

* :mod:`.scpi` — an IEEE 488.2 / SCPI command interpreter (long and short
  forms, case-insensitive, ``SYST:ERR?`` queue with standard codes);
* :mod:`.server` — a line-oriented TCP server that hosts one instrument;
* :mod:`.world` — the virtual clock, the twin and the controller firmware,
  stepped in lockstep;
* :mod:`.controller`, :mod:`.thermometer` — the devices' command sets;
* :mod:`.simctl` — the simulation-only channel (advance time, load a bag,
  inject faults), never part of the controller's own interface;
* :mod:`.launcher` — starts the bench process, picks free ports, leaves no
  orphans.
"""
