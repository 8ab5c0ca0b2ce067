"""The examples in the control core's docstrings run (compiled modules included)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["pid", "controller", "lockstep", "steptiming", "codes", "parameters", "reference",
           "tuning", "realtime", "performance", "__init__"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("mimedi_qual.control" if name == "__init__"
                                     else f"mimedi_qual.control.{name}")
    assert module.__doc__ and ">>>" in module.__doc__, "every module teaches with an example"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
