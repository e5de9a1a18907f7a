"""What students get: reference notebooks run top to bottom in a real Jupyter kernel,
and the released stubs are exactly the references minus the solutions."""
import json

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.assignments import NAMES
from autograder.config import ROOT
from autograder.release import student_notebook


@pytest.mark.parametrize("assignment", NAMES)
def test_solution_runs_top_to_bottom_in_jupyter(assignment, tmp_path):
    notebook = nbformat.read(ROOT / "solutions" / f"{assignment}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()


@pytest.mark.parametrize("assignment", NAMES)
def test_released_stub_is_current_and_hides_the_solution(assignment):
    solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
    released = json.loads((ROOT / "assignments" / f"{assignment}.ipynb").read_text())
    assert released == student_notebook(solution), "run `make release`"
    text = json.dumps(released)
    assert "BEGIN SOLUTION" not in text and "NotImplementedError" in text
