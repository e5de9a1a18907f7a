"""Python modules a student handed in beside the notebook (``helpers.py`` in the same
upload or folder): those the notebook's code imports, and those they import in turn. Each
becomes the ``%%writefile`` cell that would make it, placed before the notebook's first
cell (numbered 0 and below), so that it can be imported as from the notebook's folder in
Jupyter, and is read, run and flagged like the notebook's own code."""
import re

from ..config import INSTALLED

MAX_MODULES = 20
_NAME = re.compile(r"([A-Za-z_]\w*)\.py")
# What a line imports (``from name ...``, ``import a, name as b``) or runs (``%run name.py``)
_IMPORTS = re.compile(r"(?:^|;)[ \t]*(?:from[ \t]+(\w+)|import[ \t]+([^\n#;]*))"
                      r"|%run[ \t]+(?:-i[ \t]+)?(?:\./)?(\w+)\.py", re.MULTILINE)


def module_cells(cells, beside, read, most):
    """[(index, source)] for the modules among ``beside`` ({file name: what ``read(it, n)``
    turns into the file's first n bytes}) that ``cells`` import, until they hold more than
    ``most`` bytes; a file that is not UTF-8, or is named like an installed module
    (``torch.py``, which Python would not import first), is left out."""
    available = {found[1]: where for name, where in beside.items()
                 if (found := _NAME.fullmatch(name)) and found[1] not in INSTALLED}
    chosen, size = {}, 0
    wanted = sorted(_imported(source for _, source in cells) & set(available))
    while wanted and len(chosen) < MAX_MODULES and size <= most:
        name = wanted.pop(0)
        try:
            chosen[name] = read(available[name], most + 1 - size).decode("utf-8-sig")
        except (UnicodeDecodeError, OSError):
            chosen[name] = ""
        size += len(chosen[name])
        wanted = sorted((set(wanted) | _imported([chosen[name]])) & set(available) - set(chosen))
    return [(index - len(chosen), f"%%writefile {name}.py\n{text}")
            for index, (name, text) in enumerate(sorted(chosen.items())) if text]


def _imported(sources):
    """The top-level module names the code in ``sources`` imports or runs."""
    names = set()
    for source in sources:
        for found in _IMPORTS.finditer(source):
            names.update([found[1] or found[3]] if found[1] or found[3] else
                         (part.split(".")[0] for part in re.findall(r"[\w.]+", found[2])))
    return names
