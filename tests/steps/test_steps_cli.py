"""``mimedi-qual steps`` lists the whole vocabulary, and every step is documented."""

from __future__ import annotations

import subprocess
import sys

from mimedi_qual.cli.steps import _readable, vocabulary


def test_every_step_has_a_docstring_and_a_known_keyword():
    phrases = vocabulary()
    assert len(phrases) >= 10
    undocumented = [p.phrase for p in phrases if p.meaning == "(undocumented)"]
    assert not undocumented, undocumented
    assert {p.keyword for p in phrases} <= {"Given", "When", "Then", "Step"}


def test_regex_patterns_read_as_phrases():
    assert _readable(r"the culture has settled for (?P<duration_h>[\d.]+) hours?") == \
        "the culture has settled for {duration_h} hour(s)"


def test_cli_prints_every_phrase_with_parameters_and_meaning():
    proc = subprocess.run([sys.executable, "-m", "mimedi_qual.cli.main", "steps"],
                          capture_output=True, text=True, timeout=60, env={"COLUMNS": "300", "PATH": ""})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for p in vocabulary():
        assert p.phrase in out
        assert p.meaning in out
        if p.parameters:
            assert "parameters: " + ", ".join(p.parameters) in out
    assert "Given the bench is ready" in " ".join(out.split())
    # what a judging step measures, per criterion parameter: the unit its criterion must fit
    flat = " ".join(out.split())
    assert "judges {criterion_id}: time (s)" in flat            # the alarm annunciation delay
    assert "judges {criterion_id}: the readings' quantity" in flat
