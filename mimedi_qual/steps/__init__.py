"""The step vocabulary: Given/When/Then in the validation engineer's words.

Each module holds the steps about one subject. Steps reach the bench only
through protocols (``campaign.bench.thermometer(name)``) and numbers only
through acceptance criteria by id (``campaign.criterion("OQ-TEMP-ACC")``).
They are registered by the plugin, so a new ``.feature`` file that uses them
needs no Python.
"""
