"""Package an assignment for otter-grader: a student release and a Gradescope autograder.zip.

``build(assignment)`` writes ``dist/<assignment>/``, in order:

1. master   -- an otter master notebook made from the student stub (never the solution),
               one ``BEGIN QUESTION`` block per graded function with its points from the
               hidden checks and its public checks (assignments/public_checks.yaml) as tests
2. assign   -- ``otter assign`` turns it into the student notebook (with ``grader.check``
               cells and a ``grader.export()`` cell), public test files, and an autograder.zip
               whose otter plugin (otter_plugin.py) grades with torchgrade's engine
3. package  -- ``<assignment>-student.zip`` (notebook + tests/) for the LMS, and
               ``<assignment>-autograder.zip`` for Gradescope
"""
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import yaml

from ..assignments import public_checks, questions
from ..config import PACKAGE, ROOT
from ..i18n import translate
from ..release import EXPORT_NOTE, release_path, translate_code


def requirements():
    """What Gradescope installs besides otter: pyproject.toml's dependencies, with torch
    pinned to its CPU build (the default wheel pulls several GB of CUDA libraries)."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    lines = ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    for dependency in dependencies:
        if dependency.startswith("torch=="):
            lines.append(dependency + "+cpu")
        elif not dependency.startswith(("otter-grader", "nbgrader", "distributed")):
            lines.append(dependency)
    return "\n".join(lines) + "\n"


def build(assignment, out=ROOT / "dist", lang="en"):
    """Write the student release and the autograder.zip, in ``lang``; returns {kind: path}."""
    target = Path(out) / assignment
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="torchgrade-dist-") as tmp:
        work = Path(tmp)
        master = work / f"{assignment}.ipynb"  # otter names everything after it
        master.write_text(json.dumps(master_notebook(assignment, lang)))
        (work / "requirements.txt").write_text(requirements())
        done = subprocess.run([Path(sys.executable).parent / "otter", "assign", master.name,
                               "otter-out"], cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"otter assign failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        shutil.copytree(work / "otter-out" / "student", target / "student")
        release = target / f"{assignment}-student.zip"
        with zipfile.ZipFile(release, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((target / "student").rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(target / "student"))
        autograder = target / f"{assignment}-autograder.zip"
        _add_engine(next((work / "otter-out" / "autograder").glob("*.zip")), autograder)
    return {"student": release, "autograder": autograder}


def _add_engine(otter_zip, target):
    """otter's zip plus the torchgrade package at its root, where Gradescope's
    ``run_otter.py`` (in the same folder) can import the plugin from."""
    shutil.copy(otter_zip, target)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.po")]):
            archive.write(path, Path("autograder") / path.relative_to(PACKAGE))


def master_notebook(assignment, lang="en"):
    """The otter master notebook: the stub notebook in ``lang`` with question and test
    blocks added."""
    stub = json.loads(release_path(assignment, lang).read_text())
    checks = public_checks()[assignment]
    points = questions(assignment)
    config = {
        "requirements": "requirements.txt",
        "plugins": [{"autograder.integrations.otter_plugin.TorchgradePlugin":
                     {"assignment": assignment, "language": lang}}],
        "init_cell": True, "check_all_cell": False, "run_tests": False, "tests": {"files": True},
        "export_cell": {"pdf": False, "instructions": translate(EXPORT_NOTE, lang,
                                                                      "notebooks")},
        # per-question results visible to students as soon as they submit
        "generate": {"pdf": False, "show_hidden": True, "show_all_public": True,
                     "force_public_test_summary": False},
    }
    cells = [_raw("# ASSIGNMENT CONFIG\n" +
                  yaml.safe_dump(config, sort_keys=False, allow_unicode=True))]
    for cell in stub["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        qid = next((q for q in points if f"def {q}(" in source), None)
        if cell["cell_type"] != "code" or qid is None:
            cells.append(cell)
            continue
        tests = translate_code(checks[qid].rstrip(), lang)
        cells += [_raw(f"# BEGIN QUESTION\nname: {qid}\npoints: {points[qid]:g}"), cell,
                  _raw("# BEGIN TESTS"), _code(tests), _raw("# END TESTS"),
                  _raw("# END QUESTION")]
    return {**stub, "cells": cells}


def _raw(text):
    return {"cell_type": "raw", "metadata": {}, "source": text}


def _code(text):
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": [],
            "execution_count": None}
