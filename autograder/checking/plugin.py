"""pytest plugin behind the hidden checks, for running a check module with plain pytest:

    pytest autograder/checks/test_tensor_shapes.py --notebook solutions/tensor_shapes.ipynb

Gives checks a ``student`` fixture (the submission in its sandbox), ``device``, ``rng`` and
``curve``, and turns failures into the one sentence a student should read. Grading runs the
same checks with the same fixtures without pytest (suite.py).
"""
import hashlib
import math

import pytest
import torch

from ..config import Limits
from ..notebook import NotebookError, read_cells
from ..records import msg
from ..sandbox.spawner import Spawner
from ..sandbox.warm import has_gpu
from .expect import CheckFailed
from .student import Student, StudentError

def devices():
    """Devices every check runs on: the CPU, and CUDA when a GPU is present."""
    return ("cpu", "cuda") if has_gpu() else ("cpu",)


def pytest_addoption(parser):
    group = parser.getgroup("torchgrade")
    group.addoption("--notebook", help="the submission notebook to check")
    group.addoption("--call-timeout", type=float, default=Limits.timeout,
                    help="seconds each call into student code may take")
    group.addoption("--seed", type=int, default=0,
                    help="the seed the checks' random inputs derive from (recorded per student)")


def pytest_configure(config):
    config.addinivalue_line("markers", "question(id, points=1): the question a check "
                            "belongs to and what it is worth")


@pytest.fixture(scope="session")
def student(request):
    path = request.config.getoption("notebook")
    if not path:
        pytest.exit("pass the notebook to check: --notebook PATH", returncode=4)
    try:
        cells = read_cells(path)
    except NotebookError as error:
        pytest.exit(f"{path}: {error}", returncode=4)
    limits = Limits(timeout=request.config.getoption("call_timeout"))
    spawner = Spawner()
    submission = Student(cells, limits, spawner, seed=request.config.getoption("seed"))
    yield submission
    submission.close()
    spawner.close()


@pytest.fixture
def rng(request, student):
    return check_rng(student.seed, request.node.nodeid)


def check_rng(seed, nodeid):
    """A torch.Generator for a check's random inputs, seeded from the submission's seed and
    the check's id: the same notebook always meets the same inputs."""
    key = f"{seed}:{nodeid}".encode()
    return torch.Generator().manual_seed(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


@pytest.fixture
def curve():
    """``curve(values, reference)`` keeps the student's losses and the reference curve for
    the question's feedback page when grading (suite.py); under plain pytest it does nothing."""
    return lambda values, reference: None


def points(values, most=2000):
    """Finite floats (anything else becomes None), thinned to at most ``most`` points."""
    values = list(values)[: most * 50]
    step = max(1, len(values) // most)
    return [float(v) if type(v) in (int, float) and math.isfinite(v) else None
            for v in values[::step]]


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", devices())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed check reports the sentence a student would read."""
    report = yield
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(
            (CheckFailed, StudentError)):
        message = failure_message(call.excinfo.value)
        report.longrepr = message.text.format(**message.params)
    return report


def failure_message(error):
    """What the student reads for a failed check, as a Message."""
    if isinstance(error, (CheckFailed, StudentError)):
        return error.message
    if isinstance(error, AssertionError) and str(error):
        return msg("{text}", text=str(error).splitlines()[0])
    return msg("The grader could not finish this check (internal error {error}); your "
               "instructor has been told.", error=type(error).__name__)
