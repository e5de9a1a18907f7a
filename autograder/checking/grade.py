"""Grade one submission: execute it in a sandbox, run the hidden checks on it.

Runs in its own forked process (see backends/local.py), so a crash here costs one row.
"""
import difflib
import re

from ..assignments import questions
from ..config import PROVIDED
from ..i18n import N_
from ..jupyter import python_source
from ..notebook import NotebookError, outside_code, read_cells
from ..records import NOT_DEFINED, PROBLEM_ORDER, Outcome, Status, msg, place
from . import flags, suite
from .student import Student
from .values import fix_for

DETAILS = {
    Status.CRASHED: N_("The notebook's process crashed or exited; the affected parts were "
                       "skipped."),
    Status.TIMEOUT: N_("Some code ran past the time limit and was stopped."),
    Status.SYNTAX_ERROR: N_("A cell has a syntax error; that cell was not run."),
}


def grade_notebook(assignment, path, limits, spawner, seed=0):
    """The Outcome of running the assignment's hidden checks on the notebook at ``path``,
    their random inputs derived from ``seed``; ``spawner`` starts its sandboxes."""
    try:
        cells = read_cells(path)
    except NotebookError as error:
        return Outcome(error.status, error.message)
    student = Student(cells, limits, spawner, seed=seed)
    try:
        outcomes, curves = suite.run(assignment, student)
    finally:
        student.close()
        spawner.close()
    status = next((s for s in PROBLEM_ORDER if s in student.problems), Status.GRADED)
    detail = _failed_import(student, cells) or (msg(DETAILS[status]) if status in DETAILS
                                                 else None)
    causes = _not_defined(path, cells, outcomes, set(questions(assignment)),
                          set(student.cell_errors) | set(student.skipped))
    if causes and detail is None:  # the cause of what follows, said first
        detail, causes = causes[0], causes[1:]
    flagged = flags.scan(cells)
    flagged += flags.observed(student.noted, cells, flagged)
    causes += _own_module(student)
    causes += _defined_again(cells, outcomes, questions(assignment))
    causes += _default_dtype(cells, outcomes)
    return Outcome(status, detail, outcomes, causes + _notes(student, cells, limits),
                   student.isolation, curves=curves,
                   slowest=student.slowest,
                   code={**excerpts(cells, [o.message for o in outcomes if o.message]
                                    + flagged), **_definitions(cells, outcomes)},
                   flags=flagged)


def excerpts(cells, messages, around=2):
    """The student's lines around each place (code cell, line) the messages name, for the
    feedback to show: {place: {"first": its first line's number, "lines": [text]}}."""
    sources, found = dict(cells), {}
    for message in messages:
        key = place(message)
        cell, line = map(int, key.split(":")) if key else (0, 0)
        lines = sources.get(cell - 1, "").splitlines()
        if 0 < line <= len(lines):
            first = max(1, line - around)
            found[key] = {"first": first, "lines": [text[:160] for text in
                                                    lines[first - 1:line + around]]}
    return found


def _definitions(cells, outcomes, most=15):
    """The code of each function whose question lost points, where it is last defined
    (its def line and the indented lines after it, ``most`` at most), for the feedback to
    show beside a mistake that names no line: {"def:<function>": {"cell": code cell
    number, "first": the def line's number, "lines": [text]}}."""
    lost, found = {o.question for o in outcomes if not o.passed}, {}
    for index, source in cells:
        lines = source.splitlines()
        for match in _DEF.finditer(source):
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
                "cell": index + 1, "first": first,
                "lines": [text[:160] for text in body[:most]]}
    return found


