"""What a submitted file holds when it is not a notebook in the current format: a notebook
downloaded as Python (File > Download as > Python, Colab's .py, a VS Code or jupytext
script; or such a file renamed .ipynb), split into the code cells it was made from; a
notebook in the old format 3, upgraded; and a file that is no notebook at all, said as what
it is instead."""
import ast
import io
import json
import re

from .records import msg

# A cell mark in a script: "# %%" (VS Code, Spyder, jupytext) or nbconvert's "# In[3]:"
SCRIPT_CELL = re.compile(r"#\s?(?:%%|In\[[ \d]*\]:)")
QUOTES = ('"' * 3, "'" * 3)
MAX_SCRIPT_CELLS = 300


def script_cells(text, max_code):
    """The script ``text`` as code cell sources: split at its cell marks, else before each
    string at the margin (how Colab writes a Markdown cell); each cell is padded with empty
    lines so that its line numbers are the script's (one cell when the padding would pass
    ``max_code`` characters)."""
    lines = io.StringIO(text, newline="").readlines()  # the line ends Python counts
    starts = [i for i, line in enumerate(lines) if SCRIPT_CELL.match(line)]
    if not starts:
        opened = None
        for i, line in enumerate(lines):
            if opened is None and line.startswith(QUOTES):
                starts.append(i)
                rest = line.strip()[3:]
                opened = None if line[:3] in rest else line[:3]
            elif opened and opened in line:
                opened = None
    starts = sorted({0, *starts})
    if len(starts) > MAX_SCRIPT_CELLS or sum(starts) > max_code:
        starts = [0]
    return [("\n" * begin) + "".join(lines[begin:end])
            for begin, end in zip(starts, [*starts[1:], len(lines)])
            if "".join(lines[begin:end]).strip()]


def is_python(text):
    """Whether ``text`` is a Python script (it imports or defines something), not JSON, a
    document or a stray word."""
    try:
        return not text.lstrip().startswith(("{", "[")) and any(
            isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
            for node in ast.parse(text).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# What a file submitted as a notebook is instead, by its first bytes
_KINDS = ((b"%pdf", msg("a PDF document")),
          (b"pk\x03\x04", msg("a zip archive (a Word or other Office document is one too)")),
          (b"<!doctype html", msg("a web page (HTML)")), (b"<html", msg("a web page (HTML)")),
          (b"\x89png", msg("an image")), (b"\xff\xd8\xff", msg("an image")))
_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7})(?: |\r?$)", re.MULTILINE)


def not_json(raw, text, error):
    """Why a file is not notebook JSON, for the student: what it is instead where its first
    bytes tell, else where its JSON breaks (``text``: None when it is not UTF-8)."""
    kind = next((kind for start, kind in _KINDS if raw.lstrip()[:16].lower().startswith(start)),
                None)
    conflict = text and _CONFLICT.search(text)
    if not raw.strip():
        return msg("The file is empty: it was submitted before the notebook was saved into "
                   "it. Save the notebook in Jupyter (Ctrl+S) and submit the .ipynb file again.")
    if kind:
        return msg("The file is {kind}, not a Jupyter notebook: submit the .ipynb file itself "
                   "(in Jupyter: File > Download).", kind=kind)
    if text is None:
        return msg("The file is not valid UTF-8 text, so it is not a Jupyter notebook. Submit "
                   "the .ipynb file saved by Jupyter.")
    if conflict:
        return msg("The notebook still holds a Git merge conflict (line {line} starts with "
                   "{marker}), so it is not valid notebook JSON: keep one version of the "
                   "conflicting part, delete the lines that start with <<<<<<<, ======= and "
                   ">>>>>>>, check that it opens in Jupyter, and submit it again.",
                   line=text.count("\n", 0, conflict.start()) + 1, marker=conflict[0].strip())
    if isinstance(error, json.JSONDecodeError):
        return msg("The file is not valid notebook JSON: at line {line}, column {column}: "
                   "{error}. It was cut short or edited by hand: open it in Jupyter; if it "
                   "opens, save it and submit it again, else download it again from where you "
                   "worked on it.", line=error.lineno, column=error.colno,
                   error=error.msg.removesuffix(" starting at"))
    return msg("The file is not valid notebook JSON (it may be truncated or edited by hand). "
               "Re-download it from Jupyter.")


def upgrade(data):
    """A notebook saved in format 3 or older (IPython 2 and before), as format 4; ValueError
    when it is damaged."""
    import nbformat  # only for these rare files: it takes a tenth of a second to import
    try:
        return nbformat.convert(nbformat.from_dict(data), 4)
    except Exception as error:  # nbformat's errors for a damaged file have no common base
        raise ValueError(str(error)) from None
