"""The examples in the twin's module docstrings run and show what they claim."""

import doctest
import importlib

import pytest

MODULES = ["acid_base", "culture", "culture_reference", "fill", "gas_transfer", "growth", "harvest",
           "parameters", "population", "qc_assays", "recipe", "regulation", "selection", "thermal",
           "transduction"]


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_examples(name):
    module = importlib.import_module(f"mimedi_qual.twin.{name}")
    assert module.__doc__ and len(module.__doc__) > 200, "every module teaches with a docstring"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
