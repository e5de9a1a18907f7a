"""Grade one submission: execute it in a sandbox, run the hidden checks on it.

Runs in its own forked process (see pipeline.py), so a crash here costs one row.
"""
import pytest

from .assignments import check_file
from .notebook import NotebookError, read_cells
from .plugin import Engine
from .sandbox import Spawner
from .student import Student

# pytest plugins a grading run has no use for; unraisableexception alone costs two full
# garbage collections of a torch-sized heap per submission.
QUIET = [arg for name in ("cacheprovider", "unraisableexception", "threadexception", "doctest",
                          "junitxml", "pastebin", "stepwise", "legacypath", "logging")
         for arg in ("-p", f"no:{name}")]
STATUS_ORDER = ("crashed", "timeout", "syntax-error")
DETAILS = {
    "graded": "",
    "crashed": "The notebook's process crashed or exited; the affected parts were skipped.",
    "timeout": "Some code ran past the time limit and was stopped.",
    "syntax-error": "A cell has a syntax error; that cell was not run.",
}


def grade_notebook(assignment, path, limits, workdir):
    """Return {"status", "detail", "checks": [...], "notes": [...], "isolation"}."""
    try:
        cells = read_cells(path)
    except NotebookError as error:
        return {"status": error.status, "detail": str(error), "checks": [], "notes": []}
    spawner = Spawner(workdir)  # forked now, before any hidden check is imported
    student = Student(cells, limits, spawner)
    engine = Engine(student)
    try:
        pytest.main([str(check_file(assignment)), "-q", "-W", "ignore", "--tb=no", "--assert=plain",
                     *QUIET], plugins=[engine])
    finally:
        student.close()
        spawner.close()
    status = next((s for s in STATUS_ORDER if s in student.problems), "graded")
    return {"status": status, "detail": DETAILS[status],
            "checks": list(engine.outcomes.values()), "notes": _notes(student, cells),
            "isolation": student.isolation}


def _cell_label(cells, index):
    first = next((line.strip() for line in cells[index][1].splitlines() if line.strip()), "")
    return f"code cell {index + 1} ({first[:40]!r})"


def _notes(student, cells):
    notes = []
    for index, why in sorted(student.skipped.items()):
        what = "ran too long" if why == "timeout" else "crashed or exited the process"
        notes.append(f"{_cell_label(cells, index)} {what}, so it was skipped.")
    for index, error in sorted(student.cell_errors.items()):
        if error.get("type") == "timeout":
            notes.append(f"{_cell_label(cells, index)} ran past the time limit and was stopped.")
        elif error.get("type") == "SyntaxError":
            notes.append(f"{_cell_label(cells, index)} has a syntax error ({error['message']}); "
                         "nothing in it was run.")
        else:
            message = f": {error['message']}" if error.get("message") else ""
            notes.append(f"{_cell_label(cells, index)} raised {error.get('type')}{message}")
    return notes

