"""Loads the torchgrade pytest plugin for the hidden checks in this folder."""
from autograder.plugin import (device, pytest_addoption, pytest_configure,  # noqa: F401
                               pytest_runtest_makereport, student)
