"""kill -9 in the middle of a batch loses nothing and grades nothing twice."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.config import ROOT
from autograder.sandbox.inside.confine import SANDBOX_UID_BASE

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


def _sandboxes(ancestor):
    """Pids of the processes under ``ancestor`` running as a sandbox's uid."""
    parents, found = {}, []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = open(f"/proc/{entry}/status").read()
            parents[int(entry)] = int(status.split("\nPPid:")[1].split()[0])
            if os.stat(f"/proc/{entry}").st_uid >= SANDBOX_UID_BASE:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass

    def under(pid):
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == ancestor:
                return True
        return False
    return [pid for pid in found if under(pid)]


def test_sigterm_leaves_no_sandbox_alive(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("sandboxes run as their own uid only under root")
    folder = tmp_path / "subs"
    folder.mkdir()
    loops = solution_cells("tensor_shapes") + ["def to_nchw(b):\n    while True:\n        pass\n"]
    write_notebook(folder / "loops.ipynb", loops)
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "tensor_shapes",
                            str(folder), "--out", str(tmp_path / "out"), "--jobs", "1",
                            "--timeout", "60"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    for line in run.stdout:  # the isolation line comes once the sandboxes can start
        if line.startswith("isolation"):
            break
    time.sleep(5)  # the looping notebook's sandbox is busy by now
    sandboxes = _sandboxes(run.pid)
    assert sandboxes, "no sandbox started"
    run.send_signal(signal.SIGTERM)
    assert "interrupted" in run.communicate(timeout=30)[1]  # in seconds, not the 60 s limit
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in sandboxes) and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in sandboxes if os.path.exists(f"/proc/{pid}")]
