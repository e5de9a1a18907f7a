"""nbgrader courses: a course directory made from solutions/, and torchgrade's grades
written where nbgrader keeps them, so formgrader, ``generate_feedback`` and ``export``
work as if nbgrader had graded.

``build(out)`` writes ``dist/nbgrader/``: ``nbgrader_config.py`` and, per assignment,
``source/<id>/<id>.ipynb`` with nbgrader's cell metadata (solution cells for the
student's functions, read-only instructions, one autograded test cell per question with
its points and the public checks; the hidden checks never enter it).

``grade(course, assignment)`` grades ``submitted/<student>/<assignment>/`` in order:

1. read     -- one submission per student folder, with nbgrader's timestamp
2. grade    -- torchgrade's pipeline, into ``<course>/torchgrade/<assignment>/``
3. record   -- per question, the auto score into gradebook.db (a manual score from
               formgrader is kept unless ``replace_manual``)
4. copy     -- ``autograded/<student>/<assignment>/``: the notebook with its test cells
               restored from the release and torchgrade's feedback as their output
"""
import json
import shutil
import warnings
from datetime import datetime
from pathlib import Path

from .. import pipeline
from ..assignments import NAMES, public_checks, questions
from ..config import ROOT
from ..discovery import modules_beside, printable
from ..records import Identity, Submission
from ..release import PUBLIC_HEADER, translate_notebook
from ..reports.render import render

CONFIG = '''c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "torchgrade"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
# Grading runs in torchgrade's sandbox, not in a kernel:
#   python -m autograder grade <assignment> --nbgrader <this folder>
'''


class NbgraderError(Exception):
    """The course directory cannot be graded; one line saying what to do."""


