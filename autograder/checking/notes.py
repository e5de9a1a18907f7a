"""What the feedback says of a notebook besides the checks' verdicts: the cause of what
follows, said first (an import that failed, a function left in a Markdown cell, renamed, or
in a cell that stopped), how to bring in a module of the student's own, a function defined
twice, a changed default dtype, and a note for each cell that was not run, failed or ran too
long, with what to do where that is known."""
import difflib
import re

from ..config import PROVIDED
from ..i18n import N_
from ..jupyter import python_source
from ..notebook.answers import outside_code
from ..records import NOT_DEFINED, Status, msg
from . import places
from .values import fix_for


def failed_import(student, cells):
    """The first import that failed, said as the cause of what follows; or None."""
    if student.imports:
        index, skipped = min(student.imports.items())
        return msg("{cell}: an import failed ({imports}), so the grader skipped it and ran "
                   "the rest of the cell: code that uses what it imports fails, and the errors "
                   "below may come from that. The grader has PyTorch, Python's standard "
                   "library and {provided}: remove the import, or use one of these.",
                   cell=places.cell(cells, index), imports=skipped, provided=", ".join(PROVIDED))
    for index, error in sorted(student.cell_errors.items()):
        if error.get("type") in ("ModuleNotFoundError", "ImportError"):
            return msg("{cell} stopped at an import ({message}): the grader does not have it, "
                       "so the rest of that cell did not run, and the errors below may come "
                       "from that. The grader has PyTorch, Python's standard library and "
                       "{provided}: remove the import, or use one of these.",
                       cell=places.cell(cells, index), message=error.get("message", ""),
                       provided=", ".join(PROVIDED))
    return None


_MISSING = re.compile(r"No module named '(\w+)")
# Packages notebooks often import that the grader lacks: never a student's own file.
_PACKAGES = {"torchvision", "torchaudio", "torchtext", "torchsummary", "torchinfo", "timm",
             "transformers", "datasets", "lightning", "pytorch_lightning", "tensorflow",
             "keras", "jax", "cv2", "PIL", "skimage", "wandb", "tensorboard", "einops", "d2l",
             "sympy", "plotly", "ipywidgets", "gdown", "kaggle", "google"}


def own_module(student):
    """The way to bring a module of the student's own into the notebook, when an import of
    a module nobody installed failed: [] or [Message]."""
    said = [*student.imports.values(),
            *(error.get("message", "") for error in student.cell_errors.values()
              if error.get("type") == "ModuleNotFoundError")]
    found = next((match[1] for text in said for match in [_MISSING.search(text)]
                  if match and match[1] not in _PACKAGES), None)
    return [msg("If {module} is a file of your own ({module}.py), it was not handed in with "
                "the notebook. Hand it in beside the notebook, in the same upload, or put its "
                "code into the notebook: a cell that starts with the line %%writefile "
                "{module}.py, above the import (or the %run), makes the same module.",
                module=found)] if found else []


def not_defined(path, cells, outcomes, asked, stopped):
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
    defined = {name: index for index, source in cells for name in DEF.findall(source)}
    close_to = {name.lower(): name for name in defined if name not in asked}
    for function in (f for f in missing if f not in misplaced):
        close = difflib.get_close_matches(function.lower(), close_to, n=1, cutoff=0.8)
        if defined.get(function) in stopped:
            causes.append(msg("{function} is defined in {cell}, but that cell stopped before "
                              "it got there (its error is below), so it was never defined: fix "
                              "that error and run the cell again.", function=function,
                              cell=places.cell(cells, defined[function])))
        elif close:
            causes.append(msg("{function} is not defined, but {other} is: the grader calls "
                              "{function} by that name, so rename {other} back to {function}.",
                              function=function, other=close_to[close[0]]))
    return causes


def defined_again(cells, outcomes, asked):
    """A note for each function that lost points and is defined in several code cells: the
    last definition is the one graded, which may not be the one the student edited."""
    lost = {o.question for o in outcomes if not o.passed}
    where = {}
    for index, source in cells:
        for name in set(DEF.findall(source)) & set(asked) & lost:
            where.setdefault(name, []).append(places.short(cells, index))
    return [msg("{function} is defined in more than one code cell ({cells}): the last one to "
                "run is the one graded. Delete the others, or make sure the last one is your "
                "answer.", function=name, cells=", ".join(numbers))
            for name, numbers in where.items() if len(numbers) > 1]


