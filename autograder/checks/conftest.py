"""Loads the torchgrade pytest plugin for the hidden checks in this folder."""
from autograder.checking.plugin import (pytest_addoption, pytest_configure,  # noqa: F401
                                        pytest_generate_tests, pytest_runtest_makereport, rng,
                                        student)