def build(out=ROOT / "dist" / "nbgrader", names=NAMES, lang="en"):
    """Write the nbgrader course directory, its notebooks in ``lang``; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    for name in names:
        target = out / "source" / name
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{name}.ipynb").write_text(json.dumps(source_notebook(name, lang), indent=1,
                                                         ensure_ascii=False))
    return out


def source_notebook(assignment, lang="en"):
    """The reference notebook with nbgrader's metadata, and a test cell after each
    question's function; its text in ``lang``."""
    solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
    checks = public_checks()[assignment]
    points = questions(assignment)
    cells = []
    for index, cell in enumerate(solution["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        qid = next((q for q in points if f"def {q}(" in source), None)
        cell = {**cell, "source": source}
        if cell["cell_type"] == "markdown":
            cells.append(_meta(cell, f"instructions-{index}", locked=True))
        elif cell["cell_type"] == "code" and "### BEGIN SOLUTION" in source:
            cells.append(_meta({**cell, "outputs": [], "execution_count": None},
                               f"solution-{qid or index}", solution=True))
        else:
            cells.append(cell)
        if qid:
            test = PUBLIC_HEADER + checks[qid].rstrip()
            cells.append(_meta({"cell_type": "code", "metadata": {}, "source": test,
                                "outputs": [], "execution_count": None}, qid, grade=True,
                               locked=True, points=points[qid]))
    return translate_notebook({**solution, "cells": cells}, lang)


def _meta(cell, grade_id, grade=False, solution=False, locked=False, points=None):
    nbgrader = {"grade": grade, "solution": solution, "locked": locked,
                "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        nbgrader["points"] = points
    return {**cell, "metadata": {**cell.get("metadata", {}), "nbgrader": nbgrader}}


def grade(course, assignment, jobs=None, limits=None, replace_manual=False, log=print,
          lang="en"):
    """Grade every submission of ``assignment`` in the nbgrader course at ``course``, with
    feedback in ``lang``; returns the Records."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course)
    submissions = _read(course, assignment)
    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise NbgraderError(f"{assignment} is not in {course / 'gradebook.db'}: run "
                                f"`nbgrader generate_assignment {assignment}` in {course} "
                                "first") from None
        enrolled = {student.id for student in gradebook.students}
    records = pipeline.grade(assignment, [], course / "torchgrade" / assignment, jobs, limits,
                             log, found=submissions, lang=lang)
    release = _notebook(course / "release" / assignment / f"{assignment}.ipynb")
    by_student = {printable(s.student): s for s in submissions}
    with Gradebook(url) as gradebook, warnings.catch_warnings():
        # nbgrader's own submission bookkeeping warns about its autoflush; nothing is lost
        warnings.filterwarnings("ignore", message=".*not in session.*")
        for record in records:
            submission = by_student[record.student]
            gradebook.update_or_create_student(record.student)
            gradebook.update_or_create_submission(assignment, record.student,
                                                  timestamp=_timestamp(submission))
            for qid, result in record.questions.items():
                cell = gradebook.find_grade(qid, assignment, assignment, record.student)
                cell.auto_score = result.score
                cell.needs_manual_grade = False
                if replace_manual:
                    cell.manual_score = None
            gradebook.db.commit()
            _autograded(course, assignment, record, submission, release, lang)
    graded = {record.student for record in records}
    if enrolled - graded:
        log(f"{len(enrolled - graded)} in nbgrader's student list did not submit "
            f"{assignment}: " + printable(", ".join(sorted(enrolled - graded))))
    if graded - enrolled:
        log(f"{len(graded - enrolled)} submitted but were not in nbgrader's student list "
            "(added to it): " + printable(", ".join(sorted(graded - enrolled))))
    return records


def _read(course, assignment):
    """One Submission per ``submitted/<student>/<assignment>/`` folder."""
    found = []
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        notebook = folder / f"{assignment}.ipynb"
        beside = modules_beside(notebook)  # nbgrader runs the notebook in this folder too
        others = sorted(p.name for p in folder.iterdir() if p != notebook
                        and p.name != "timestamp.txt" and p.name not in beside)
        stamp = (folder / "timestamp.txt").read_text().strip() \
            if (folder / "timestamp.txt").is_file() else ""
        found.append(Submission(folder.parent.name, notebook, beside=beside, identity=Identity(
            folder.parent.name, "nbgrader", folder.parent.name, False, stamp[:40], others)))
    return found


def _timestamp(submission):
    try:
        return datetime.fromisoformat(submission.identity.attempt.replace(" UTC", ""))
    except ValueError:
        return None


def _notebook(path):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data.get("cells"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


def _autograded(course, assignment, record, submission, release, lang):
    """The autograded copy formgrader shows: the student's notebook (the release when it
    cannot be read), each test cell restored from the release, with the question's score
    and feedback as its output. No code is run and nothing of the hidden checks is shown."""
    notebook = _notebook(submission.path) or release
    if notebook is None:
        return
    tests = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in (release or notebook)
             ["cells"] if cell.get("metadata", {}).get("nbgrader", {}).get("grade")}
    cells = [c for c in notebook["cells"] if isinstance(c, dict) and
             c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in tests]
    for qid, test in tests.items():
        result = record.questions.get(qid)
        text = (f"torchgrade: {result.score:g} / {result.max_score:g}\n" + "\n".join(
            render(m, "text", lang) for m in result.failed)) if result else ""
        restored = {**test, "outputs": [{"output_type": "stream", "name": "stdout",
                                         "text": text + "\n"}], "execution_count": None}
        position = next((i + 1 for i, c in enumerate(cells) if c.get("cell_type") == "code"
                         and f"def {qid}(" in "".join(c.get("source") or "")), len(cells))
        cells.insert(position, restored)
    target = course / "autograded" / record.student / assignment
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{assignment}.ipynb").write_text(json.dumps({**notebook, "cells": cells}))
    stamp = submission.path.parent / "timestamp.txt"
    if stamp.is_file():
        shutil.copyfile(stamp, target / "timestamp.txt")
