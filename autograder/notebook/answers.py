"""What a notebook answers: the functions it defines past the released stub, and those
left in Markdown or raw cells, where they never run."""
import re

from . import NotebookError, _load, _source, read_cells


def answered(path, functions):
    """How many of ``functions`` the notebook at ``path`` defines in a code cell that no
    longer raises NotImplementedError (the released stub's body); 0 if it cannot be read."""
    try:
        cells = read_cells(path)
    except NotebookError:
        return 0
    return sum(any(_defines(source, name) and not _STUB.search(source) for _, source in cells)
               for name in functions)


_STUB = re.compile(r"^\s*raise\s+NotImplementedError", re.MULTILINE)


def _defines(source, name):
    """Whether ``source`` has ``def name(`` at the start of a line."""
    return re.search(rf"^def\s+{re.escape(name)}\s*\(", source, re.MULTILINE) is not None


def outside_code(path, functions):
    """{function: the first line of the cell that defines it} for those of ``functions``
    defined only in Markdown or raw cells, which never run (a cell's type changed by a stray
    key press: the ``def`` at the start of a line, no fenced example around it); {} when the
    notebook cannot be read."""
    try:
        cells = [cell for cell in _load(path, {})["cells"] if isinstance(cell, dict)]
    except NotebookError:
        return {}
    found = {}
    for cell in cells:
        source = _source(cell) if cell.get("cell_type") in ("markdown", "raw") else None
        for name in functions if source and "```" not in source else ():
            if name not in found and _defines(source, name):
                found[name] = next(line.strip() for line in source.splitlines()
                                   if line.strip())[:80]
    return found
