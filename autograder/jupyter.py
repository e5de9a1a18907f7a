"""A code cell as Jupyter runs it: the Python that IPython's own transformers make of it."""
import ast
import functools
import re
import shlex

from IPython.core.inputtransformer2 import (TransformerManager, leading_empty_lines,
                                            make_tokens_by_line)

from .config import INSTALLED

# IPython magics that only time or silence Python code: their Python runs, once.
_TIMING_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
# Cell magics that only show their text (HTML, Markdown, LaTeX, a script for the browser):
# nothing is lost when they do not run, so nothing is said.
_SHOWING_CELL_MAGICS = ("%%html", "%%HTML", "%%markdown", "%%latex", "%%javascript", "%%js",
                        "%%svg")
_WRITEFILE = ("%%writefile", "%%file")  # the cell's text goes to a file, run by the sandbox
_MODULE = re.compile(r"([A-Za-z_]\w*)\.py")  # a file name Python can import as a module
_TIMING_LINE_MAGICS = ("time", "timeit")
# Settings of the interactive session only: nothing to run, nothing to report.
_SESSION_ONLY = ("matplotlib", "config", "load_ext", "reload_ext", "autoreload")
# as statements they print and change nothing (``x?`` and ``x??`` are pinfo and pinfo2)
_LOOKING_ONLY = ("who", "whos", "who_ls", "pwd", "lsmagic", "pinfo", "pinfo2", "pdoc", "pdef",
                 "psource", "pfile", "psearch")
# Lines that may be IPython's own syntax: magics, shell escapes, help (``x?``, ``?x``),
# autocall escapes, ``x = !cmd``, and the shell's calls that nbconvert writes for them
# (``get_ipython().run_line_magic(...)``); cells without one are Python as they stand.
_MAYBE_IPYTHON = re.compile(r"^\s*[%!?;/,]|\?\s*$|=\s*[%!]|get_ipython\(\)\.", re.MULTILINE)
_IPYTHON_CALL = "get_ipython()."
_IPYTHON_MAX = (200_000, 200)  # characters, and lines that may be IPython's, read in a cell


def python_source(source):
    """(the Python a code cell runs as, (the IPython lines that are not run)).

    The cell is read as Jupyter reads it, by IPython's own transformers: prompts pasted from
    a console (``>>>``, ``In [1]:``) and a common indentation go; ``%%time``, ``%%timeit``
    and ``%%capture`` cells and ``%time``/``%timeit`` lines run their Python once;
    ``%run NAME.py`` imports NAME's names; every other magic, shell escape (``!cmd``,
    ``x = !cmd``) and help request (``x?``) gives ``None`` in place, and is named among the
    lines not run unless it only shows something or sets up the session. Line numbers are
    kept. Each statement is transformed on its own
    (IPython's whole-cell loop re-reads the cell after every change: quadratic), and a cell
    beyond _IPYTHON_MAX, which no student writes, is compiled as it stands.
    """
    first, newline, body = source.lstrip().partition("\n")
    if written_file(source):
        return "", ()
    if first.startswith("%%"):
        if first.split()[0] in _SHOWING_CELL_MAGICS:
            return "", ()
        if first.split()[0] not in _TIMING_CELL_MAGICS:
            return "", (first.strip(),)
        source = "\n" * (source.count("\n") - body.count("\n")) + body
    if len(source) > _IPYTHON_MAX[0] or \
            len(_MAYBE_IPYTHON.findall(source)) > _IPYTHON_MAX[1]:
        return source, ()
    return _as_jupyter_reads(source)


def written_file(source):
    """(file name, text, append) for a ``%%writefile [-a] NAME`` cell, which Jupyter runs by
    writing the rest of the cell to that file; else None."""
    first, _, text = source.lstrip().partition("\n")
    try:
        words = shlex.split(first)
    except ValueError:
        return None
    names = [word for word in words[1:] if not word.startswith("-")]
    if not words or words[0] not in _WRITEFILE or len(names) != 1:
        return None
    return names[0], text, any(word in ("-a", "--append") for word in words[1:])


def module_code(source):
    """(module name, code, append) for a ``%%writefile [-a] NAME.py`` cell, whose file the
    notebook can import; the code keeps the cell's line numbers. Else None."""
    written = written_file(source)
    found = written and _MODULE.fullmatch(written[0])
    if not found:
        return None
    return (found[1], "\n" * (source.count("\n") - written[1].count("\n")) + written[1],
            written[2])