def _failed_import(student, cells):
    """The first import that failed, said as the cause of what follows; or None."""
    if student.imports:
        index, skipped = min(student.imports.items())
        return msg("{cell}: an import failed ({imports}), so the grader skipped it and ran "
                   "the rest of the cell: code that uses what it imports fails, and the errors "
                   "below may come from that. The grader has PyTorch, Python's standard "
                   "library and {provided}: remove the import, or use one of these.",
                   cell=_cell(cells, index), imports=skipped, provided=", ".join(PROVIDED))
    for index, error in sorted(student.cell_errors.items()):
        if error.get("type") in ("ModuleNotFoundError", "ImportError"):
            return msg("{cell} stopped at an import ({message}): the grader does not have it, "
                       "so the rest of that cell did not run, and the errors below may come "
                       "from that. The grader has PyTorch, Python's standard library and "
                       "{provided}: remove the import, or use one of these.",
                       cell=_cell(cells, index), message=error.get("message", ""),
                       provided=", ".join(PROVIDED))
    return None


_MISSING = re.compile(r"No module named '(\w+)")
# Packages notebooks often import that the grader lacks: never a student's own file.
_PACKAGES = {"torchvision", "torchaudio", "torchtext", "torchsummary", "torchinfo", "timm",
             "transformers", "datasets", "lightning", "pytorch_lightning", "tensorflow",
             "keras", "jax", "cv2", "PIL", "skimage", "wandb", "tensorboard", "einops", "d2l",
             "sympy", "plotly", "ipywidgets", "gdown", "kaggle", "google"}


def _own_module(student):
    """The way to bring a module of the student's own into the notebook, when an import of
    a module nobody installed failed: [] or [Message]."""
    said = [*student.imports.values(),
            *(error.get("message", "") for error in student.cell_errors.values()
              if error.get("type") == "ModuleNotFoundError")]
    found = next((match[1] for text in said for match in [_MISSING.search(text)]
                  if match and match[1] not in _PACKAGES), None)
    return [msg("If {module} is a file of your own ({module}.py), it is not there when your "
                "notebook is graded: only the notebook is. Put its code into the notebook: "
                "a cell that starts with the line %%writefile {module}.py, above the import "
                "(or the %run), makes the same module.", module=found)] if found else []


def _not_defined(path, cells, outcomes, asked, stopped):
    """Why a function the checks call is not defined, where the notebook shows it: its code
    sits in a Markdown or raw cell, which never runs; the code cell that defines it
    (``stopped``: by index) stopped before; or it was renamed (``make_tensors``; never
    another of the functions ``asked`` for)."""
    missing = sorted({o.message.params.get("function") for o in outcomes
                      if o.message and o.message.text == NOT_DEFINED.text} - {None})
    if not missing:
        return []
    misplaced = outside_code(path, missing)
    causes = [msg("{function} is written in a cell that is not a code cell (the one that "
                  "starts {start}), so it never ran: select that cell, change its type to Code "
                  "(press Y, or choose Code in the toolbar) and run it.",
                  function=function, start=start) for function, start in misplaced.items()]
    defined = {name: index for index, source in cells for name in _DEF.findall(source)}
    close_to = {name.lower(): name for name in defined if name not in asked}
    for function in (f for f in missing if f not in misplaced):
        close = difflib.get_close_matches(function.lower(), close_to, n=1, cutoff=0.8)
        if defined.get(function) in stopped:
            causes.append(msg("{function} is defined in {cell}, but that cell stopped before "
                              "it got there (its error is below), so it was never defined: fix "
                              "that error and run the cell again.", function=function,
                              cell=_cell(cells, defined[function])))
        elif close:
            causes.append(msg("{function} is not defined, but {other} is: the grader calls "
                              "{function} by that name, so rename {other} back to {function}.",
                              function=function, other=close_to[close[0]]))
    return causes


def _defined_again(cells, outcomes, asked):
    """A note for each function that lost points and is defined in several code cells: the
    last definition is the one graded, which may not be the one the student edited."""
    lost = {o.question for o in outcomes if not o.passed}
    where = {}
    for index, source in cells:
        for name in set(_DEF.findall(source)) & set(asked) & lost:
            where.setdefault(name, []).append(index + 1)
    return [msg("{function} is defined in more than one code cell ({cells}): the last one to "
                "run is the one graded. Delete the others, or make sure the last one is your "
                "answer.", function=name, cells=", ".join(map(str, numbers)))
            for name, numbers in where.items() if len(numbers) > 1]


