"""The grading pipeline end to end: statuses, outputs, resume."""
import csv
import json
import os
import zipfile

from autograder import pipeline
from autograder.assignments import NAMES, ROOT

from conftest import FAST, solution_cells, stub_cells, write_notebook

ASSIGNMENT = "tensor_shapes"


def test_solution_full_marks_stub_zero_and_bad_notebooks_get_clear_rows(grade_many, tmp_path):
    solution = solution_cells(ASSIGNMENT)
    records = grade_many(ASSIGNMENT, {
        "solution": solution,
        "stub": stub_cells(ASSIGNMENT),
        "syntax": [c if "def flatten_images" not in c else "def flatten_images(batch)\n  return 1"
                   for c in solution],
        "corrupt": b'{"cells": [{"cell_type": "code", "sour',
        "empty": b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}',
        "loop": solution[:2] + ["while True:\n    pass"] + solution[2:],
        "hang_call": solution + ["def to_nchw(batch_hwc):\n    while True:\n        pass"],
        "markdown_only": _notebook([{"cell_type": "markdown", "source": "# my answers", "metadata": {}}]),
        "r_kernel": _notebook(_code(solution), language="R"),
        "latin1": "# café\n".encode("latin-1") + _notebook(_code(solution)),
        "format3": json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}).encode(),
        "huge_output": _notebook(_code(solution, output="x" * 50 * 2**20)),
    })
    folder = tmp_path / "zips"
    folder.mkdir()
    (folder / "damaged.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(folder / "two.zip", "w") as archive:
        archive.writestr("a.ipynb", _notebook(_code(solution)))
        archive.writestr("b.ipynb", _notebook(_code(solution)))
    with zipfile.ZipFile(folder / "exported.zip", "w") as archive:
        archive.writestr("tensor_shapes.ipynb", _notebook(_code(solution)))
        archive.writestr(".OTTER_LOG", b"\x00\x01")
    os.mkfifo(folder / "fifo.ipynb")  # reading it would block forever
    (folder / "folder.ipynb").mkdir()
    zips = {r["student"]: r for r in pipeline.grade(ASSIGNMENT, [folder], tmp_path / "zout", 2,
                                                    FAST, log=lambda *_: None)}
    assert zips["exported"]["score"] == 7
    assert zips["fifo"]["status"] == zips["folder"]["status"] == "unreadable"
    assert zips["damaged"]["status"] == zips["two"]["status"] == "invalid-notebook"
    assert "damaged" in zips["damaged"]["detail"] and "holds 2 notebooks" in zips["two"]["detail"]
    assert records["solution"]["score"] == records["solution"]["max_score"] == 7
    assert records["solution"]["status"] == "graded"

    assert records["stub"]["score"] == 0 and records["stub"]["status"] == "graded"
    for entry in records["stub"]["questions"].values():
        assert any("not implemented yet" in message for message in entry["failed"])

    syntax = records["syntax"]
    assert syntax["status"] == "syntax-error"
    assert syntax["questions"]["make_tensor"]["score"] == 2  # other questions still graded
    assert syntax["questions"]["flatten_images"]["score"] == 0
    assert any("syntax error" in note for note in syntax["notes"])

    assert records["corrupt"]["status"] == "invalid-notebook"
    assert "not valid notebook JSON" in records["corrupt"]["detail"]
    assert records["empty"]["status"] == "empty-notebook"
    assert records["corrupt"]["score"] == records["empty"]["score"] == 0

    loop = records["loop"]
    assert loop["status"] == "timeout" and loop["score"] == 7
    assert any("time limit" in note or "ran too long" in note for note in loop["notes"])

    for name, status, words in (("markdown_only", "empty-notebook", "no code"),
                                ("r_kernel", "wrong-kernel", "r kernel"),
                                ("latin1", "invalid-notebook", "utf-8"),
                                ("format3", "invalid-notebook", "format 3")):
        assert records[name]["status"] == status and records[name]["score"] == 0, name
        assert words in records[name]["detail"].lower(), records[name]["detail"]
    assert records["huge_output"]["score"] == 7 and records["huge_output"]["status"] == "graded"

    hang = records["hang_call"]
    assert hang["status"] == "timeout"
    assert hang["questions"]["to_nchw"]["score"] == 0
    assert any("did not finish" in m for m in hang["questions"]["to_nchw"]["failed"])
    assert hang["questions"]["make_tensor"]["score"] == 2
    assert hang["questions"]["flatten_images"]["score"] == 2


def _code(sources, output=None):
    """Code cells; the first one carries ``output`` as printed text."""
    outputs = [[{"output_type": "stream", "name": "stdout", "text": output}] if output and not i
               else [] for i in range(len(sources))]
    return [{"cell_type": "code", "source": source, "metadata": {}, "outputs": cell_outputs,
             "execution_count": 1} for source, cell_outputs in zip(sources, outputs)]


def _notebook(cells, language="python"):
    return json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 4,
                       "metadata": {"kernelspec": {"language": language, "name": language}}}).encode()


