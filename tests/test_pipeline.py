"""The grading pipeline end to end: statuses, outputs, resume. One batch is graded once per
module; each assertion about it is its own test."""
import codecs
import csv
import json
import os
import zipfile

import pytest

from autograder import lms, pipeline
from autograder.assignments import NAMES
from autograder.config import ROOT, Assignment, Course
from autograder.records import Status
from autograder.reports.render import render

from conftest import FAST, failures, grade_folder, said, solution_cells, stub_cells, write_notebook

ASSIGNMENT = "tensor_shapes"
SOLUTION = solution_cells(ASSIGNMENT)


def _code(sources, output=None):
    """Code cells; the first one carries ``output`` as printed text."""
    outputs = [[{"output_type": "stream", "name": "stdout", "text": output}] if output and not i
               else [] for i in range(len(sources))]
    return [{"cell_type": "code", "source": source, "metadata": {}, "outputs": cell_outputs,
             "execution_count": 1} for source, cell_outputs in zip(sources, outputs)]


def _notebook(cells, language="python"):
    return json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 4,
                       "metadata": {"kernelspec": {"language": language, "name": language}}}).encode()


BATCH = {
    "solution": SOLUTION,
    "stub": stub_cells(ASSIGNMENT),
    "syntax": [c if "def flatten_images" not in c else "def flatten_images(batch)\n  return 1"
               for c in SOLUTION],
    # pasted from a web page: its indentation is non-breaking spaces
    "pasted": [c.replace("    return", "\u00a0" * 4 + "return") if "def flatten_images" in c
               else c for c in SOLUTION],
    "corrupt": b'{"cells": [{"cell_type": "code", "sour',
    "empty": b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}',
    "loop": SOLUTION[:2] + ["while True:\n    pass"] + SOLUTION[2:],
    "hang_call": SOLUTION + ["def to_nchw(batch_hwc):\n    while True:\n        pass"],
    "markdown_only": _notebook([{"cell_type": "markdown", "source": "# my answers", "metadata": {}}]),
    "r_kernel": _notebook(_code(SOLUTION), language="R"),
    "latin1": "# café\n".encode("latin-1") + _notebook(_code(SOLUTION)),
    # saved through a Windows editor (a byte order mark) or PowerShell's > (UTF-16)
    "bom": codecs.BOM_UTF8 + _notebook(_code(SOLUTION)),
    "utf16": _notebook(_code(SOLUTION)).decode().encode("utf-16"),
    "python3_kernel": _notebook(_code(SOLUTION), language="python3"),
    "renamed": [c.replace("def make_tensor(", "def make_tensors(") for c in SOLUTION],
    "twice": SOLUTION + ["def make_tensor(shape, device='cpu'):\n    return torch.ones(shape)\n"],
    "no_return": SOLUTION + ["def make_tensor(shape, device='cpu'):\n"
                             "    print(torch.zeros(shape, device=device))\n"],
    "stopped": [c.replace("def make_tensor(", "print(shape)\ndef make_tensor(") for c in SOLUTION],
    "no_device": SOLUTION + ["def make_tensor(shape):\n    return torch.zeros(shape)\n"],
    # a script's habit: the kernel's command line is not the script's (as in Jupyter)
    "argparse": SOLUTION + ["import argparse\nparser = argparse.ArgumentParser()\n"
                            "parser.add_argument('--lr', type=float, default=0.1)\n"
                            "args = parser.parse_args()\n"],
    # otter's release: its self-check cells need otter's test files, which a grader has not
    "otter_cells": ["# Initialize Otter\nimport otter\ngrader = otter.Notebook('t.ipynb')",
                    *SOLUTION[:4], 'grader.check("make_tensor")',
                    *SOLUTION[4:], "grader.check_all()", "grader.export(pdf=False)",
                    "print(answer)"],  # a cell that fails after the check cells left out
    # a stray key press made two answers text: a Markdown cell and a raw one
    "text_cells": _notebook([{**cell, "cell_type": "markdown" if "def make_tensor" in
                              cell["source"] else "raw"}
                             if "def make_tensor" in cell["source"] or "def to_nchw" in
                             cell["source"] else cell for cell in _code(SOLUTION)]),
    # IPython 2's format 3: code in worksheets, as "input" (upgraded by nbformat)
    "format3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                           "worksheets": [{"metadata": {}, "cells": [
                               {"cell_type": "heading", "level": 1, "source": "Shapes",
                                "metadata": {}},
                               *({"cell_type": "code", "language": "python", "input": code,
                                  "outputs": [], "collapsed": False, "metadata": {}}
                                 for code in SOLUTION)]}]}).encode(),
    "format3_damaged": json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}).encode(),
    "huge_output": _notebook(_code(SOLUTION, output="x" * 50 * 2**20)),
    # what is submitted in a notebook's place: said as what it is
    "zero_bytes": b"",
    "web_page": b"\n<!DOCTYPE html>\n<html><body>My notebook</body></html>",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "conflict": b"\n".join([b'{"cells": [', b"<<<<<<< HEAD", b"=======", b">>>>>>> main", b"]}"]),
    "script_renamed": "".join(f"# %%\n{cell}\n" for cell in SOLUTION).encode(),
    # 15 MB of outputs as millions of tiny values: gigabytes once parsed
    "tiny_values": _notebook(_code(SOLUTION))[:-1] + b', "x": [' + b"{}," * 5_000_000 + b"{}]}",
    "=cmd": stub_cells(ASSIGNMENT),
    "magics": ["%%time\n" + c if "def " in c else "%timeit -n 3 " + c if "\n" not in c.strip()
               else c for c in SOLUTION] + [
        "%%bash\necho hi", "!pip install nothing\n%matplotlib inline",
        # IPython's syntax among a cell's Python
        "torch.zeros?\nfiles = !ls\ndef flatten_images(b):\n    !echo flattening\n"
        "    return b.reshape(b.shape[0], -1)\nflatten_images??\n",
        "if 'google.colab' in str(get_ipython()):\n    raise RuntimeError('not Colab')\n"],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    return grade_folder(ASSIGNMENT, BATCH, root), root / "out"


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    """Export zips, damaged files and things that are not files, graded once."""
    folder = tmp_path_factory.mktemp("zips")
    (folder / "damaged.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(folder / "two.zip", "w") as archive:
        archive.writestr("a.ipynb", _notebook(_code(SOLUTION)))
        archive.writestr("b.ipynb", _notebook(_code(SOLUTION)))
    with zipfile.ZipFile(folder / "exported.zip", "w") as archive:
        archive.writestr("tensor_shapes.ipynb", _notebook(_code(SOLUTION)))
        archive.writestr(".OTTER_LOG", b"\x00\x01")
    with zipfile.ZipFile(folder / "zipped_folder.zip", "w") as archive:  # as a student zips
        archive.writestr("hw/tensor_shapes.ipynb", _notebook(_code(SOLUTION)))
        archive.writestr("hw/.ipynb_checkpoints/tensor_shapes-checkpoint.ipynb", b"{}")
        archive.writestr("__MACOSX/hw/._tensor_shapes.ipynb", b"\x00\x05\x16\x07")
        archive.writestr("hw/._tensor_shapes.ipynb", b"\x00\x05\x16\x07")
        archive.writestr("hw/data.csv", b"x,y\n1,2\n")
    os.mkfifo(folder / "fifo.ipynb")  # reading it would block forever
    (folder / "folder.ipynb").mkdir()
    os.symlink(ROOT / "solutions" / f"{ASSIGNMENT}.ipynb", folder / "link.ipynb")
    records = pipeline.grade(ASSIGNMENT, [folder], folder / "out", 2, FAST, log=lambda *_: None)
    return {r.student: r for r in records}


def test_otter_self_check_cells_are_not_run_and_not_noted(graded):
    record = graded[0]["otter_cells"]
    assert record.score == 13 and record.detail is None, said(record)
    assert [render(note) for note in record.notes] == [
        "code cell 18 (print(answer)) raised NameError: name 'answer' is not defined"]


@pytest.mark.parametrize("student, score, status, words", [
    ("solution", 13, Status.GRADED, None),
    ("stub", 0, Status.GRADED, "not implemented yet"),
    ("corrupt", 0, Status.INVALID_NOTEBOOK, "not valid notebook JSON: at line 1, column 34: "
     "Unterminated string. It was cut short"),
    ("zero_bytes", 0, Status.INVALID_NOTEBOOK, "The file is empty: it was submitted before"),
    ("web_page", 0, Status.INVALID_NOTEBOOK, "The file is a web page (HTML), not a Jupyter"),
    ("pdf", 0, Status.INVALID_NOTEBOOK, "The file is a PDF document, not a Jupyter notebook"),
    ("conflict", 0, Status.INVALID_NOTEBOOK, "Git merge conflict (line 2 starts with <<<<<<<)"),
    ("script_renamed", 13, Status.GRADED, None),
    ("tiny_values", 0, Status.INVALID_NOTEBOOK, "holds more than 4,000,000 values (its outputs"),
    ("empty", 0, Status.EMPTY_NOTEBOOK, "no code"),
    ("markdown_only", 0, Status.EMPTY_NOTEBOOK, "no code"),
    ("r_kernel", 0, Status.WRONG_KERNEL, "kernel runs R;"),
    ("latin1", 0, Status.INVALID_NOTEBOOK, "UTF-8"),
    ("bom", 13, Status.GRADED, None),
    ("utf16", 13, Status.GRADED, None),
    ("python3_kernel", 13, Status.GRADED, None),
    ("text_cells", 8, Status.GRADED, "make_tensor is written in a cell that is not a code cell "
     "(the one that starts def make_tensor"),
    ("stopped", 11, Status.GRADED, "make_tensor is defined in code cell 4 (print(shape)), but "
     "that cell stopped before it got there"),
    ("no_return", 11, Status.GRADED, "make_tensor returned None for make_tensor("),
    ("no_device", 11, Status.GRADED, "got an unexpected keyword argument 'device'. The grader "
     "calls make_tensor with the parameters of the question's def line"),
    ("twice", 11, Status.GRADED, "make_tensor is defined in more than one code cell (4, 14): "
     "the last one to run is the one graded."),
    ("renamed", 11, Status.GRADED, "make_tensor is not defined, but make_tensors is: the grader "
     "calls make_tensor by that name, so rename make_tensors back to make_tensor."),
    ("format3", 13, Status.GRADED, None),
    ("format3_damaged", 0, Status.INVALID_NOTEBOOK, "old format 3 and is damaged"),
    ("huge_output", 13, Status.GRADED, None),
    ("loop", 13, Status.TIMEOUT, "code cell 3 (while True:) ran past the time limit"),
    ("magics", 13, Status.GRADED, "%%bash was not run"),
    ("argparse", 13, Status.GRADED, "code cell 14 (import argparse) ended the program with "
     "SystemExit: 2 (from exit(), sys.exit(), or argparse's parse_args()"),
])
def test_score_status_and_reason(graded, student, score, status, words):
    record = graded[0][student]
    assert (record.score, record.status) == (score, status), said(record)
    if words:
        assert words in said(record)


def test_an_answer_in_a_text_cell_is_named_with_the_fix(graded):
    record = graded[0]["text_cells"]
    assert "change its type to Code" in render(record.detail)
    assert render(record.notes[0]).startswith("to_nchw is written in a cell that is not a code")


def test_every_stub_question_says_not_implemented(graded):
    stub = graded[0]["stub"]
    for question in stub.questions:
        assert all("not implemented yet" in text for text in failures(stub, question))


def test_a_syntax_error_costs_only_its_cell(graded):
    syntax = graded[0]["syntax"]
    assert syntax.status == Status.SYNTAX_ERROR
    assert syntax.questions["make_tensor"].score == 2
    assert syntax.questions["flatten_images"].score == 0
    assert "has a syntax error" in said(syntax) and "what to do" not in said(syntax)
    pasted = graded[0]["pasted"]
    assert pasted.status == Status.SYNTAX_ERROR and pasted.score == 11
    assert ("invalid non-printable character U+00A0); nothing in it was run – what to do: a "
            "character copied from a web page or a document (a non-breaking space") in said(pasted)


def test_a_hanging_function_costs_only_its_question(graded):
    hang = graded[0]["hang_call"]
    assert hang.status == Status.TIMEOUT
    assert hang.questions["to_nchw"].score == 0
    assert any("did not finish" in text for text in failures(hang, "to_nchw"))
    assert (hang.questions["make_tensor"].score, hang.questions["flatten_images"].score) == (2, 2)


@pytest.mark.parametrize("student, score, status, words", [
    ("exported", 13, Status.GRADED, None),
    ("fifo", 0, Status.UNREADABLE, "not a regular file"),
    ("folder", 0, Status.UNREADABLE, "No notebook (.ipynb) was found"),
    ("link", 0, Status.UNREADABLE, "symbolic link"),
    ("damaged", 0, Status.INVALID_NOTEBOOK, "damaged"),
    ("two", 0, Status.INVALID_NOTEBOOK, "holds 2 notebooks, so which one to grade is unclear"),
    ("zipped_folder", 13, Status.GRADED, None),
])
def test_zips_links_and_special_files(zips, student, score, status, words):
    record = zips[student]
    assert (record.score, record.status) == (score, status), said(record)
    if words:
        assert words in said(record)


def test_gradebook_is_sorted_and_formula_safe(graded):
    rows = list(csv.DictReader((graded[1] / "grades.csv").open()))
    assert [r["student"] for r in rows] == sorted(r["student"] for r in rows)
    assert rows[0]["student"] == "'=cmd"
    assert list(rows[0])[:5] == ["student", "assignment", "score", "max_score", "status"]
    assert list(rows[0])[5:8] == ["make_tensor", "to_nchw", "flatten_images"]
    by_student = {row["student"]: row for row in rows}
    assert by_student["solution"]["score"] == "13" and by_student["stub"]["score"] == "0"
    assert len(rows) == len(BATCH)


def test_results_follow_gradescope_schema(graded):
    results = json.loads((graded[1] / "results" / "solution.json").read_text())
    assert results["score"] == 13
    assert [test["name"] for test in results["tests"]] == ["make_tensor", "to_nchw",
                                                           "flatten_images", "image_to_batch",
                                                           "batch_to_image"]
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "passed" and test["score"] == test["max_score"]


def test_feedback_names_questions_and_hides_checks(graded):
    feedback = (graded[1] / "feedback" / "=cmd.md").read_text()
    assert "## ❌ `make_tensor`: 0 / 2" in feedback and "not implemented yet" in feedback
    assert "def test_" not in feedback and "expect(" not in feedback


def test_rerun_skips_graded_submissions_and_regrades_changed_ones(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    write_notebook(folder / "a.ipynb", SOLUTION)
    write_notebook(folder / "b.ipynb", stub_cells(ASSIGNMENT))
    logs = []
    pipeline.grade(ASSIGNMENT, [folder], tmp_path / "out", 2, FAST, log=logs.append)
    assert sum("] " in line for line in logs) == 2
    logs.clear()
    write_notebook(folder / "b.ipynb", SOLUTION)
    records = pipeline.grade(ASSIGNMENT, [folder], tmp_path / "out", 2, FAST, log=logs.append)
    assert [line.split(":")[0] for line in logs if "] " in line] == ["[1/1] b"]
    assert [r.score for r in records] == [13, 13]


def test_every_assignment_is_registered():
    assert NAMES == ("tensor_shapes", "requires_grad", "manual_backward", "no_grad_update",
                     "char_model")


def test_a_damaged_grade_database_is_reported_and_left_alone(tmp_path, capsys):
    from autograder.__main__ import main
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.sqlite").write_bytes(b"not a database, but maybe someone's grades" * 100)
    before = (out / "grades.sqlite").read_bytes()
    assert main(["grade", ASSIGNMENT, str(ROOT / "solutions"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a usable grade database" in err and "Traceback" not in err
    assert (out / "grades.sqlite").read_bytes() == before


@pytest.mark.parametrize("option, why", [
    (["--jobs", "0"], "'0' is not a whole number of at least 1"),
    (["--timeout", "-5"], "'-5' is not a number of seconds above 0"),
    (["--timeout", "inf"], "'inf' is not a number of seconds above 0"),
    (["nowhere"], "nowhere does not exist; nothing was graded")])
def test_a_mistyped_command_is_one_line_and_grades_nothing(tmp_path, capsys, option, why):
    from autograder.__main__ import main
    out = tmp_path / "out"
    try:
        code = main(["grade", ASSIGNMENT, str(ROOT / "solutions"), *option, "--out", str(out)])
    except SystemExit as stop:  # argparse's own exit
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2 and why in err and "Traceback" not in err
    assert not (out / "grades.sqlite").exists()


def test_a_folder_per_student_as_nbgrader_and_lms_downloads_lay_them_out(tmp_path):
    stub = stub_cells(ASSIGNMENT)
    root = tmp_path / "submitted"
    nbgrader = root / "alice" / ASSIGNMENT
    nbgrader.mkdir(parents=True)
    write_notebook(nbgrader / f"{ASSIGNMENT}.ipynb", SOLUTION)
    (nbgrader / ".ipynb_checkpoints").mkdir()
    write_notebook(nbgrader / ".ipynb_checkpoints" / f"{ASSIGNMENT}-checkpoint.ipynb", stub)
    moodle = root / "Bob Smith_123_assignsubmission_file_"
    moodle.mkdir()
    write_notebook(moodle / "my work.ipynb", stub)
    (root / "carol").mkdir()
    (root / "carol" / "answers.pdf").write_bytes(b"%PDF")
    (root / "dan").mkdir()
    write_notebook(root / "dan" / "draft.ipynb", stub)
    write_notebook(root / "dan" / f"{ASSIGNMENT}.ipynb", SOLUTION)
    (root / "erin").mkdir()  # the answers, a copy of the stub named after the assignment
    write_notebook(root / "erin" / "answers.ipynb", SOLUTION)
    write_notebook(root / "erin" / f"{ASSIGNMENT}.ipynb", stub)
    (root / "finn" / "v2").mkdir(parents=True)  # two drafts: the one answering more counts
    write_notebook(root / "finn" / "a draft.ipynb", stub[:4] + SOLUTION[4:])
    write_notebook(root / "finn" / "v2" / "hw.ipynb", SOLUTION)
    records = {r.student: r for r in pipeline.grade(ASSIGNMENT, [root], tmp_path / "out", 2,
                                                    FAST, log=lambda *_: None)}
    assert set(records) == {"alice", "Bob Smith_123_assignsubmission_file_", "carol", "dan",
                            "erin", "finn"}
    for student in ("alice", "dan", "erin", "finn"):
        assert records[student].score == 13, student
    assert records["erin"].identity.ignored == [f"{ASSIGNMENT}.ipynb"]
    assert records["finn"].identity.ignored == ["a draft.ipynb"]
    assert records["Bob Smith_123_assignsubmission_file_"].score == 0
    assert records["carol"].status == Status.UNREADABLE
    assert "No notebook (.ipynb) was found" in said(records["carol"])


def _colab_script(cells):
    """A notebook as Colab's File > Download > .py writes it: a docstring header, each
    Markdown cell as a string at the margin, shell lines left as they were."""
    quote = '"' * 3
    parts = ["# -*- coding: utf-8 -*-\n" + quote + "hw.ipynb\n\nAutomatically generated by "
             "Colab.\n" + quote + "\n\n!pip install -q torch\n"]
    parts += [f"{quote}## Part {i}{quote}\n\n{cell}\n" for i, cell in enumerate(cells)]
    return "\n".join(parts)


def test_a_notebook_downloaded_as_python_is_graded_where_no_notebook_was_sent(tmp_path):
    root = tmp_path / "submitted"
    for student in ("gail", "hank"):
        (root / student).mkdir(parents=True)
    (root / "gail" / "hw.py").write_text(_colab_script(SOLUTION))
    write_notebook(root / "hank" / "hw.ipynb", SOLUTION)  # a notebook wins over a script
    (root / "hank" / "helpers.py").write_text("def make_tensor(shape, device='cpu'):\n"
                                               "    return None\n")
    broken = _colab_script([*SOLUTION, "def flatten_images(batch):\n    return batch.nope()"])
    (tmp_path / "ivy.py").write_text(broken)
    (tmp_path / "jo.py").write_bytes(b"x = '\xe9'\n")  # Latin-1
    records = {r.student: r for r in pipeline.grade(
        ASSIGNMENT, [root, tmp_path / "ivy.py", tmp_path / "jo.py"], tmp_path / "out", 2, FAST,
        log=lambda *_: None)}
    assert records["gail"].score == records["hank"].score == 13
    assert records["gail"].path.endswith("hw.py")
    line = broken.splitlines().index("    return batch.nope()") + 1
    assert f"line {line})" in said(records["ivy"])  # the script's own line number
    assert records["jo"].status == Status.INVALID_NOTEBOOK
    assert "The script is not valid UTF-8 text" in said(records["jo"])


def test_timing_magics_run_their_python_and_other_magics_are_named(graded):
    notes = [render(note) for note in graded[0]["magics"].notes]
    assert len(notes) == 3, notes  # the %%time and %timeit cells ran; %matplotlib is silent
    assert notes[0].startswith("code cell 14 (%%bash): %%bash was not run")
    assert notes[1].startswith("code cell 15 (!pip install nothing): !pip install nothing was")
    assert notes[2].startswith("code cell 16 (torch.zeros?): files = !ls; !echo flattening "
                               "was not run")  # a help request (x?, x??) only shows something


def test_a_cell_runs_as_ipython_reads_it_line_for_line():
    from autograder.jupyter import module_code, python_source, written_file
    cell = ('\n%time x = f(1)\nlisting = !ls\ntext = """\n!not a command\n%s\n"""\n'
            'if x:\n    %timeit -n 3 -r 1 g(x)\n    f?\n    y = (1,\n    ,2)\n'
            '!pip install a \\\n    b\n')
    python, not_run = python_source(cell)
    assert python == ('\nx = f(1)\nlisting = None\ntext = """\n!not a command\n%s\n"""\n'
                      'if x:\n    g(x)\n    None\n    y = (1,\n    ,2)\nNone\n\n')
    assert not_run == ("listing = !ls", "!pip install a \\ b")  # f? only shows help
    assert python_source("x = 1  # plain Python\n") == ("x = 1  # plain Python\n", ())
    # %%writefile runs in the sandbox, as a file written; its module is read with its lines
    written = "\n%%writefile -a 'my helpers.py'\ndef f():\n    return 1\n"
    assert python_source(written) == ("", ())
    assert written_file(written) == ("my helpers.py", "def f():\n    return 1\n", True)
    assert module_code(written) is None and written_file("%%writefile\nx") is None
    assert module_code("%%writefile helpers.py\nx = 1") == ("helpers", "\nx = 1", False)
    # pasted from a console, or indented as a whole: Jupyter runs it, so does the grader
    assert python_source(">>> x = 1\n>>> print(x)\n") == ("x = 1\nprint(x)\n", ())
    assert python_source("    a = 1\n    b = a\n") == ("a = 1\nb = a\n", ())
    # the shell's calls that nbconvert writes for magics, and Colab's test for itself
    assert python_source("get_ipython().run_line_magic('matplotlib', 'inline')\nimport torch\n"
                         "get_ipython().system('pip install x')\n"
                         "colab = 'google.colab' in str(get_ipython())\n") == (
        "None\nimport torch\nNone\ncolab = 'google.colab' in str(get_ipython())\n",
        ("get_ipython().system('pip install x')",))
    # %run of a Python file imports it in its place (a written module, else a failed
    # import, explained); magics that only show something are not worth a note
    assert python_source("%run -i ./utils.py\n%run notes.ipynb\n%run tool.py --fast\n") == (
        "from utils import *\nNone\nNone\n", ("%run notes.ipynb", "%run tool.py --fast"))
    assert python_source("def f():\n    %run utils.py\n") == (
        "def f():\n    None\n", ("%run utils.py",))
    # a file named like an installed module: an import would find that module instead
    assert python_source("%run test.py\n%run code.py\n") == ("None\nNone\n",
                                                          ("%run test.py", "%run code.py"))
    assert python_source("%%html\n<b>{x}</b>\n") == ("", ())
    assert python_source("%who\n%pwd\nhere = %pwd\n") == ("None\nNone\nhere = None\n",
                                                           ("here = %pwd",))
    # a cell no student writes is compiled as it stands (IPython's reading costs time)
    assert python_source("!a\n" * 300) == ("!a\n" * 300, ())


def test_time_limits_come_from_the_reference_unless_given(tmp_path):
    from autograder.config import DERIVED_FLOOR, Limits
    assert Limits.derived(0.01).timeout == DERIVED_FLOOR == 5
    assert Limits.derived(0.4).timeout == 10 and Limits.derived(2.5).timeout == 60
    assert Limits.derived(1000).timeout == 300
    folder = tmp_path / "submissions"
    folder.mkdir()
    write_notebook(folder / "loop.ipynb", ["import torch", "def make_tensor(shape, device='cpu'):"
                                           "\n    while True:\n        pass"])
    lines = []
    records = pipeline.grade("tensor_shapes", [folder], tmp_path / "out", 1, log=lines.append)
    assert any("time limit per cell and call: 5 s" in line for line in lines)
    text = "\n".join(failures(records[0], "make_tensor"))
    assert "did not finish within 5 seconds" in text
    assert records[0].seconds < 30  # one 5 s limit, not the 20 s default, per hung function
    timing = json.loads((tmp_path / "out" / "reference-timing.json").read_text())
    assert list(timing.values())[0] < 0.25  # the reference is fast, the floor applies
    again = []  # measured once: a second run neither times the reference nor regrades
    pipeline.grade("tensor_shapes", [folder], tmp_path / "out", 1, log=again.append)
    assert any("already graded" in line for line in again)
    assert "Time limit per cell and call: 5 s." in (tmp_path / "out" / "report.html").read_text()


def test_the_demo_is_graded_apart_from_the_courses_results(tmp_path, capsys):
    from autograder import __main__ as cli
    (tmp_path / "course.yaml").write_text("assignments:\n  tensor_shapes: {}\n")
    assert cli.main(["grade", "--course", str(tmp_path / "course.yaml"), "--out",
                     str(tmp_path / "out"), "--jobs", "2"]) == 0
    assert "grading the bundled demo class instead" in capsys.readouterr().out
    assert (tmp_path / "out/demo/tensor_shapes/report.html").is_file()
    assert not (tmp_path / "out/tensor_shapes").exists()


def test_strict_isolation_grades_nothing_where_a_layer_is_missing(tmp_path, monkeypatch,
                                                                  capsys):
    from autograder import __main__ as cli
    from autograder.backends.local import LocalBackend
    real = LocalBackend.isolation
    monkeypatch.setattr(LocalBackend, "isolation", lambda self, limits: [
        layer for layer in real(self, limits) if layer["key"] != "seccomp"])
    write_notebook(tmp_path / "ann.ipynb", SOLUTION)
    (tmp_path / "course.yaml").write_text("isolation: strict\n")
    argv = ["grade", ASSIGNMENT, str(tmp_path / "ann.ipynb"), "--out", str(tmp_path / "out"),
            "--timeout", "5"]
    assert cli.main(argv + ["--course", str(tmp_path / "course.yaml")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "isolation: strict" in error and "no seccomp" in error
    assert not (tmp_path / "out" / "grades.csv").exists()
    assert cli.main(argv + ["--strict"]) == 2  # the flag, without a course file
    assert cli.main(argv) == 0  # the default: graded, with the warning
    assert "warning: weaker isolation here: no seccomp" in capsys.readouterr().out


def test_flagged_work_is_scored_shown_for_review_and_held_when_asked(tmp_path):
    flagged = SOLUTION + ["name = 'zeros'\nmaker = getattr(torch, name)\n"]
    records = grade_folder(ASSIGNMENT, {"ann": flagged, "bob": SOLUTION}, tmp_path)
    assert records["ann"].score == records["bob"].score == 13  # a signal, not a verdict
    assert [render(f) for f in records["ann"].flags] == [
        f"code cell {len(flagged)}, line 2: maker = getattr(torch, name) (reaches code chosen "
        "only while running)"] and records["bob"].flags == []
    out = tmp_path / "out"
    report = (out / "report.html").read_text()
    assert "Flagged for review" in report and "getattr(torch, name)" in report
    assert "getattr" in next(row for row in (out / "grades.csv").read_text().splitlines()
                             if row.startswith("ann,"))
    assert "getattr" not in (out / "feedback" / "ann.md").read_text()  # neutral to the student
    held = lms.export(list(records.values()), Assignment(ASSIGNMENT, "Week 1"),
                      Course(lms="canvas", flagged="hold"), 13.0, tmp_path / "held")
    rows = (tmp_path / "held" / "canvas-import.csv").read_text().splitlines()
    assert rows[2].endswith(",0") and rows[3].endswith(",13")  # ann held at 0, bob as is
    assert any("1 flagged for review" in line and "held at 0" in line for line in held)
