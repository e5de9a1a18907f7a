"""A torch release that drops a private function the engine reads autograd's counters with
costs that layer, said on the isolation line, and nothing else: the run grades as before
(autograd is then counted inside the sandbox)."""
import csv
import os
import subprocess
import sys

import pytest

from autograder.config import ROOT

from conftest import solution_cells, stub_cells, write_notebook


@pytest.mark.parametrize("private", ["torch._C._autograd._get_sequence_nr",
                                     "torch._C._current_graph_task_id"])
def test_a_private_torch_function_gone_costs_one_layer_not_the_run(tmp_path, private):
    site = tmp_path / "site"
    site.mkdir()  # every Python of the run (grader, zygote, sandboxes) starts without it
    owner, name = private.rsplit(".", 1)
    (site / "sitecustomize.py").write_text(f"import torch\ndel {owner}.{name}\n")
    folder = tmp_path / "subs"
    folder.mkdir()
    write_notebook(folder / "ann.ipynb", solution_cells("tensor_shapes"))
    write_notebook(folder / "bob.ipynb", stub_cells("tensor_shapes"))
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "tensor_shapes", str(folder), "--out",
         str(tmp_path / "out"), "--timeout", "5"], cwd=ROOT, capture_output=True, text=True,
        timeout=300, env={**os.environ, "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "autograd is counted inside the submission's process" in done.stdout
    scores = {row["student"]: row["score"] for row in csv.DictReader(
        (tmp_path / "out" / "grades.csv").open())}
    assert scores == {"ann": "13", "bob": "0"}
