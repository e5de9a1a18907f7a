"""Same notebook, same grade; correct code never loses a point by chance."""
import json

import pytest

from autograder import pipeline
from autograder.assignments import NAMES
from autograder.config import ROOT

from conftest import FAST, grade_folder, said, solution_cells
from corpus import VALID

pytestmark = pytest.mark.slow  # left out by make test-fast

SEEDS = 30  # students, so seeds, per reference solution
VARIANT_SEEDS = 6


@pytest.mark.parametrize("assignment", NAMES)
def test_correct_code_keeps_full_marks_under_many_seeds(assignment, tmp_path):
    solution = solution_cells(assignment)
    notebooks = {f"reference-{i}": solution for i in range(SEEDS)}
    for index, (name, code) in enumerate(VALID[assignment]):
        notebooks.update({f"valid{index}-{i}": solution + [code] for i in range(VARIANT_SEEDS)})
    records = grade_folder(assignment, notebooks, tmp_path)
    assert len({record.seed for record in records.values()}) == len(notebooks)
    lost = {student: said(record) for student, record in records.items()
            if record.score < record.max_score}
    assert not lost, lost


def test_one_notebook_graded_twice_gets_identical_results(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for assignment in ("tensor_shapes", "char_model"):
        (folder / f"{assignment}.ipynb").write_bytes((ROOT / "demo" / f"{assignment}.ipynb").read_bytes())
    outputs = []
    for run in ("first", "second"):
        for assignment in ("tensor_shapes", "char_model"):
            out = tmp_path / run / assignment
            pipeline.grade(assignment, [folder / f"{assignment}.ipynb"], out, 1, FAST,
                           log=lambda *_: None)
            results = json.loads((out / "results" / f"{assignment}.json").read_text())
            results.pop("execution_time")
            outputs.append(((out / "grades.csv").read_text(), results,
                            (out / "feedback" / f"{assignment}.md").read_text()))
    assert outputs[:2] == outputs[2:]
    assert any("❌" in feedback for _, _, feedback in outputs)  # partly wrong: real feedback
