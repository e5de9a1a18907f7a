"""Loads the torchgrade pytest plugin for the hidden checks in this folder."""
from autograder.checking.plugin import (curve, pytest_addoption,  # noqa: F401
                                        pytest_configure, pytest_generate_tests,
                                        pytest_runtest_makereport, rng, student)
