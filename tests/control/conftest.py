"""Shared fixtures for the control-core tests: the default profile and builders."""

from __future__ import annotations

import copy

import pytest

from mimedi_qual.control.controller import Controller
from mimedi_qual.control.parameters import load_controller_profile
from mimedi_qual.control.reference import ReferenceController


@pytest.fixture(scope="session")
def profile():
    return load_controller_profile()


@pytest.fixture
def config(profile):
    """A fresh, mutable copy of the default profile's controller mapping."""
    return copy.deepcopy(profile.controller_config())


@pytest.fixture
def controller(config):
    return Controller(config)


@pytest.fixture
def reference(config):
    return ReferenceController(config)
