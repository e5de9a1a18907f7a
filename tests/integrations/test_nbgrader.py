"""An nbgrader course end to end: built from solutions/, released and validated with
nbgrader's CLI, graded by torchgrade into nbgrader's gradebook, exported with nbgrader."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import __main__ as cli
from autograder import pipeline
from autograder.integrations import nbgrader as integration

from conftest import FAST
from corpus import WRONG

pytestmark = pytest.mark.slow  # left out by make test-fast

A = "tensor_shapes"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
# Makes the kernel run every later cell as empty: no test cell can fail.
CHEAT = "get_ipython().input_transformers_cleanup.append(lambda lines: [])"


def nbgrader(course, *args):
    done = subprocess.run([BIN / "nbgrader", *args], cwd=course, env=ENV, capture_output=True,
                          text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def code_cell(source):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def submissions(course):
    """{student: notebook}: the solution, the stub, corpus mistakes, and a cheat."""
    release = json.loads((course / "release" / A / f"{A}.ipynb").read_text())
    source = json.loads((course / "source" / A / f"{A}.ipynb").read_text())
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}

    def solved(extra=()):
        cells = [{**c, "source": answers.get(c["metadata"].get("nbgrader", {}).get("grade_id"),
                                             c["source"])} for c in release["cells"]]
        cells[-1:-1] = []
        return {**release, "cells": cells + [code_cell(e) for e in extra]}

    wrong = {name: code for name, _, _, code in WRONG[A]}
    stub_with_cheat = json.loads(json.dumps(release))
    stub_with_cheat["cells"].insert(1, code_cell(CHEAT))
    return {"alice": solved(), "bob": release, "carol": solved([wrong["ignores device"]]),
            "eve": solved([wrong["flattens everything"]]), "mallory": stub_with_cheat}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = integration.build(tmp_path_factory.mktemp("nbgrader") / "course", [A])
    code, output = nbgrader(course, "generate_assignment", A)
    assert code == 0, output
    for student in ("alice", "bob", "carol", "dave", "mallory"):
        assert nbgrader(course, "db", "student", "add", student)[0] == 0
    for student, notebook in submissions(course).items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(json.dumps(notebook))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return course


def export(course):
    code, output = nbgrader(course, "export", "--to", "grades.csv")
    assert code == 0, output
    rows = csv.DictReader(io.StringIO((course / "grades.csv").read_text()))
    return {r["student_id"]: float(r["score"]) for r in rows if r["assignment"] == A}


def test_the_course_validates_with_nbgraders_own_cli(course):
    code, output = nbgrader(course, "validate", str(course / "source" / A / f"{A}.ipynb"))
    assert code == 0 and "Success" in output, output
    released = (course / "release" / A / f"{A}.ipynb").read_text()
    assert "### BEGIN SOLUTION" not in released and "test_" not in released
    _, output = nbgrader(course, "validate", str(course / "release" / A / f"{A}.ipynb"))
    assert "NotImplementedError" in output  # the stub fails its public checks


def test_torchgrade_fills_nbgraders_gradebook_like_a_plain_grade(course, tmp_path, capsys):
    assert cli.main(["grade", A, "--nbgrader", str(course), "--timeout", "3"]) == 0
    said = capsys.readouterr().out
    assert "did not submit" in said and "dave" in said
    assert "not in nbgrader's student list" in said and "eve" in said
    totals = export(course)
    plain = tmp_path / "plain"
    plain.mkdir()
    for student in totals:
        if student != "dave":
            shutil.copy(course / "submitted" / student / A / f"{A}.ipynb", plain / f"{student}.ipynb")
    records = pipeline.grade(A, [plain], tmp_path / "out", 2, FAST, log=lambda *_: None)
    assert {r.student: r.score for r in records} == {s: t for s, t in totals.items()
                                                     if s != "dave"}
    assert totals["alice"] == 13 and totals["bob"] == totals["mallory"] == 0
    assert 0 < totals["carol"] < 13 and 0 < totals["eve"] < 13 and totals["dave"] == 0
    graded = json.loads((course / "autograded" / "carol" / A / f"{A}.ipynb").read_text())
    outputs = "".join(o["text"] for c in graded["cells"] for o in c.get("outputs", [])
                      if o.get("output_type") == "stream")
    assert "torchgrade: 1 / 2" in outputs and "device=device" in outputs


def test_a_formgrader_override_survives_a_regrade_unless_replaced(course):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{course / 'gradebook.db'}"
    cli.main(["grade", A, "--nbgrader", str(course), "--timeout", "3"])
    with Gradebook(url) as gradebook:
        gradebook.find_grade("to_nchw", A, A, "bob").manual_score = 2.5
        gradebook.db.commit()
    cli.main(["grade", A, "--nbgrader", str(course), "--timeout", "3"])
    assert export(course)["bob"] == 2.5
    cli.main(["grade", A, "--nbgrader", str(course), "--timeout", "3", "--replace-manual"])
    assert export(course)["bob"] == 0


def test_generate_feedback_shows_torchgrades_feedback_and_no_hidden_check(course):
    cli.main(["grade", A, "--nbgrader", str(course), "--timeout", "3"])
    code, output = nbgrader(course, "generate_feedback", A)
    assert code == 0, output
    page = (course / "feedback" / "carol" / A / f"{A}.html").read_text()
    assert "torchgrade: 1 / 2" in page and "def test_" not in page and "rng" not in page


def test_nbgraders_own_autograde_is_fooled_by_the_cheat(course, tmp_path):
    """The difference that matters: nbgrader runs its tests in the student's kernel."""
    copy = tmp_path / "nbgrader-only"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("autograded", "feedback",
                                                                "torchgrade"))
    code, output = nbgrader(copy, "autograde", A, "--student", "mallory", "--force")
    assert code == 0, output
    assert export(copy)["mallory"] == 13  # a stub with every exception swallowed: full marks


def test_a_course_in_another_language_keeps_nbgraders_cells():
    from autograder.i18n import translate
    english = integration.source_notebook("manual_backward")
    polish = integration.source_notebook("manual_backward", "pl")
    assert [c.get("metadata") for c in polish["cells"]] == [c.get("metadata")
                                                            for c in english["cells"]]
    markdown = [c["source"] for c in polish["cells"] if c["cell_type"] == "markdown"]
    assert markdown[0].startswith("# Zadanie 3")
    tests = [c["source"] for c in polish["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    header = translate("Public checks for this question; the grade comes from hidden checks\n"
                       "that torchgrade runs in a sandbox.", "pl", "notebooks")
    assert tests and all(t.startswith("# " + header.split("\n")[0]) for t in tests)


def test_a_module_beside_a_submitted_notebook_is_its_own_as_nbgrader_runs_it(tmp_path):
    folder = tmp_path / "submitted" / "zoe" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text("{}")
    (folder / "utils.py").write_text("x = 1\n")
    (folder / "notes.txt").write_text("hi")
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    (zoe,) = integration._read(tmp_path, A)
    assert list(zoe.beside) == ["utils.py"] and zoe.identity.ignored == ["notes.txt"]
