"""Text no encoder accepts, control characters, markup and huge messages, in what a notebook
raises and in file and folder names: every student still gets a row, a results file and a
feedback file, and the reports can be rebuilt from the store."""
import csv
import json
import os

import pytest
from markdown_it import MarkdownIt

from autograder.assignments import questions
from autograder import pipeline
from autograder.records import Status
from autograder.reports import file_stem, write_reports
from autograder.store import Store

from conftest import FAST, solution_cells, write_notebook

A = "tensor_shapes"
HOSTILE = {
    "surrogate": "'\\ud800\\udfff'",
    "nul_and_controls": "'a\\x00b\\x07c\\x1b[31md\\x7f'",
    "right_to_left": "'\\u202egnp.exe\\u2066'",
    "megabyte": "'x' * 2**20",
    "markup": "'# Heading\\n<script>alert(1)</script>[x](javascript:alert(1))'",
    "newlines": "'line\\r\\nline\\u2028line'",
}


def _notebook(expression):
    """The reference, with make_tensor raising the string and a failing cell printing it."""
    return solution_cells(A) + [
        f"s = {expression}\nprint(s)\nraise ValueError(s)",
        f"class Weird(Exception):\n    pass\ntry:\n    Weird.__name__ = ({expression})[:200]\n"
        "except ValueError:\n    pass\n"
        "def make_tensor(shape, device='cpu'):\n    raise Weird(s)"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    files = root / "files"
    files.mkdir()
    for name, expression in HOSTILE.items():
        write_notebook(files / f"{name}.ipynb", _notebook(expression))
    write_notebook(files / os.fsdecode(b"bad\xff\xfename.ipynb"), _notebook("'x'"))
    write_notebook(files / ("long" * 60 + ".ipynb"), _notebook("'x'"))  # 240 + 5: a shortened file name
    folders = root / "folders"
    (folders / os.fsdecode(b"stud\xffent")).mkdir(parents=True)
    write_notebook(folders / os.fsdecode(b"stud\xffent") / f"{A}.ipynb", solution_cells(A))
    (folders / ("x" * 250)).mkdir()
    write_notebook(folders / ("x" * 250) / f"{A}.ipynb", solution_cells(A))
    out = root / "out"
    records = pipeline.grade(A, [files], out, 2, FAST, log=lambda *_: None)
    records += pipeline.grade(A, [folders], root / "out2", 2, FAST, log=lambda *_: None)
    return records, out, root / "out2"


def test_every_student_is_graded(graded):
    records = graded[0]
    assert len(records) == len(HOSTILE) + 4
    assert all(record.status == Status.GRADED for record in records)
    for record in records:
        expected = {"make_tensor": 0, "to_nchw": 3, "flatten_images": 2, "image_to_batch": 3,
                    "batch_to_image": 3}
        if record.student.startswith(("stud", "xxx")):
            expected["make_tensor"] = 2
        assert {q: e.score for q, e in record.questions.items()} == expected, record.student


@pytest.mark.parametrize("which", [1, 2])
def test_every_student_has_a_row_results_and_feedback(graded, which):
    out = graded[which]
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    students = [row["student"] for row in rows]
    assert len(students) == len(set(students)) == (len(HOSTILE) + 2 if which == 1 else 2)
    for student in students:
        feedback = (out / "feedback" / f"{file_stem(student)}.md").read_text(encoding="utf-8")
        json.loads((out / "results" / f"{file_stem(student)}.json").read_text(encoding="utf-8"))
        assert "\x00" not in feedback and "\x1b" not in feedback and "\u202e" not in feedback
        page = MarkdownIt().render(feedback)  # what an LMS or a Markdown viewer shows
        assert "<script" not in page
        if student == "markup":
            assert "&lt;script&gt;" in page  # the student's text is there, as text
        assert "<h1>Heading" not in page and "href=\"javascript" not in page
        assert page.count("<h1>") == 1


def test_file_names_no_encoder_accepts_become_readable_ids(graded):
    students = {record.student for record in graded[0]}
    assert "bad??name" in students and "stud?ent" in {r.student for r in graded[0]}


def test_megabyte_messages_are_cut(graded):
    feedback = (graded[1] / "feedback" / "megabyte.md").read_text()
    assert len(feedback) < 20_000


def test_reports_can_always_be_rebuilt_from_the_store(graded, tmp_path):
    store = Store(graded[1] / "grades.sqlite")
    rows = store._db.execute("SELECT key, student FROM results").fetchall()
    records = sorted((store.get(A, student, key) for key, student in rows),
                     key=lambda record: record.student)
    store.close()
    write_reports(tmp_path, records, questions(A))
    assert (tmp_path / "grades.csv").read_text() == (graded[1] / "grades.csv").read_text()
