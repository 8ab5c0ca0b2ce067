"""The step vocabulary: Given/When/Then in the validation engineer's words.

Each module holds the steps about one subject. Steps reach the bench only
through protocols (``campaign.bench.thermometer(name)``) and numbers only
through acceptance criteria by id (``campaign.criterion("OQ-TEMP-ACC")``).
The plugin loads this package, and pytest loads every module listed in
``pytest_plugins`` below, so a new ``.feature`` file that uses these steps
needs no Python — and a new step module needs one line here.

``mimedi-qual steps`` prints every phrase with its parameters and meaning.

Layout — dependencies run one way, top to bottom:

* ``*_steps.py`` — step definitions only: parse the engineer's words, call an
  action, judge and record. No step module imports another, and no step
  calls a step;
* ``actions/`` — what the steps share, by subject (``operator``,
  ``modules``, ``faults``, ``pumps``, ``readers`` …); never imports a step
  module;
* ``cleanup.py`` — :class:`~mimedi_qual.steps.cleanup.BenchCleanup` and the
  ``bench_cleanup`` fixture that undoes a scenario's changes to the bench;
* ``waiting.py`` — waiting on the bench clock for a condition.
"""

pytest_plugins = [
    "mimedi_qual.steps.cleanup",
    "mimedi_qual.steps.bench_steps",
    "mimedi_qual.steps.identity_steps",
    "mimedi_qual.steps.sampling_steps",
    "mimedi_qual.steps.utility_steps",
    "mimedi_qual.steps.door_steps",
    "mimedi_qual.steps.login_steps",
    "mimedi_qual.steps.session_steps",
    "mimedi_qual.steps.audit_trail_steps",
    "mimedi_qual.steps.refused_action_steps",
    "mimedi_qual.steps.account_steps",
    "mimedi_qual.steps.supervisor_settings_steps",
    "mimedi_qual.steps.alarm_steps",
    "mimedi_qual.steps.power_steps",
    "mimedi_qual.steps.pump_steps",
    "mimedi_qual.steps.load_cell_steps",
    "mimedi_qual.steps.module_steps",
    "mimedi_qual.steps.process_steps",
    "mimedi_qual.steps.product_steps",
    "mimedi_qual.steps.timing_steps",
]
