"""The engine's own check runner (checking/suite.py) and plain pytest (checking/plugin.py) run
the same checks, under the same ids (which seed the checks' inputs), in the same order, and
agree on which pass."""
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import NAMES, check_file
from autograder.checking import suite
from autograder.checking.student import Student
from autograder.config import Limits
from autograder.sandbox.spawner import Spawner
from conftest import solution_cells, write_notebook
from corpus import WRONG

ROOT = Path(__file__).resolve().parents[2]


def _pytest(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("assignment", NAMES)
def test_the_same_checks_under_the_same_ids_in_the_same_order(assignment):
    collected = _pytest("--collect-only", "-q", str(check_file(assignment)))
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert [nodeid for _, nodeid, _ in suite.collect(assignment)] == ids


@pytest.mark.parametrize("assignment", ["char_model", "no_grad_update"])
def test_the_same_checks_fail_on_a_wrong_solution(assignment, tmp_path):
    cells = solution_cells(assignment) + [WRONG[assignment][0][3]]
    notebook = tmp_path / "wrong.ipynb"
    write_notebook(notebook, cells)
    report = _pytest(str(check_file(assignment)), "--notebook", str(notebook), "-q", "-rf",
                     "--tb=no")
    failed_by_pytest = {line.split()[1] for line in report.stdout.splitlines()
                        if line.startswith("FAILED ")}
    spawner = Spawner()
    student = Student([(i, c) for i, c in enumerate(cells)], Limits(), spawner, seed=0)
    try:
        outcomes, _ = suite.run(assignment, student)
    finally:
        student.close()
        spawner.close()
    ids = [nodeid for _, nodeid, _ in suite.collect(assignment)]
    failed_here = {nodeid for nodeid, outcome in zip(ids, outcomes) if not outcome.passed}
    assert failed_here and failed_here == failed_by_pytest


def test_a_check_that_asks_for_an_unknown_fixture_fails_with_a_clear_reason():
    with pytest.raises(TypeError, match="fixture the engine does not have: tmp_path"):
        suite._fixture("tmp_path", None, "id", {}, "q", {})
