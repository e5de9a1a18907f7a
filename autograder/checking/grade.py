"""Grade one submission: execute it in a sandbox, run the hidden checks on it.

Runs in its own forked process (see backends/local.py), so a crash here costs one row.
"""
from ..assignments import questions
from ..i18n import N_
from ..notebook import NotebookError, read_cells
from ..records import PROBLEM_ORDER, Outcome, Status, msg, place
from . import flags, notes, places, suite
from .student import Student

DETAILS = {
    Status.CRASHED: N_("The notebook's process crashed or exited; the affected parts were "
                       "skipped."),
    Status.TIMEOUT: N_("Some code ran past the time limit and was stopped."),
    Status.SYNTAX_ERROR: N_("A cell has a syntax error; that cell was not run."),
}


def grade_notebook(assignment, path, limits, spawner, seed=0, beside=None):
    """The Outcome of running the assignment's hidden checks on the notebook at ``path``
    (with the Python files handed in ``beside`` it), their random inputs derived from
    ``seed``; ``spawner`` starts its sandboxes."""
    try:
        cells = read_cells(path, beside)
    except NotebookError as error:
        return Outcome(error.status, error.message)
    student = Student(cells, limits, spawner, seed=seed)
    try:
        outcomes, curves = suite.run(assignment, student)
    finally:
        student.close()
        spawner.close()
    status = next((s for s in PROBLEM_ORDER if s in student.problems), Status.GRADED)
    detail = notes.failed_import(student, cells) or (
        msg(DETAILS[status]) if status in DETAILS else None)
    causes = notes.not_defined(path, cells, outcomes, set(questions(assignment)),
                               set(student.cell_errors) | set(student.skipped))
    if causes and detail is None:  # the cause of what follows, said first
        detail, causes = causes[0], causes[1:]
    flagged = flags.scan(cells)
    flagged += flags.observed(student.noted, cells, flagged)
    causes += notes.own_module(student)
    causes += notes.defined_again(cells, outcomes, questions(assignment))
    causes += notes.default_dtype(cells, outcomes)
    return Outcome(status, detail, outcomes, causes + notes.cell_notes(student, cells, limits),
                   student.isolation, curves=curves, slowest=student.slowest,
                   code={**excerpts(cells, [o.message for o in outcomes if o.message]
                                    + flagged), **_definitions(cells, outcomes)},
                   flags=flagged)


def excerpts(cells, messages, around=2):
    """The student's lines around each place (code cell, line) the messages name, for the
    feedback to show: {place: {"first": its first line's number, "lines": [text], and for a
    module handed in beside the notebook "shift": how many lines its cell has before it}}."""
    sources, found = dict(cells), {}
    for message in messages:
        key = place(message)
        cell, line = map(int, key.split(":")) if key else (0, 0)
        lines, shift = sources.get(cell - 1, "").splitlines(), places.shift(cells, cell)
        if shift < line <= len(lines):
            first = max(1 + shift, line - around)
            found[key] = {"first": first - shift,
                          "lines": [text[:160] for text in lines[first - 1:line + around]],
                          **({"shift": shift} if shift else {})}
    return found


def _definitions(cells, outcomes, most=15):
    """The code of each function whose question lost points, where it is last defined
    (its def line and the indented lines after it, ``most`` at most), for the feedback to
    show beside a mistake that names no line: {"def:<function>": {"cell": code cell
    number, "first": the def line's number, "lines": [text], and "file": the name of a
    module handed in beside the notebook that defines it}}."""
    lost, found = {o.question for o in outcomes if not o.passed}, {}
    for index, source in cells:
        lines = source.splitlines()
        for match in notes.DEF.finditer(source):
            if match.group(1) not in lost:
                continue
            first = source.count("\n", 0, match.start()) + 1
            body = [lines[first - 1]]
            for text in lines[first:first + 200]:
                if text.strip() and not text[:1].isspace():
                    break
                body.append(text)
            while len(body) > 1 and not body[-1].strip():
                body.pop()
            found[f"def:{match.group(1)}"] = {
                "cell": index + 1, "first": first - places.shift(cells, index + 1),
                "lines": [text[:160] for text in body[:most]],
                **({"file": file} if (file := places.module_file(cells, index + 1)) else {})}
    return found
