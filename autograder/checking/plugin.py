"""pytest plugin behind the hidden checks.

Gives checks a ``student`` fixture (the submission in its sandbox) and a
``device`` fixture, turns failures into the one sentence a student should read,
and, under the engine, records each check's outcome for scoring. Instructors can
run a check module directly:

    pytest autograder/checks/test_tensor_shapes.py --notebook solutions/tensor_shapes.ipynb
"""
import hashlib
import math

import pytest
import torch

from ..config import Limits
from ..notebook import NotebookError, read_cells
from ..records import CheckOutcome, msg
from ..sandbox.spawner import Spawner, has_gpu
from .expect import CheckFailed
from .student import Student, StudentError

ENGINE = pytest.StashKey["Engine"]()


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
    submission = Student(cells, limits, spawner, seed=request.config.getoption("seed"))
    yield submission
    submission.close()
    spawner.close()


@pytest.fixture
def rng(request, student):
    """A torch.Generator for this check's random inputs, seeded from the submission's seed
    and the check's id: the same notebook always meets the same inputs."""
    key = f"{student.seed}:{request.node.nodeid}".encode()
    return torch.Generator().manual_seed(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


@pytest.fixture
def curve(request):
    """``curve(values, reference)`` keeps the student's recorded losses and the reference
    curve for the question's feedback page (the first device's; a no-op outside the engine)."""
    engine = request.config.stash.get(ENGINE, None)
    marker = request.node.get_closest_marker("question")

    def keep(values, reference):
        if engine is not None and marker is not None and isinstance(values, (list, tuple)):
            engine.curves.setdefault(marker.args[0], {"student": _points(values),
                                                      "reference": _points(reference)})
    return keep


def _points(values, most=2000):
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
    report = yield
    marker = item.get_closest_marker("question")
    if marker is not None:
        report.user_properties.append(("question", marker.args[0]))
        report.user_properties.append(("points", marker.kwargs.get("points", 1)))
        report.user_properties.append(("check", item.originalname))
    if report.failed and call.excinfo is not None:
        message = failure_message(call.excinfo.value)
        report.user_properties.append(("message", message))
        if call.excinfo.errisinstance((CheckFailed, StudentError)):
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


class Engine:
    """Registered by the engine: supplies the student and records every outcome."""

    def __init__(self, student):
        self.student = student
        self.outcomes = {}
        self.curves = {}  # {question: {"student": [...], "reference": [...]}}

    def pytest_configure(self, config):
        config.stash[ENGINE] = self

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        if "question" not in props:
            return
        entry = self.outcomes.setdefault(report.nodeid, CheckOutcome(
            props["question"], props["check"], props["points"], passed=True))
        if report.failed or report.skipped:
            entry.passed = False
            entry.message = entry.message or props.get("message") or (
                msg("This check failed.") if report.failed else msg("This check was skipped."))
