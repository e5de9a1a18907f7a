"""Grading on a real Dask cluster (a LocalCluster with two worker processes) gives the same
grades.csv as grading here, survives a worker killed mid-run with every row exactly once,
and refuses workers that run other code."""
import logging
import os
import signal

import pytest

from autograder import pipeline
from autograder.backends import cluster as backend_module
from autograder.backends.cluster import ClusterBackend
from autograder.config import ConfigError

from conftest import FAST, solution_cells, stub_cells, write_notebook
from corpus import WRONG

pytestmark = pytest.mark.slow  # left out by make test-fast

distributed = pytest.importorskip("distributed")
A = "no_grad_update"


@pytest.fixture(scope="module")
def scheduler():
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """A mixed class: reference, stub, corpus mistakes, an endless loop, a crash, a bad file,
    a module handed in beside a notebook."""
    folder = tmp_path_factory.mktemp("cluster") / "submissions"
    folder.mkdir()
    solution = solution_cells(A)
    notebooks = {"alice": solution, "bob": stub_cells(A),
                 "loop": solution + ["while True:\n    pass"],
                 "crash": solution[:1] + ["import os\nos._exit(3)"] + solution[1:]}
    for index, (_, _, _, code) in enumerate(WRONG[A][:3]):
        notebooks[f"wrong{index}"] = solution + [code]
    for student, cells in notebooks.items():
        write_notebook(folder / f"{student}.ipynb", cells)
    (folder / "broken.ipynb").write_text('{"cells": [')
    (folder / "carl").mkdir()  # an upload unzipped: the notebook and a module it imports
    write_notebook(folder / "carl" / "hw.ipynb", solution + ["from helpers import sgd_step\n"])
    (folder / "carl" / "helpers.py").write_text(
        "import torch\n\ndef sgd_step(W, lr):\n    with torch.no_grad():\n"
        "        W -= lr * W.grad\n    return W  # W.grad left as it was\n")
    return folder


@pytest.fixture(scope="module")
def local(submissions, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    pipeline.grade(A, [submissions], out, 2, FAST, log=lambda *_: None)
    return (out / "grades.csv").read_text()


def test_the_cluster_gives_the_local_gradebook(scheduler, submissions, local, tmp_path):
    lines = []
    pipeline.grade(A, [submissions], tmp_path, limits=FAST, log=lines.append,
                   scheduler=scheduler)
    assert (tmp_path / "grades.csv").read_text() == local
    assert any("on the Dask workers" in str(line) for line in lines)
    statuses = {row.split(",")[0]: row.split(",")[4]
                for row in local.splitlines()[1:]}
    assert statuses["loop"] == "timeout" and statuses["crash"] == "crashed"
    assert statuses["broken"] == "invalid-notebook" and statuses["alice"] == "graded"
    carl = next(row.split(",") for row in local.splitlines() if row.startswith("carl,"))
    assert carl[4] == "graded" and float(carl[2]) == float(carl[3]) - 1  # its helper's slip


class KillsAWorker(ClusterBackend):
    """Kills, after the first result, the worker busy with the most tasks."""

    busy_tasks = 0

    def run(self, assignment, submissions, limits):
        for item in super().run(assignment, submissions, limits):
            yield item
            if not self.busy_tasks:
                busy, tasks = max(self.client.processing().items(), key=lambda kv: len(kv[1]))
                pid = self.client.run(os.getpid, workers=[busy])[busy]
                os.kill(pid, signal.SIGKILL)
                self.busy_tasks = len(tasks)


def test_a_worker_killed_mid_run_costs_no_row(scheduler, submissions, local, tmp_path):
    backend = KillsAWorker(scheduler)
    records = pipeline.grade(A, [submissions], tmp_path, limits=FAST, log=lambda *_: None,
                             backend=backend)
    assert backend.busy_tasks > 0  # the worker died with work in hand
    assert sorted(r.student for r in records) == sorted(
        row.split(",")[0] for row in local.splitlines()[1:])
    assert (tmp_path / "grades.csv").read_text() == local


def test_workers_with_other_code_are_refused(scheduler, submissions, tmp_path, monkeypatch):
    monkeypatch.setattr(backend_module, "fingerprint", lambda: "another version")
    with pytest.raises(ConfigError, match="install the same version"):
        pipeline.grade(A, [submissions], tmp_path, limits=FAST, log=lambda *_: None,
                       scheduler=scheduler)


def test_no_scheduler_is_one_line():
    with pytest.raises(ConfigError, match="no Dask scheduler"):
        with ClusterBackend("tcp://127.0.0.1:9", timeout=2):
            pass