def default_dtype(cells, outcomes):
    """A note when points were lost and the notebook changes torch's default dtype: what
    its functions create then differs from the grader's float32 inputs."""
    found = next(((index, call) for index, source in cells
                  if (call := _DTYPE.search(source))), None)
    if found is None or all(o.passed for o in outcomes):
        return []
    return [msg("{cell} changes torch's default dtype ({call}): tensors your functions create "
                "are then not float32 like the grader's inputs (and the questions' examples), "
                "which can make them fail or differ. Remove that line.",
                cell=places.cell(cells, found[0]), call=found[1].group(0))]


_DTYPE = re.compile(r"\bset_default_(?:dtype|tensor_type)\s*\([^)\n]*\)")
DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)\s*\(", re.MULTILINE)  # at top level


def cell_notes(student, cells, limits):
    """A Message for every cell that was not run, skipped or failed, in the cells' order."""
    notes = []

    def note(index, text, **params):
        notes.append((index, msg(text, cell=places.cell(cells, index), **params)))

    for index, source in cells:
        not_run = python_source(source)[1]
        other = next((word for line in not_run if line.startswith("%run ")
                      for word in line.split()[1:] if not word.startswith("-")),
                     None)  # a notebook, or a file named like an installed module
        if other:
            note(index, N_("{cell}: {lines} was not run: the grader has only this notebook, "
                           "not {other} beside it. Put what your functions need from it into "
                           "this notebook."), other=other, lines="; ".join(not_run)[:200])
        elif not_run:
            note(index, N_("{cell}: {lines} was not run; only Python runs here (and the "
                           "magics %time, %timeit, %%time, %%timeit, %%capture)."),
                 lines="; ".join(not_run)[:200])
    for index, why in sorted(student.skipped.items()):
        note(index, N_("{cell} ran too long, so it was skipped.") if why == Status.TIMEOUT else
             N_("{cell} crashed or exited the process, so it was skipped."))
    for index, error in sorted(student.cell_errors.items()):
        kind, message = error.get("type"), error.get("message", "")
        if kind == "timeout":
            note(index, N_("{cell} ran past the time limit of {seconds:g} seconds and was "
                           "stopped."), seconds=limits.timeout)
        elif kind == "SyntaxError" and (fix := fix_for(message)):
            note(index, N_("{cell} has a syntax error ({error}); nothing in it was run – what "
                           "to do: {fix}"), error=message, fix=fix)
        elif kind == "SyntaxError":
            note(index, N_("{cell} has a syntax error ({error}); nothing in it was run."),
                 error=message)
        elif kind == "EOFError" and "input(" in _line(cells, index, error):
            note(index, N_("{cell} asked for input() on line {line}, but nobody can type an "
                           "answer while grading, so the rest of that cell did not run: "
                           "write the value into the code instead."),
                 line=error.get("line", "?"))
        elif kind == "SystemExit":
            note(index, N_("{cell} ended the program with {error} (from exit(), sys.exit(), "
                           "or argparse's parse_args(), which in a notebook reads the kernel's "
                           "own command line), so the rest of that cell did not run: remove the "
                           "exit, or give parse_args its arguments: parser.parse_args(args=[])."),
                 error=f"SystemExit: {message}" if message else kind)
        elif kind == "FileNotFoundError":
            note(index, N_("{cell} could not open a file ({message}), so the rest of that "
                           "cell did not run: only the notebook itself is graded, without "
                           "the files beside it, on Google Drive or uploaded. Make sure the "
                           "functions you are asked for do not need such a file."),
                 message=message)
        elif fix := fix_for(message):
            note(index, N_("{cell} raised {error}: {message} – what to do: {fix}"),
                 error=kind, message=message, fix=fix)
        elif message:
            note(index, N_("{cell} raised {error}: {message}"), error=kind, message=message)
        else:
            note(index, N_("{cell} raised {error}"), error=kind)
    return [found for _, found in sorted(notes, key=lambda pair: pair[0])]


def _line(cells, index, error):
    """The text of the line of cell ``index`` an error came from, or ''."""
    lines = dict(cells).get(index, "").splitlines()
    line = error.get("line") if error.get("cell") == index + 1 else None
    return lines[line - 1] if isinstance(line, int) and 0 < line <= len(lines) else ""
