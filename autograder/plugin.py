"""pytest plugin behind the hidden checks.

Gives checks a ``student`` fixture (the submission in its sandbox) and a
``device`` fixture, turns failures into the one sentence a student should read,
and, under the engine, records each check's outcome for scoring. Instructors can
run a check module directly:

    pytest autograder/checks/test_tensor_shapes.py --notebook solutions/tensor_shapes.ipynb
"""
import os

import pytest
import torch

from .checking import CheckFailed
from .notebook import NotebookError, read_cells
from .sandbox import Spawner
from .student import Limits, Student, StudentError

ENGINE = pytest.StashKey["Engine"]()


def devices():
    """Devices every check runs on: the CPU, and CUDA when a GPU is present.

    The NVML-based check answers without initializing CUDA in the grader, so
    sandboxes forked from it can still use the GPU.
    """
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def pytest_addoption(parser):
    group = parser.getgroup("torchgrade")
    group.addoption("--notebook", help="the submission notebook to check")
    group.addoption("--call-timeout", type=float, default=Limits.timeout,
                    help="seconds each call into student code may take")


def pytest_configure(config):
    config.addinivalue_line("markers", "question(id, points=1): the question a check "
                            "belongs to and what it is worth")


@pytest.fixture(scope="session")
def student(request):
    engine = request.config.stash.get(ENGINE, None)
    if engine is not None:
        yield engine.student
        return
    path = request.config.getoption("notebook")
    if not path:
        pytest.exit("pass the notebook to check: --notebook PATH", returncode=4)
    try:
        cells = read_cells(path)
    except NotebookError as error:
        pytest.exit(f"{path}: {error}", returncode=4)
    limits = Limits(timeout=request.config.getoption("call_timeout"))
    spawner = Spawner()
    submission = Student(cells, limits, spawner)
    yield submission
    submission.close()
    spawner.close()


@pytest.fixture(params=devices())
def device(request):
    return request.param


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    marker = item.get_closest_marker("question")
    if marker is not None:
        report.user_properties.append(("question", marker.args[0]))
        report.user_properties.append(("points", marker.kwargs.get("points", 1)))
        report.user_properties.append(("check", item.originalname))
    if report.failed and call.excinfo is not None:
        report.user_properties.append(("message", failure_message(call.excinfo.value)))
        if call.excinfo.errisinstance((CheckFailed, StudentError)):
            report.longrepr = str(call.excinfo.value)
    return report


def failure_message(error):
    """What the student reads for a failed check."""
    if isinstance(error, (CheckFailed, StudentError)):
        return str(error)
    if isinstance(error, AssertionError) and str(error):
        return str(error).splitlines()[0]
    return ("The grader could not finish this check (internal error "
            f"{type(error).__name__}); your instructor has been told.")


class Engine:
    """Registered by the engine: supplies the student and records every outcome."""

    def __init__(self, student):
        self.student = student
        self.outcomes = {}

    def pytest_configure(self, config):
        config.stash[ENGINE] = self

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        if "question" not in props:
            return
        entry = self.outcomes.setdefault(report.nodeid, {
            "question": props["question"], "check": props["check"],
            "points": props["points"], "passed": True, "message": ""})
        if report.failed:
            entry["passed"] = False
            entry["message"] = entry["message"] or props.get("message", "This check failed.")
        elif report.skipped:
            entry["passed"] = False
            entry["message"] = entry["message"] or "This check was skipped."
