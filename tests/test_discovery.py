"""Which files become which students' submissions, and what changes a regrade key."""
import os

import pytest

from autograder import assignments, lms
from autograder.config import Limits
from autograder.discovery import content_digest, discover, find, seed_for

from conftest import write_notebook

A = "tensor_shapes"


def test_files_and_folders_become_students_in_order(tmp_path):
    write_notebook(tmp_path / "zoe.ipynb", ["x = 1"])
    write_notebook(tmp_path / "adam.ipynb", ["x = 2"])
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "bob.py").write_text("def make_tensor(shape, device='cpu'):\n    pass\n")
    (tmp_path / "zoe.py").write_text("# zoe's notebook, downloaded as Python too\n")
    (tmp_path / "zoe.html").write_text("<html>zoe's notebook, exported</html>")
    (tmp_path / "carl.pdf").write_bytes(b"%PDF-1.7 carl's notebook, printed")
    found = discover(find([tmp_path]), A, "K", log=lambda *_: None)
    # a script and a file in a notebook's place are students too, never silently dropped
    assert [s.student for s in found] == ["adam", "bob", "carl", "zoe"]
    assert found[3].path.suffix == ".ipynb"  # the notebook wins over a script of the same name
    assert all(s.key.endswith(":K") for s in found)
    assert found[0].key != found[3].key  # different content


def test_unprintable_names_are_made_visible_and_duplicates_reported(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write_notebook(one / "a\x1bb.ipynb", ["x = 1"])
    write_notebook(two / "a\x1bb.ipynb", ["x = 2"])
    logs = []
    found = discover(find([one, two]), A, "K", log=logs.append)
    assert [s.student for s in found] == ["a?b"]
    assert any("same student id" in line for line in logs)


def test_a_missing_path_stops_the_run_before_anything_is_graded(tmp_path):
    (tmp_path / "class").mkdir()
    write_notebook(tmp_path / "class" / "ada.ipynb", ["x = 1"])
    with pytest.raises(lms.LayoutError, match="nope does not exist; nothing was graded"):
        lms.read([tmp_path / "class", tmp_path / "nope"], A, tmp_path / "out" / "downloads")


def test_the_output_folder_inside_the_graded_folder_is_not_a_submission(tmp_path):
    write_notebook(tmp_path / "ada.ipynb", ["x = 1"])
    (tmp_path / "out" / "downloads" / "ada").mkdir(parents=True)  # a run's unpacked download
    write_notebook(tmp_path / "out" / "downloads" / "ada" / "ada.ipynb", ["x = 1"])
    found = lms.read([tmp_path], A, tmp_path / "out" / "downloads")
    assert [s.student for s in found] == ["ada"]


def test_links_and_special_files_are_never_read(tmp_path):
    target = write_notebook(tmp_path / "real.ipynb", ["x = 1"])
    os.symlink(target, tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")
    assert content_digest(tmp_path / "link.ipynb") == "unreadable"
    assert content_digest(tmp_path / "fifo.ipynb") == "unreadable"  # and it did not block
    assert content_digest(target) != "unreadable"


def test_seeds_are_fixed_per_assignment_and_student():
    assert seed_for(A, "ann") == seed_for(A, "ann")
    assert len({seed_for(A, "ann"), seed_for(A, "bob"), seed_for("char_model", "ann")}) == 3


def test_the_grading_key_follows_limits_and_checks_but_not_reports(monkeypatch, tmp_path):
    base = assignments.grading_key(A, Limits())
    assert assignments.grading_key(A, Limits(timeout=5)) != base
    assert assignments.grading_key("char_model", Limits()) != base
    real = assignments.metadata.version
    for other in ("torch", "ipython"):  # torch computes; IPython's transformers read cells
        monkeypatch.setattr(assignments.metadata, "version",
                            lambda name: "0.0-other" if name == other else real(name))
        assert assignments.grading_key(A, Limits()) != base
    monkeypatch.undo()
    assert "jupyter.py" in assignments.ENGINE and "notebook" in assignments.ENGINE
    assert "reports" not in assignments.ENGINE and "backends" not in assignments.ENGINE
    assert assignments.grading_key(A, Limits()) == base