def _default_dtype(cells, outcomes):
    """A note when points were lost and the notebook changes torch's default dtype: what
    its functions create then differs from the grader's float32 inputs."""
    found = next(((index, call) for index, source in cells
                  if (call := _DTYPE.search(source))), None)
    if found is None or all(o.passed for o in outcomes):
        return []
    return [msg("{cell} changes torch's default dtype ({call}): tensors your functions create "
                "are then not float32 like the grader's inputs (and the questions' examples), "
                "which can make them fail or differ. Remove that line.",
                cell=_cell(cells, found[0]), call=found[1].group(0))]


_DTYPE = re.compile(r"\bset_default_(?:dtype|tensor_type)\s*\([^)\n]*\)")
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)\s*\(", re.MULTILINE)  # at top level


def _notes(student, cells, limits):
    """A Message for every cell that was skipped or failed."""
    notes = []
    for index, source in cells:
        not_run = python_source(source)[1]
        if not_run:
            notes.append(msg("{cell}: {lines} was not run; only Python runs here (and the "
                             "magics %time, %timeit, %%time, %%timeit, %%capture).",
                             cell=_cell(cells, index), lines="; ".join(not_run)[:200]))
    for index, why in sorted(student.skipped.items()):
        text = (N_("{cell} ran too long, so it was skipped.") if why == Status.TIMEOUT else
                N_("{cell} crashed or exited the process, so it was skipped."))
        notes.append(msg(text, cell=_cell(cells, index)))
    for index, error in sorted(student.cell_errors.items()):
        cell = _cell(cells, index)
        if error.get("type") == "timeout":
            notes.append(msg("{cell} ran past the time limit of {seconds:g} seconds and was "
                             "stopped.", cell=cell, seconds=limits.timeout))
        elif error.get("type") == "SyntaxError" and (fix := fix_for(error.get("message"))):
            notes.append(msg("{cell} has a syntax error ({error}); nothing in it was run – what "
                             "to do: {fix}", cell=cell, error=error.get("message", ""), fix=fix))
        elif error.get("type") == "SyntaxError":
            notes.append(msg("{cell} has a syntax error ({error}); nothing in it was run.",
                             cell=cell, error=error.get("message", "")))
        elif error.get("type") == "EOFError" and "input(" in _line(cells, index, error):
            notes.append(msg("{cell} asked for input() on line {line}, but nobody can type an "
                             "answer while grading, so the rest of that cell did not run: "
                             "write the value into the code instead.", cell=cell,
                             line=error.get("line", "?")))
        elif error.get("type") == "FileNotFoundError":
            notes.append(msg("{cell} could not open a file ({message}), so the rest of that "
                             "cell did not run: only the notebook itself is graded, without "
                             "the files beside it, on Google Drive or uploaded. Make sure the "
                             "functions you are asked for do not need such a file.",
                             cell=cell, message=error.get("message", "")))
        elif fix := fix_for(error.get("message", "")):
            notes.append(msg("{cell} raised {error}: {message} – what to do: {fix}", cell=cell,
                             error=error.get("type"), message=error["message"], fix=fix))
        elif error.get("message"):
            notes.append(msg("{cell} raised {error}: {message}", cell=cell,
                             error=error.get("type"), message=error["message"]))
        else:
            notes.append(msg("{cell} raised {error}", cell=cell, error=error.get("type")))
    return notes


def _line(cells, index, error):
    """The text of the line of cell ``index`` an error came from, or ''."""
    lines = cells[index][1].splitlines()
    line = error.get("line") if error.get("cell") == index + 1 else None
    return lines[line - 1] if isinstance(line, int) and 0 < line <= len(lines) else ""


def _cell(cells, index):
    first = next((line.strip() for line in cells[index][1].splitlines() if line.strip()), "")
    return msg("code cell {number} ({start})", number=index + 1, start=first[:40].strip())
