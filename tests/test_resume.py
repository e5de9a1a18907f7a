"""kill -9 in the middle of a batch loses nothing and grades nothing twice."""
import os
import signal
import sqlite3
import subprocess
import sys

from autograder.config import ROOT

from conftest import solution_cells, stub_cells, write_notebook


def _grade(folder, out):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", "tensor_shapes",
                             str(folder), "--out", str(out), "--jobs", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for index in range(6):
        cells = solution_cells("tensor_shapes") if index % 2 else stub_cells("tensor_shapes")
        write_notebook(folder / f"s{index}.ipynb", cells)

    run = _grade(folder, tmp_path / "killed")
    for line in run.stdout:
        if line.startswith("[2/"):
            os.killpg(run.pid, signal.SIGKILL)
            break
    run.wait()
    db = tmp_path / "killed" / "grades.sqlite"
    committed = sqlite3.connect(db).execute("SELECT count(*) FROM results").fetchone()[0]
    assert 2 <= committed < 6
    assert not (tmp_path / "killed" / "grades.csv").exists()

    resumed = _grade(folder, tmp_path / "killed").communicate()[0]
    graded_again = [line for line in resumed.splitlines() if line.startswith("[")]
    assert len(graded_again) == 6 - committed
    assert f"{committed} submission(s) already graded" in resumed

    _grade(folder, tmp_path / "whole").communicate()
    for name in ["grades.csv"] + [f"feedback/s{i}.md" for i in range(6)]:
        assert (tmp_path / "killed" / name).read_text() == (tmp_path / "whole" / name).read_text()