def readable_code(source):
    """The Python a cell holds, for reading it: what it runs, or a module it writes."""
    module = module_code(source)
    return module[1] if module else python_source(source)[0]


@functools.lru_cache(maxsize=256)  # the grader reads each cell several times
def _as_jupyter_reads(source):
    """python_source's reading of a cell within _IPYTHON_MAX."""
    lines = source.splitlines(keepends=True)
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    not_run = []
    try:
        for transform in _CLEANUP:
            lines[blank:] = transform(lines[blank:])
        statements = make_tokens_by_line(lines) if _MAYBE_IPYTHON.search("".join(lines)) else []
        for tokens in statements:
            tokens = [token for token in tokens if token.string.strip()]
            if not tokens:
                continue
            first, last = tokens[0].start[0] - 1, tokens[-1].end[0] - 1
            if _MAYBE_IPYTHON.search("".join(lines[first:last + 1])):
                not_run += _transform(lines, first, last)
    except Exception:  # noqa: BLE001 -- what IPython cannot read is compiled as it stands
        return source, ()
    return "".join(lines), tuple(not_run)


def _transform(lines, first, last):
    """Transform the statement on ``lines[first:last + 1]`` in place, as one line and blank
    ones after it; returns the lines it stands for when they are not run."""
    text = "".join(lines[first:last + 1])
    python = _TRANSFORMER.transform_cell(text).strip("\n")
    if "\n" in python or (python == text.strip() and _IPYTHON_CALL not in python):
        return []
    indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
    line, shown = _replace_call(indent + python.strip()) if _IPYTHON_CALL in python else (
        indent + python.strip(), False)
    ends = [row[len(row.rstrip("\r\n")):] for row in lines[first:last + 1]]
    lines[first:last + 1] = [line + ends[0]] + ends[1:]
    return [" ".join(text.split())] if shown else []


def _replace_call(line):
    """(the Python for a line that calls ``get_ipython()`` as IPython writes magics, whether
    to say it was not run): a timing magic's statement, else ``None`` where the call was."""
    prefix, call = line[:line.index(_IPYTHON_CALL)], line[line.index(_IPYTHON_CALL):]
    try:
        ast.parse((prefix + "None").strip())
        node = ast.parse(call).body[0].value
        if node.func.value.func.id != "get_ipython":
            return line, False
    except (SyntaxError, AttributeError, IndexError):
        return line, False  # not a call of the shell as a whole statement: Python
    method = node.func.attr
    try:
        args = [ast.literal_eval(arg) for arg in node.args]
    except ValueError:
        return prefix + "None", True
    if method == "run_line_magic" and args and (
            args[0] in _SESSION_ONLY or args[0] in _LOOKING_ONLY and not prefix.strip()):
        return prefix + "None", False
    if method == "run_line_magic" and args and args[0] == "run" and not prefix:
        module = _run_as_import(args[1]) if len(args) > 1 else None
        if module:
            return f"from {module} import *", False
    if method == "run_line_magic" and args and args[0] in _TIMING_LINE_MAGICS \
            and not prefix.strip():
        words = args[1].split()
        while words and words[0].startswith("-"):  # %timeit -n 10 -r 3 f(x)
            words = words[2:] if words[0] in ("-n", "-r") else words[1:]
        if words:
            return prefix + args[1][args[1].index(words[0]):], False
    return prefix + "None", True


def _run_as_import(arguments):
    """The module that ``%run [-i] NAME.py`` runs, which the grader imports in its place
    (the file a ``%%writefile`` cell wrote, with the same names; a file that is not there
    then fails as an import does, and the feedback says how to bring it in); else None, also
    for the name of an installed module (``test.py``), which an import would find instead."""
    try:
        words = shlex.split(arguments)
    except ValueError:
        return None
    names = [word for word in words if word != "-i"]
    found = len(names) == 1 and _MODULE.fullmatch(names[0].removeprefix("./"))
    return found[1] if found and found[1] not in INSTALLED else None


_TRANSFORMER = TransformerManager()
_CLEANUP = [step for step in _TRANSFORMER.cleanup_transforms if step is not leading_empty_lines]
