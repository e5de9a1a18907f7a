"""Shared helpers: build notebooks on disk and grade them through the real pipeline."""
import contextlib
import json
import random
import re
from pathlib import Path

import pytest

from autograder import assignments, pipeline
from autograder.checking.student import Student
from autograder.config import ROOT, Limits
from autograder.reports.render import render
from autograder.sandbox.spawner import Spawner

FAST = Limits(timeout=3, budget=30)


@contextlib.contextmanager
def started(source, counted_outside=True):
    """A Student whose notebook is the one cell ``source``, running in a sandbox of its own
    Spawner; ``counted_outside=False`` acts as a machine where the grader cannot read the
    sandbox's autograd counters."""
    spawner = Spawner()
    if not counted_outside:
        spawner.counters = None
    student = Student([(0, source)], Limits(timeout=5), spawner)
    try:
        student.start()
        yield student
    finally:
        student.close()
        spawner.close()


def code_cells(path):
    """The code cells of a notebook on disk, as source strings."""
    notebook = json.loads(Path(path).read_text())
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in notebook["cells"] if c["cell_type"] == "code"]


def write_notebook(path, sources):
    """Write a minimal valid Python notebook with one code cell per source."""
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
              "execution_count": None} for s in sources]
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 4,
                                "metadata": {"kernelspec": {"language": "python",
                                                            "name": "python3"}}}))
    return path


def solution_cells(assignment):
    return code_cells(ROOT / "solutions" / f"{assignment}.ipynb")


def stub_cells(assignment):
    return code_cells(ROOT / "assignments" / f"{assignment}.ipynb")


def failures(record, question):
    """The failure messages of one question, rendered as plain text."""
    return [render(message) for message in record.questions[question].failed]


def said(record):
    """Everything the record tells the student, as plain text."""
    return "\n".join([render(record.detail), *map(render, record.notes),
                      *(render(m) for entry in record.questions.values() for m in entry.failed)])


def templates(record):
    """Every message template the record holds, nested ones included, and its checks' names."""
    found, stack = set(), [record.detail, *record.notes,
                           *(m for entry in record.questions.values() for m in entry.failed)]
    while stack:
        message = stack.pop()
        if message is not None:
            found.add(message.text)
            stack += [v for v in message.params.values() if hasattr(v, "params")]
    return found


def _values(record):
    """(key, value) of every plain string a record's messages are filled with."""
    stack = [record.detail, *record.notes,
             *(m for entry in record.questions.values() for m in entry.failed)]
    while stack:
        message = stack.pop()
        if message is not None:
            for key, value in message.params.items():
                if hasattr(value, "params"):
                    stack.append(value)
                elif isinstance(value, str):
                    yield key, value


# Values that come from the student's code or from Python itself, and stay as they are.
VERBATIM = {"message", "details", "lines", "error", "text", "why"}


def untranslated(records):
    """Templates in ``records`` that some language's feedback catalog lacks, and English
    prose passed as a plain value (shown as code, never translated) instead of as msg()."""
    from autograder.config import LANGUAGES
    from autograder.i18n import translations
    texts = set().union(*map(templates, records)) if records else set()
    prose = {f"prose passed as a value: {key}={value!r}" for record in records
             for key, value in _values(record) if key not in VERBATIM
             and re.fullmatch(r"[A-Za-z']+( [A-Za-z'-]+)+", value)}
    return sorted({f"{lang}: {text!r}" for text in texts for lang in LANGUAGES[1:]
                   if not translations(lang, "feedback")._catalog.get(text)} | prose)


def grade_folder(assignment, notebooks, root, limits=FAST, jobs=2):
    """Write {student: [cell sources] or raw bytes} under ``root`` and grade them;
    returns {student: Record}; the outputs are in ``root / "out"``."""
    folder = root / "submissions"
    folder.mkdir(parents=True, exist_ok=True)
    for student, content in notebooks.items():
        path = folder / f"{student}.ipynb"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            write_notebook(path, content)
    records = pipeline.grade(assignment, [folder], root / "out", jobs, limits,
                             log=lambda *_: None)
    return {record.student: record for record in records}


COPIED = 6  # originals copied in each corpus class, wrong answers among them


@pytest.fixture(scope="session")
def corpus_class(tmp_path_factory):
    """grade(assignment): the corpus's class -- the reference, the stub, every wrong
    solution (wrong<i>) and valid rewrite (valid<i>) of tests/corpus.py -- with disguised
    copies of six of them (copy_of_<name>, copies.py), graded once per session; returns
    ({student: Record}, {copy: its original})."""
    from copies import disguise
    from corpus import VALID, WRONG
    graded = {}

    def grade(assignment):
        if assignment not in graded:
            solution = solution_cells(assignment)
            notebooks = {"reference": solution, "stub": stub_cells(assignment)}
            notebooks.update({f"wrong{i}": solution + [entry[3]]
                              for i, entry in enumerate(WRONG[assignment])})
            notebooks.update({f"valid{i}": solution + [code]
                              for i, (_, code) in enumerate(VALID[assignment])})
            chooser = random.Random(assignment)
            wrong = chooser.sample([n for n in notebooks if n.startswith("wrong")],
                                   COPIED // 2)
            valid = chooser.sample([n for n in notebooks if n.startswith("valid")],
                                   COPIED - len(wrong))
            keep = set(assignments.questions(assignment))
            copies = {f"copy_of_{name}": disguise(notebooks[name], keep)
                      for name in wrong + valid}
            graded[assignment] = (grade_folder(assignment, {**notebooks, **copies},
                                               tmp_path_factory.mktemp(assignment)), copies)
        return graded[assignment]
    return grade


@pytest.fixture
def grade_many(tmp_path):
    """Grade {student: [cell sources] or raw bytes}; returns {student: Record}."""
    return lambda assignment, notebooks, limits=FAST, jobs=2: grade_folder(
        assignment, notebooks, tmp_path, limits, jobs)
