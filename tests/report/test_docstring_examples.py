"""The examples in the measurement-evidence modules' docstrings run and show what they claim."""

import doctest
import importlib

import pytest

MODULES = ["mimedi_qual.qualification.limits", "mimedi_qual.qualification.series",
           "mimedi_qual.qualification.measurement", "mimedi_qual.report.plots",
           "mimedi_qual.report.measurements_jsonl"]


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_an_empty_series_has_no_plot():
    from mimedi_qual.qualification.series import InstrumentId, Series
    from mimedi_qual.report.plots import series_plot_png

    empty = Series("none", "temperature_c", "°C", InstrumentId("thermometer"))
    assert series_plot_png(empty, title="t", low=None, high=None, unit="°C") is None
