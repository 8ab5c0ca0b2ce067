"""One scenario count: the CLI header, the progress bar (pytest items) and the reports agree."""

from __future__ import annotations

from pathlib import Path

from mimedi_qual.cli.run import scenarios_text
from mimedi_qual.paths import project_paths
from mimedi_qual.qualification.protocol import count_runs, load_protocol

OUTLINE = """Feature: counting
  @URS-X-001
  Scenario Outline: held at <t>
    Given the bench is ready

    Examples:
      | t  |
      | 36 |
      | 37 |
      | 38 |

  @URS-X-001
  Scenario: plain
    Given the bench is ready
"""


def test_an_outline_counts_one_scenario_per_examples_row(tmp_path: Path) -> None:
    (tmp_path / "oq").mkdir()
    (tmp_path / "oq" / "count.feature").write_text(OUTLINE, encoding="utf-8")
    scenarios = load_protocol([tmp_path / "oq"])
    assert [s.runs for s in scenarios] == [3, 1]
    assert count_runs(scenarios) == 4
    assert scenarios_text(scenarios) == ("4 scenarios (2 in the feature files, Scenario Outline examples counted "
                                         "one by one)")


def test_the_shipped_protocol_counts_77_as_the_bar_does() -> None:
    """The header once said "43 scenarios" (feature-file scenarios) while the bar counted 73 pytest items.

    76 since issue 17 added three OQ access scenarios (two users at once, the lockout and its releases);
    77 since issue 13 added the FEED pump's gravimetric scenario (a line routed to the balance).
    """
    features = project_paths().features
    counts = {stage: count_runs(load_protocol([features / stage])) for stage in ("iq", "oq", "pq")}
    assert counts == {"iq": 11, "oq": 61, "pq": 5}
    assert scenarios_text(load_protocol([features / s for s in ("iq", "oq", "pq")])).startswith("77 scenarios (")
