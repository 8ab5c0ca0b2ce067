"""Plant models of the MiMédi process: the digital twin.

Each model is physics with its parameters from a profile (sources named in
DOMAIN.md), deterministic for a given seed. The control core never imports
the twin and the harness never reads it directly: on the simulated bench the
twin is reached through the instruments and the controller, over the network.
"""
