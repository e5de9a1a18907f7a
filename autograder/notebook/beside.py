"""Python modules a student handed in beside the notebook (``helpers.py`` in the same
upload or folder): those the notebook's code imports, and those they import in turn. Each
becomes the ``%%writefile`` cell that would make it, placed before the notebook's first
cell (numbered 0 and below), so that it can be imported as from the notebook's folder in
Jupyter, and is read, run and flagged like the notebook's own code."""
import re

from ..config import INSTALLED

MAX_MODULES = 20
_NAME = re.compile(r"([A-Za-z_]\w*)\.py")


def module_cells(cells, beside, read, most):
    """[(index, source)] for the modules among ``beside`` ({file name: what ``read(it, n)``
    turns into the file's first n bytes}) that ``cells`` import, until they hold more than
    ``most`` bytes; a file that is not UTF-8, or is named like an installed module
    (``torch.py``, which Python would not import first), is left out."""
    available = {found[1]: where for name, where in beside.items()
                 if (found := _NAME.fullmatch(name)) and found[1] not in INSTALLED}
    code, chosen, size = "\n".join(source for _, source in cells), {}, 0
    while len(chosen) < MAX_MODULES and size <= most:
        wanted = [name for name in sorted(available) if name not in chosen
                  and re.search(_imports(name), code, re.MULTILINE)]
        if not wanted:
            break
        for name in wanted[:MAX_MODULES - len(chosen)]:
            try:
                chosen[name] = read(available[name], most + 1 - size).decode("utf-8-sig")
            except (UnicodeDecodeError, OSError):
                chosen[name] = ""
            code, size = code + "\n" + chosen[name], size + len(chosen[name])
    return [(index - len(chosen), f"%%writefile {name}.py\n{text}")
            for index, (name, text) in enumerate(sorted(chosen.items())) if text]


def _imports(name):
    """A line that imports module ``name`` (``import a, name as b``, ``from name import``),
    or runs its file (``%run name.py``)."""
    return (rf"^[ \t]*(?:from[ \t]+{name}(?:[ \t.]|$)|import[ \t][^\n#]*\b{name}\b)"
            rf"|%run[ \t][^\n]*\b{name}\.py")