def test_outputs_gradebook_results_and_feedback(grade_many, tmp_path):
    grade_many(ASSIGNMENT, {"ann": solution_cells(ASSIGNMENT), "=cmd": stub_cells(ASSIGNMENT)})
    out = tmp_path / "out"
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["student"] for r in rows] == ["'=cmd", "ann"]  # formula-safe, sorted
    assert list(rows[0])[:5] == ["student", "assignment", "score", "max_score", "status"]
    assert {"make_tensor", "to_nchw", "flatten_images"} <= set(rows[0])

    results = json.loads((out / "results" / "ann.json").read_text())
    assert results["score"] == 7
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "passed"

    feedback = (out / "feedback" / "=cmd.md").read_text()
    assert "make_tensor" in feedback and "not implemented yet" in feedback
    assert "def test_" not in feedback and "permute" not in feedback.split("Notes")[0]


def test_rerun_skips_graded_submissions_and_regrades_changed_ones(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    write_notebook(folder / "a.ipynb", solution_cells(ASSIGNMENT))
    write_notebook(folder / "b.ipynb", stub_cells(ASSIGNMENT))
    logs = []
    pipeline.grade(ASSIGNMENT, [folder], tmp_path / "out", 2, FAST, log=logs.append)
    assert sum("] " in line for line in logs) == 2
    logs.clear()
    write_notebook(folder / "b.ipynb", solution_cells(ASSIGNMENT))
    records = pipeline.grade(ASSIGNMENT, [folder], tmp_path / "out", 2, FAST, log=logs.append)
    assert [line.split(":")[0] for line in logs if "] " in line] == ["[1/1] b"]
    assert [r["score"] for r in records] == [7, 7]


def test_every_assignment_is_registered():
    assert NAMES == ("tensor_shapes", "requires_grad", "manual_backward", "no_grad_update",
                     "char_model")


def test_a_damaged_grade_database_is_reported_and_left_alone(tmp_path, capsys):
    from autograder.__main__ import main
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.sqlite").write_bytes(b"not a database, but maybe someone's grades" * 100)
    before = (out / "grades.sqlite").read_bytes()
    assert main(["grade", ASSIGNMENT, str(ROOT / "demo" / ASSIGNMENT), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a usable grade database" in err and "Traceback" not in err
    assert (out / "grades.sqlite").read_bytes() == before


def test_a_folder_per_student_as_nbgrader_and_lms_downloads_lay_them_out(tmp_path):
    solution, stub = solution_cells(ASSIGNMENT), stub_cells(ASSIGNMENT)
    root = tmp_path / "submitted"
    nbgrader = root / "alice" / ASSIGNMENT
    nbgrader.mkdir(parents=True)
    write_notebook(nbgrader / f"{ASSIGNMENT}.ipynb", solution)
    (nbgrader / ".ipynb_checkpoints").mkdir()
    write_notebook(nbgrader / ".ipynb_checkpoints" / f"{ASSIGNMENT}-checkpoint.ipynb", stub)
    moodle = root / "Bob Smith_123_assignsubmission_file_"
    moodle.mkdir()
    write_notebook(moodle / "my work.ipynb", stub)
    (root / "carol").mkdir()
    (root / "carol" / "answers.pdf").write_bytes(b"%PDF")
    (root / "dan").mkdir()
    write_notebook(root / "dan" / "draft.ipynb", stub)
    write_notebook(root / "dan" / f"{ASSIGNMENT}.ipynb", solution)
    (root / "erin").mkdir()
    write_notebook(root / "erin" / "one.ipynb", solution)
    write_notebook(root / "erin" / "two.ipynb", stub)
    records = {r["student"]: r for r in pipeline.grade(ASSIGNMENT, [root], tmp_path / "out", 2,
                                                       FAST, log=lambda *_: None)}
    assert set(records) == {"alice", "Bob Smith_123_assignsubmission_file_", "carol", "dan", "erin"}
    assert records["alice"]["score"] == 7 and records["dan"]["score"] == 7
    assert records["Bob Smith_123_assignsubmission_file_"]["score"] == 0
    for student in ("carol", "erin"):
        assert records[student]["status"] == "unreadable"
        assert "No single notebook" in records[student]["detail"]
