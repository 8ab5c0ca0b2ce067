"""``python -m mimedi_qual.simbench --bench PROFILE``: run the simulated bench process."""

import sys

from mimedi_qual.simbench.process import main

sys.exit(main())
