"""Read a submitted notebook into its code cells, or say clearly why not."""
import ast
import codecs
import functools
import io
import itertools
import json
import os
import re
import stat
import zipfile
import zlib

from .. import formats
from ..records import Message, Status, msg
from .beside import module_cells

# What the grader reads of a notebook, bounded: bytes; values in its JSON (each one 80 bytes
# once parsed); characters of code (the sandbox gets them in one channel frame); words and
# symbols of code (the grader parses the code, 2 KB a name: millions would take gigabytes)
MAX_BYTES, MAX_VALUES, MAX_CODE, MAX_TOKENS = 100 * 2**20, 4_000_000, 16 * 2**20, 200_000
_TOKEN = re.compile(r"\w+|[^\w\s]")


class NotebookError(Exception):
    """The file is not a gradable notebook: ``status`` for the gradebook, ``message`` for
    the student."""

    def __init__(self, status, text, **params):
        self.status = status
        self.message = text if isinstance(text, Message) else msg(text, **params)
        super().__init__(self.message.text.format(**self.message.params))


def read_cells(path, beside=None):
    """Return [(index, source)] for the notebook's code cells (index among code cells), less
    those that hold only otter's self-check calls; first, the modules it imports from the
    Python files handed in with it (``beside``: {file name: path}; in a zip, those beside
    its notebook), as the ``%%writefile`` cells that make them (notebook.beside).

    ``path`` is a notebook, a zip holding exactly one (what otter's ``grader.export()``
    makes; nothing from it is written to disk), or a notebook downloaded as Python (.py).
    """
    modules = dict(beside or {})
    sources = [_source(cell) for cell in _load(path, modules)["cells"]
               if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    if None in sources:
        raise NotebookError(Status.INVALID_NOTEBOOK, "A code cell's source is not text.")
    cells = [(index, source) for index, source in enumerate(sources)
             if not _otter_self_check(source)]
    _bounded(cells)  # before the modules it imports are looked for
    cells = _bounded(module_cells(cells, modules, _module_bytes, MAX_CODE) + cells)
    if not any(source.strip() for _, source in cells):
        raise NotebookError(Status.EMPTY_NOTEBOOK, "The notebook has no code in it. Did you submit "
                            "the right file, and save it before submitting?")
    return cells


def _bounded(cells):
    """``cells``, when they are within the bounds on code the grader reads."""
    if sum(len(source) for _, source in cells) > MAX_CODE or _tokens(cells) > MAX_TOKENS:
        raise NotebookError(Status.INVALID_NOTEBOOK, "The notebook's code cells hold more than "
                            "{megabytes} MB of text or more than {count} words and symbols; "
                            "keep only your code (no pasted data).",
                            megabytes=MAX_CODE // 2**20, count=f"{MAX_TOKENS:,}")
    return cells


def _tokens(cells):
    """How many words and symbols the cells' code holds, counted up to MAX_TOKENS + 1."""
    found = (1 for _, source in cells for _ in _TOKEN.finditer(source))
    return sum(itertools.islice(found, MAX_TOKENS + 1))


def _otter_self_check(source):
    """Whether a cell holds only what otter's released notebooks give students to check
    their own work (``import otter``, ``grader = otter.Notebook(...)``, ``grader.check(...)``,
    ``grader.export(...)``): it needs otter's test files, which a grader has not, and grades
    nothing, so it is not run."""
    if len(source) > 2000 or "otter" not in source and "grader." not in source:
        return False
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False

    def own(node):
        call = node.value.func if isinstance(getattr(node, "value", None), ast.Call) else None
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names] == ["otter"]
        if isinstance(node, ast.Assign):
            return (len(node.targets) == 1 and ast.unparse(node.targets[0]) == "grader"
                    and call is not None and ast.unparse(call) == "otter.Notebook")
        return (isinstance(node, ast.Expr) and isinstance(call, ast.Attribute)
                and isinstance(call.value, ast.Name) and call.value.id == "grader")

    return bool(body) and all(map(own, body))


def _source(cell):
    """A cell's text (Jupyter may save it as a list of lines), or None if it is not text."""
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else None


def _module_bytes(where, most):
    """A module's first ``most`` bytes: from the file at ``where``, or read by ``where``
    (a zip's member); OSError for what is not a regular file or a readable member."""
    try:
        return where(most) if callable(where) else _read_regular(where, most)
    except (NotebookError, zipfile.BadZipFile, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as error:
        raise OSError(str(error)) from None


def _load(path, modules):
    """The notebook's JSON, once it is known to be a readable Python notebook; a zip's
    Python files beside its notebook are added to ``modules``."""
    if os.path.islink(path):
        raise NotebookError(Status.UNREADABLE, "The submission is a symbolic link, not a file; "
                            "submit the notebook file itself.")
    if os.path.isdir(path):
        raise NotebookError(Status.UNREADABLE, "No notebook (.ipynb) was found in this "
                            "student's folder; submit the notebook file itself.")
    if not os.path.lexists(path):
        raise NotebookError(Status.UNREADABLE, "No notebook (.ipynb) was found among the files "
                            "submitted; submit the notebook file itself.")
    if not os.path.isfile(path):
        raise NotebookError(Status.UNREADABLE, "This is not a regular file (a link to nothing, "
                            "or a device), so it cannot be a notebook.")
    try:
        if str(path).lower().endswith(".zip"):
            raw = _notebook_in_zip(path, modules)
        else:
            raw = _read_regular(path)
        if str(path).lower().endswith(".py") and len(raw) <= MAX_BYTES:
            return _as_notebook(_text(raw))
    except UnicodeDecodeError:
        raise NotebookError(Status.INVALID_NOTEBOOK, "The script is not valid UTF-8 text; "
                            "submit the .ipynb notebook saved by Jupyter.")
    except OSError as error:
        raise NotebookError(Status.UNREADABLE, "The file could not be read ({why}).",
                            why=error.strerror or "error")
    if len(raw) > MAX_BYTES or sum(map(raw.count, (b",", b"{", b"["))) > MAX_VALUES:
        raise NotebookError(Status.INVALID_NOTEBOOK, "The notebook is larger than 100 MB, or "
                            "holds more than {count} values (its outputs, mostly); clear its "
                            "outputs (Kernel > Restart & Clear Output) and resubmit.",
                            count=f"{MAX_VALUES:,}")
    try:
        text = _text(raw)
        data = json.loads(text)
    except UnicodeDecodeError:
        raise NotebookError(Status.INVALID_NOTEBOOK, formats.not_json(raw, None, None)) from None
    except (json.JSONDecodeError, RecursionError) as error:
        if _tokens([(0, text)]) <= MAX_TOKENS and formats.is_python(text):
            return _as_notebook(text)  # a script renamed .ipynb (parsed only when small)
        raise NotebookError(Status.INVALID_NOTEBOOK, formats.not_json(raw, text, error)) from None
    if isinstance(data, dict) and "worksheets" in data:
        try:
            data = formats.upgrade(data)
        except ValueError:
            raise NotebookError(Status.INVALID_NOTEBOOK, "The notebook is saved in the old "
                                "format 3 and is damaged; open it in a current Jupyter and "
                                "save it again.") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(Status.INVALID_NOTEBOOK, "The file is JSON but not a Jupyter notebook "
                            "(it has no list of cells).")
    language = _language(data)  # "python", or "python3", "ipython3" from some kernels
    if language and not language.lower().startswith(("python", "ipython")):
        raise NotebookError(Status.WRONG_KERNEL, "The notebook's kernel runs {language}; "
                            "this assignment must be written in Python.", language=language)
    return data


def _as_notebook(text):
    return {"cells": [{"cell_type": "code", "source": source}
                      for source in formats.script_cells(text, MAX_CODE)]}


def _text(raw):
    """A notebook's text: UTF-8 as Jupyter writes it, with or without the byte order mark
    some Windows editors add, or UTF-16 when it starts with one (PowerShell's ``>``)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _read_regular(path, most=MAX_BYTES + 1):
    """The file's first ``most`` bytes; never through a symbolic link, never from a FIFO,
    device or /proc file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotebookError(Status.UNREADABLE, "This is not a regular file, so it cannot "
                                "be a notebook.")
        return handle.read(most)


def _notebook_in_zip(path, modules):
    try:
        raw = _read_regular(path)
        if len(raw) > MAX_BYTES:
            return raw  # reported as too large by the caller
        archive = zipfile.ZipFile(io.BytesIO(raw))  # left open: modules are read if imported
        notebooks = [info for info in archive.infolist() if info.filename.endswith(".ipynb")
                     and not info.is_dir() and not _copy(info.filename)]
        if len(notebooks) != 1:
            raise NotebookError(Status.INVALID_NOTEBOOK, "The zip file holds {count} "
                                "notebooks, so which one to grade is unclear: submit the "
                                "notebook itself (.ipynb), or a zip that holds only it "
                                "(as grader.export() makes).", count=len(notebooks))
        folder = notebooks[0].filename.rpartition("/")[0]
        for info in archive.infolist():  # the Python files beside it
            name = info.filename.rpartition("/")
            if name[0] == folder and name[2].endswith(".py") and not _copy(info.filename):
                modules[name[2]] = functools.partial(_member, archive, info)
        return _member(archive, notebooks[0], MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error):  # RuntimeError: an encrypted member
        raise NotebookError(Status.INVALID_NOTEBOOK, "The zip file is damaged or not a zip file; "
                            "export the notebook again and resubmit.") from None


def _member(archive, info, most):
    """The first ``most`` bytes of a zip's member."""
    with archive.open(info) as handle:
        return handle.read(most)


def _copy(name):
    """Whether a zip entry is a copy something made, not the student's notebook: Jupyter's
    autosave (``.ipynb_checkpoints/``), macOS's metadata (``__MACOSX/``, ``._name``)."""
    parts = name.replace("\\", "/").split("/")
    return any(part in (".ipynb_checkpoints", "__MACOSX") for part in parts[:-1]) \
        or parts[-1].startswith(".")


def _language(data):
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("kernelspec", "language_info"):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get("language"), str):
            return section["language"]
        if key == "language_info" and isinstance(section, dict) and section.get("name"):
            return str(section["name"])
    return ""
