"""Where a line of the student's code is, as the feedback names it: a code cell of the
notebook ("code cell 3, line 2"), or a module handed in beside it ("helpers.py, line 2").

A module beside the notebook runs as a ``%%writefile`` cell before the notebook's first
(notebook.read_cells): such cells have numbers 0 and below, and their first line is the
``%%writefile`` line, so the file's lines are the cell's less one.
"""
from ..records import msg


def module_file(cells, number):
    """The file name of the module handed in beside the notebook that cell ``number`` (as
    the feedback counts: from 1) is, or None for a cell of the notebook."""
    if number > 0:
        return None
    first = dict(cells).get(number - 1, "").partition("\n")[0]
    return first.split(maxsplit=1)[-1] if first.startswith("%%writefile ") else None


def at(cells, number, line):
    """A Message naming line ``line`` of cell ``number``; its params keep the cell's own
    numbers (``cell``, ``line``), by which the feedback finds the lines to show."""
    file = module_file(cells, number)
    if file is None:
        return msg("code cell {cell}, line {line}", cell=number, line=line)
    return msg("{file}, line {shown}", file=file, shown=line - 1, cell=number, line=line)


def cell(cells, index):
    """A Message naming the cell at ``index`` (from 0) with its first line, or the module
    it is; found by index (otter's check cells are left out of ``cells``)."""
    file = module_file(cells, index + 1)
    if file is not None:
        return msg("{file}, handed in beside the notebook", file=file)
    lines = dict(cells).get(index, "").splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    return msg("code cell {number} ({start})", number=index + 1, start=first[:40].strip())


def short(cells, index):
    """The cell at ``index`` in a list of cells: its number, or its module's file name."""
    return module_file(cells, index + 1) or str(index + 1)


def shift(cells, number):
    """How many lines the cell ``number`` has before its file's first line (1 for a module
    handed in beside the notebook, else 0)."""
    return 0 if module_file(cells, number) is None else 1
