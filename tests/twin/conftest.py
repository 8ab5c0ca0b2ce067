"""Shared fixtures for the twin tests: the default profile, loaded once."""

import pytest

from mimedi_qual.twin.parameters import load_twin_profile


@pytest.fixture(scope="session")
def profile():
    return load_twin_profile()
