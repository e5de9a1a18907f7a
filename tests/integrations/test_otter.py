"""make dist: what students get hides what it must, and otter's own runner grades like torchgrade."""
import ast
import json
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import pipeline
from autograder.integrations import otter as dist
from autograder.assignments import NAMES, check_file
from autograder.config import ROOT

from conftest import solution_cells, stub_cells, write_notebook
from corpus import WRONG

pytestmark = pytest.mark.slow  # left out by make test-fast

OTTER = Path(sys.executable).parent / "otter"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(NAMES, pool.map(lambda a: dist.build(a, out), NAMES)))


def _zip_text(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


def _solution_lines(assignment):
    """Every non-trivial line of solution code that the stub notebook does not show anyway."""
    public = (ROOT / "assignments" / f"{assignment}.ipynb").read_text()
    lines = []
    for source in solution_cells(assignment):
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.DOTALL):
            lines += [line.strip() for line in region.splitlines()
                      if len(line.strip()) > 12 and json.dumps(line.strip())[1:-1] not in public]
    assert lines, f"{assignment}: no solution lines to look for"
    return lines


def test_student_release_has_no_solution_and_no_hidden_check(built):
    for assignment, paths in built.items():
        files = _zip_text(paths["student"])
        assert f"{assignment}.ipynb" in files and any(n.startswith("tests/") for n in files)
        text = "\n".join(files.values())
        hidden = [node.name for node in ast.parse(check_file(assignment).read_text()).body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
        leaks = [line for line in _solution_lines(assignment) if line in text]
        leaks += [name for name in hidden if name in text]
        assert not leaks, f"{assignment}: {leaks[:5]}"
        assert "grader.check(" in text and "grader.export(" in text


def test_autograder_zip_installs_cpu_torch_and_carries_the_engine(built):
    for assignment, paths in built.items():
        files = _zip_text(paths["autograder"])
        environment = files["environment.yml"]  # otter writes the requirements in here
        assert "torch==2.13.0+cpu" in environment and "download.pytorch.org/whl/cpu" in environment
        assert len(re.findall(r"^\s*- torch\b", environment, re.MULTILINE)) == 1
        assert f"autograder/checks/test_{assignment}.py" in files
        assert "autograder/integrations/otter_plugin.py" in files
        config = json.loads(files["otter_config.json"])
        assert config["plugins"] == [{"autograder.integrations.otter_plugin.TorchgradePlugin":
                                      {"assignment": assignment, "language": "en"}}]
        assert "autograder/locale/pl/LC_MESSAGES/feedback.po" in files


def test_a_release_in_another_language_has_its_text_and_the_same_code():
    from autograder.integrations.otter import master_notebook
    from autograder.i18n import translate
    english, korean = master_notebook("requires_grad"), master_notebook("requires_grad", "ko")
    config = korean["cells"][0]["source"]
    assert "language: ko" in config and translate(
        "Upload the zip file this cell makes.", "ko", "notebooks") in config
    tests = [c["source"] for c in korean["cells"] if c["cell_type"] == "code"
             and "assert" in c["source"]]
    assert tests and all("predict should give" not in t for t in tests)
    assert any(translate("the prediction must not require grad, and w must still require "
                         "grad", "ko", "notebooks") in t for t in tests)
    assert len(korean["cells"]) == len(english["cells"])


def _otter_run(archive, notebook, out):
    """otter's results.json; a second try when otter's own kernel start fails under load
    (seen once in a full run: no results.json, nothing to do with the submission)."""
    out.mkdir()
    for _ in range(2):
        done = subprocess.run([OTTER, "run", "-a", archive, "-o", out, notebook],
                              capture_output=True, text=True, cwd=out, timeout=300)
        if (out / "results.json").exists():
            return json.loads((out / "results.json").read_text())
    raise AssertionError(f"otter run wrote no results.json:\n{done.stdout[-2000:]}"
                         f"{done.stderr[-2000:]}")


def _scores(results):
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


CHEAT = ("import otter.test_files.abstract_test as at, torch\n"
         "at.TestFile.score = property(lambda self: self.possible)\n"
         "at.TestFile.passed_all = property(lambda self: True)\n"
         "torch.allclose = torch.equal = lambda *a, **k: True\n"
         "def make_tensor(shape, device='cpu'):\n    return torch.ones(shape)\n")


def test_otter_run_gives_torchgrade_scores_and_cannot_be_patched(built, tmp_path):
    cases = []
    for assignment in NAMES:
        # every assignment: its solution and a wrong answer; the first also the stub, more
        # wrong answers and a notebook that patches otter and torch
        first = assignment == "tensor_shapes"
        variants = {"solution": solution_cells(assignment)}
        variants.update({f"wrong{i}": solution_cells(assignment) + [case[3]]
                         for i, case in enumerate(WRONG[assignment][:3 if first else 1])})
        if first:
            variants.update(stub=stub_cells(assignment), cheat=stub_cells(assignment) + [CHEAT])
        folder = tmp_path / assignment
        folder.mkdir()
        for name, cells in variants.items():
            cases.append((assignment, write_notebook(folder / f"{name}.ipynb", cells)))
    with ThreadPoolExecutor(2) as pool:
        otter = list(pool.map(lambda case: _otter_run(built[case[0]]["autograder"], case[1],
                                                      tmp_path / f"otter-{case[0]}-{case[1].stem}"),
                              cases))
    ours = {}
    for assignment in NAMES:
        for record in pipeline.grade(assignment, [tmp_path / assignment], tmp_path / f"tg-{assignment}",
                                     log=lambda *_: None):
            ours[assignment, record.student] = record
    problems = []
    for (assignment, path), results in zip(cases, otter):
        record = ours[assignment, path.stem]
        expected = {q: e.score for q, e in record.questions.items()}
        if _scores(results) != expected:
            problems.append(f"{assignment}/{path.stem}: otter {_scores(results)} != {expected}")
        for test in results["tests"]:
            assert {"name", "output", "visibility", "score", "max_score", "status"} <= set(test)
            assert test["status"] in ("passed", "failed")
    assert not problems, "\n".join(problems)
    assert ours["tensor_shapes", "solution"].score == 13
    assert ours["tensor_shapes", "cheat"].score == 0


def test_released_notebook_with_solution_passes_its_checks_and_its_export_grades_full(built,
                                                                                     tmp_path):
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda assignment: _solve_run_and_grade(built, assignment, tmp_path), NAMES))


def _solve_run_and_grade(built, assignment, tmp_path):
    """The student release with the solutions typed in, run as Jupyter runs it: its
    ``grader.check`` cells pass, and the zip its ``grader.export`` makes grades full."""
    folder = tmp_path / assignment
    with zipfile.ZipFile(built[assignment]["student"]) as archive:
        archive.extractall(folder)
    path = folder / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    solutions = dict(zip(stub_cells(assignment), solution_cells(assignment)))
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source in solutions:
            cell.source = solutions[cell.source]
    nbformat.write(notebook, path)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    checks = [cell for cell in notebook.cells if cell.source.startswith("grader.check(")]
    assert checks
    for cell in checks:
        text = json.dumps(cell.outputs)
        assert "passed" in text and "Error" not in text, f"{assignment}: {cell.source} {text[:500]}"
    exported = sorted(folder.glob("*.zip"))
    assert len(exported) == 1, f"{assignment}: grader.export() made {exported}"
    record = pipeline.grade(assignment, exported, tmp_path / f"out-{assignment}",
                            log=lambda *_: None)[0]
    assert record.score == record.max_score, (assignment, record.questions)
