"""Runs an assignment's hidden checks on one submission, without pytest's per-check machinery.

pytest sets up a session (configuration, plugins, collection) and reports each check through
dozens of hooks: about 0.1 s a submission, most of the grader's own cost. The engine calls the
same check functions itself, in pytest's order and under pytest's node ids (an id seeds its
check's inputs, so ``pytest --notebook`` meets the same ones), with the fixtures a check may
take: ``student``, ``device``, ``rng``, ``curve`` and the parameters of
``pytest.mark.parametrize``. Instructors still run a module with plain pytest (plugin.py);
tests/checks/test_suite.py holds both runners to the same checks, ids and outcomes.
"""
import functools
import importlib
import inspect
import numbers

from .. import assignments
from ..records import CheckOutcome, msg
from .plugin import check_rng, devices, failure_message, points

FIXTURES = ("student", "device", "rng", "curve")


def run(assignment, student):
    """(outcomes, curves) of the assignment's checks on ``student``: one CheckOutcome per
    check and parameter set, and the loss curves checks kept (``curve``) by question."""
    outcomes, curves, worth_of = [], {}, assignments.checks(assignment)
    for function, nodeid, params in collect(assignment):
        question, worth = worth_of[function.__name__]
        outcome = CheckOutcome(question, function.__name__, worth, passed=True)
        try:
            function(**{name: _fixture(name, student, nodeid, params, question, curves)
                        for name in _arguments(function)})
        except Exception as error:  # a failed check, a student error, or a bug in the check
            outcome.passed, outcome.message = False, failure_message(error)
            if question in student.nothing:  # every question's function returns a result
                outcome.message = msg("{function} returned None for {call}: a function that "
                                      "ends without `return` gives None. End it with `return` "
                                      "and its result (printing a value does not return it).",
                                      function=question, call=student.nothing[question])
        outcomes.append(outcome)
    return outcomes, curves


@functools.cache
def collect(assignment):
    """[(check, node id, parameters)] for every scored check, in the order pytest runs them;
    called once in the main process, so every grader forked from it has them."""
    return list(_collect(assignment))


def _collect(assignment):
    module = importlib.import_module(f"autograder.checks.test_{assignment}")
    path = f"autograder/checks/test_{assignment}.py"
    scored = assignments.checks(assignment)
    for name, function in vars(module).items():
        if not (name in scored and inspect.isfunction(function)):
            continue
        calls = [([], {})]  # (ids, parameters); the device comes first, as plugin.py adds it
        if "device" in _arguments(function):
            calls = [(ids + [device], {**params, "device": device})
                     for ids, params in calls for device in devices()]
        for mark in getattr(function, "pytestmark", []):
            if mark.name == "parametrize":
                names = [n.strip() for n in mark.args[0].split(",")]
                calls = [(ids + [_id(names, value, index)],
                          {**params, **dict(zip(names, value if len(names) > 1 else [value]))})
                         for ids, params in calls for index, value in enumerate(mark.args[1])]
        for ids, params in calls:
            yield function, f"{path}::{name}" + (f"[{'-'.join(ids)}]" if ids else ""), params


@functools.cache
def _arguments(function):
    return tuple(inspect.signature(function).parameters)


def _id(names, value, index):
    """pytest's id for one parameter set: plain values as they print, others by name+index."""
    values = value if len(names) > 1 else [value]
    return "-".join(str(item) if item is None or isinstance(item, (str, numbers.Number))
                    else f"{name}{index}" for name, item in zip(names, values))


def _fixture(name, student, nodeid, params, question, curves):
    if name in params:
        return params[name]
    if name == "student":
        return student
    if name == "rng":
        return check_rng(student.seed, nodeid)
    if name == "curve":
        def keep(values, reference):
            if isinstance(values, (list, tuple)):  # the first device's run is the one shown
                curves.setdefault(question, {"student": points(values),
                                             "reference": points(reference)})
        return keep
    raise TypeError(f"a check asks for a fixture the engine does not have: {name} "
                    f"(it has {', '.join(FIXTURES)})")
