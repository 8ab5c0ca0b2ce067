"""The step vocabulary: Given/When/Then in the validation engineer's words.

Each module holds the steps about one subject. Steps reach the bench only
through protocols (``campaign.bench.thermometer(name)``) and numbers only
through acceptance criteria by id (``campaign.criterion("OQ-TEMP-ACC")``).
The plugin loads this package, and pytest loads every module listed in
``pytest_plugins`` below, so a new ``.feature`` file that uses these steps
needs no Python — and a new step module needs one line here.

``mimedi-qual steps`` prints every phrase with its parameters and meaning.
"""

pytest_plugins = [
    "mimedi_qual.steps.bench_steps",
    "mimedi_qual.steps.identity_steps",
    "mimedi_qual.steps.sampling_steps",
    "mimedi_qual.steps.utility_steps",
    "mimedi_qual.steps.door_steps",
    "mimedi_qual.steps.access_steps",
    "mimedi_qual.steps.alarm_steps",
    "mimedi_qual.steps.power_steps",
    "mimedi_qual.steps.pump_steps",
    "mimedi_qual.steps.load_cell_steps",
    "mimedi_qual.steps.module_steps",
    "mimedi_qual.steps.process_steps",
    "mimedi_qual.steps.product_steps",
    "mimedi_qual.steps.timing_steps",
]
