"""The bioreactor's real-time control core: the software under test.

Compiled with Cython. There is deliberately no pure-Python fallback for the
compiled modules: if the extension is missing the import fails loudly, because
qualifying a Python stand-in instead of the firmware would be worthless
evidence. (A pure-Python *reference* of the same mathematics may live beside
it for equivalence tests; it is never imported in its place.)
"""

from mimedi_qual.control.pid import TemperaturePID

__all__ = ["TemperaturePID"]
