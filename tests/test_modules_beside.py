"""A module a student hands in beside the notebook (utils.py in the same upload, folder or
zip) is there when the notebook imports it, as in Jupyter; it is read, run and flagged like
the notebook's code, and the feedback names its lines as the file numbers them."""
import os
import zipfile
from dataclasses import replace

import pytest

from autograder import lms, pipeline
from autograder.discovery import discover, find
from autograder.reports.render import excerpt, render

from conftest import FAST, said, solution_cells, write_notebook

A = "tensor_shapes"
GOOD = "import torch\n\n\ndef zeros(shape, device):\n    return torch.zeros(shape, device=device)\n"
BROKEN = GOOD.replace("    return torch.zeros(shape, device=device)\n",
                      "    x = torch.zeros(shape, device=device)\n    return x.view(-1, 7)\n")
RAW = GOOD.replace("import torch\n", "import torch, ctypes\n")


def _cells():
    """The reference, its make_tensor taken from utils."""
    cells = solution_cells(A)
    at = next(i for i, cell in enumerate(cells) if cell.startswith("def make_tensor("))
    return [*cells[:at], "from utils import zeros\n\ndef make_tensor(shape, device='cpu'):\n"
            "    return zeros(shape, device)\n", *cells[at + 1:]]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("beside")
    folder = root / "submissions"
    for student, helper in (("alice", GOOD), ("bob", BROKEN), ("carol", RAW), ("erin", None)):
        (folder / student).mkdir(parents=True)
        write_notebook(folder / student / "hw.ipynb", _cells())
        if helper:
            (folder / student / "utils.py").write_text(helper)
        (folder / student / "scratch.py").write_text("import ctypes\n")  # never imported
    write_notebook(root / "hw.ipynb", _cells())
    with zipfile.ZipFile(folder / "dave.zip", "w") as archive:  # a folder zipped by hand
        archive.writestr("hw/hw.ipynb", (root / "hw.ipynb").read_text())
        archive.writestr("hw/utils.py", GOOD)
        archive.writestr("__MACOSX/hw/._utils.py", b"\x00\x05\x16\x07")
    records = pipeline.grade(A, [folder], root / "out", 2, FAST, log=lambda *_: None)
    return {record.student: record for record in records}


def test_an_imported_module_handed_in_beside_the_notebook_is_there(graded):
    for student in ("alice", "dave"):
        record = graded[student]
        assert record.score == record.max_score and not record.flags, said(record)
    missing = graded["erin"]
    assert not missing.questions["make_tensor"].full
    assert "it was not handed in with the notebook. Hand it in beside" in said(missing)


def test_an_error_in_it_names_the_file_and_its_own_line(graded):
    record = graded["bob"]
    failed = record.questions["make_tensor"].failed[0]
    assert "raised RuntimeError (utils.py, line 6): shape '[-1, 7]'" in render(failed)
    assert "> " + "  6 |     return x.view(-1, 7)" in excerpt(record, failed)
    assert "  5 |     x = torch.zeros" in excerpt(record, failed)


def test_its_code_is_flagged_like_the_notebooks_and_a_module_not_imported_is_not_read(graded):
    assert [render(flag) for flag in graded["carol"].flags] == [
        "utils.py, line 1: import torch, ctypes (reaches the process's raw memory)"]
    assert not graded["alice"].flags  # scratch.py, which nothing imports, is not read


def test_a_changed_module_is_graded_again_and_one_in_a_class_folder_is_nobodys(tmp_path):
    student = tmp_path / "alice"
    student.mkdir()
    write_notebook(student / "hw.ipynb", _cells())
    (student / "utils.py").write_text(GOOD)
    before = discover(find([tmp_path]), A, "k")[0]
    assert set(before.beside) == {"utils.py"}
    (student / "utils.py").write_text(BROKEN)
    assert discover(find([tmp_path]), A, "k")[0].key != before.key
    loose = tmp_path / "class"
    loose.mkdir()
    write_notebook(loose / "bob.ipynb", _cells())
    (loose / "utils.py").write_text(GOOD)  # another student's script, not bob's module
    assert all(not s.beside for s in find([loose]) + find([loose / "bob.ipynb"]))


def test_a_canvas_download_hands_the_students_other_files_to_the_notebook(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    notebook = write_notebook(tmp_path / "hw.ipynb", _cells())
    (download / "smith_123_456_hw.ipynb").write_text(notebook.read_text())
    (download / "smith_123_457_utils.py").write_text(GOOD)
    (download / "jones_124_458_hw.ipynb").write_text(notebook.read_text())
    found = lms.read([download], A, tmp_path / "work")
    assert {s.student: sorted(s.beside) for s in found} == {"123": ["utils.py"], "124": []}
    smith = next(s for s in found if s.student == "123")
    assert smith.beside["utils.py"].name == "smith_123_457_utils.py"
    assert not smith.identity.ignored  # a module the notebook may import is not left out


def test_modules_are_read_within_the_notebooks_bounds(tmp_path):
    """Read only when imported, and together with the notebook's code within its bound."""
    from autograder.notebook import NotebookError, read_cells
    notebook = write_notebook(tmp_path / "hw.ipynb", _cells())
    huge = tmp_path / "utils.py"
    huge.write_bytes(b"#" * (17 * 2**20))
    with pytest.raises(NotebookError, match="more than 16 MB"):
        read_cells(notebook, {"utils.py": huge})
    assert read_cells(notebook, {"other.py": huge, "torch.py": huge}) == read_cells(notebook)
    os.mkfifo(tmp_path / "fifo.py")  # reading it would block: a module that is not there
    assert read_cells(notebook, {"utils.py": tmp_path / "fifo.py"}) == read_cells(notebook)


def test_modules_count_when_the_class_is_compared_for_similarity(tmp_path):
    """Two students who share a module share code, as if it were in their notebooks."""
    from autograder.records import Record, Status
    from autograder.reports.similarity import rank
    shared = ("import torch\n\n\ndef tallied_bigram_frequencies(corpus_text, smoothing_alpha):\n"
              "    vocabulary_sorted = sorted(set(corpus_text))\n"
              "    lookup_position = {ch: k for k, ch in enumerate(vocabulary_sorted)}\n"
              "    frequency_grid = torch.full((len(lookup_position),) * 2, smoothing_alpha)\n"
              "    for left_char, right_char in zip(corpus_text, corpus_text[1:]):\n"
              "        frequency_grid[lookup_position[left_char], lookup_position[right_char]]"
              " += 1\n    return frequency_grid / frequency_grid.sum(1, keepdim=True)\n")
    records = []
    for student, cells in (("xavier", ["import utils\nx = 1\n"]),
                           ("yolanda", ["import utils\ny = [2, 3]\nprint(len(y))\n"])):
        (tmp_path / student).mkdir()
        write_notebook(tmp_path / student / "hw.ipynb", cells)
        (tmp_path / student / "utils.py").write_text(shared)
        records.append(Record(student, A, str(tmp_path / student / "hw.ipynb"), Status.GRADED,
                              None, 0.0, 13.0, {},
                              beside={"utils.py": str(tmp_path / student / "utils.py")}))
    with_modules = rank(records, A)
    without = rank([replace(record, beside={}) for record in records], A)
    assert with_modules and with_modules[0][0] > (without[0][0] if without else 0.0)
