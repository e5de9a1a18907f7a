"""Make the student notebooks in assignments/ from the reference notebooks in solutions/,
in every course language.

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers)
becomes ``raise NotImplementedError``; outputs and execution counts are cleared. A
translated release replaces each unit of text (a Markdown paragraph, a comment or block
of comments, a docstring, an assert's hint) by its translation from the ``notebooks``
catalog; code, function and argument names stay as they are, so the same checks grade
every language.
"""
import ast
import io
import json
import re
import tokenize

from babel.messages.catalog import Catalog

from . import i18n
from .assignments import public_checks
from .config import LANGUAGES, ROOT

_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?",
                       re.MULTILINE | re.DOTALL)
STUB_COMMENT = "YOUR CODE HERE"
# Text the packagers add around the notebooks (otter, nbgrader), translated like them.
PUBLIC_HEADER = ("# Public checks for this question; the grade comes from hidden checks\n"
                 "# that torchgrade runs in a sandbox.\n")
EXPORT_NOTE = "Upload the zip file this cell makes."


def stub_source(source):
    """The cell a student receives: every solution region replaced by a stub."""
    return _SOLUTION.sub(lambda m: f"{m.group(1)}# {STUB_COMMENT}\n"
                                   f"{m.group(1)}raise NotImplementedError()\n", source)


def student_notebook(solution, lang="en"):
    """The student version of a reference notebook (a parsed .ipynb dict), in ``lang``."""
    notebook = json.loads(json.dumps(solution))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = stub_source(_source(cell))
            cell["outputs"], cell["execution_count"] = [], None
    return translate_notebook(notebook, lang)


def release_path(assignment, lang="en"):
    """assignments/<assignment>.ipynb in English, assignments/<lang>/<assignment>.ipynb else."""
    folder = ROOT / "assignments" if lang == "en" else ROOT / "assignments" / lang
    return folder / f"{assignment}.ipynb"


def release(assignment, languages=LANGUAGES):
    """Write the student notebook of ``assignment`` in each language; returns the paths."""
    solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
    paths = []
    for lang in languages:
        target = release_path(assignment, lang)
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(student_notebook(solution, lang), indent=1,
                                     ensure_ascii=False) + "\n")
        paths.append(target)
    return paths


def notebooks_template():
    """Every unit of text in the released notebooks and the public checks."""
    catalog = Catalog(domain="notebooks", project="torchgrade")
    for unit in [EXPORT_NOTE, *text_units({"cell_type": "code", "source": PUBLIC_HEADER})]:
        catalog.add(unit, locations=[("autograder/release.py", 1)])
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        notebook = student_notebook(json.loads(path.read_text(encoding="utf-8")))
        for index, cell in enumerate(notebook["cells"]):
            for unit in text_units(cell):
                catalog.add(unit, locations=[(f"solutions/{path.name}", index + 1)])
    for assignment, entries in public_checks().items():
        for qid, code in entries.items():
            for unit in text_units({"cell_type": "code", "source": code}):
                catalog.add(unit, locations=[("assignments/public_checks.yaml", 1)],
                            auto_comments=[f"public check of {assignment}.{qid}"])
    return catalog


# -- text units and their translation ---------------------------------------------------

def translate_notebook(notebook, lang):
    """``notebook`` (a parsed .ipynb dict) with its text in ``lang``; the code unchanged."""
    if lang == "en":
        return notebook
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook["cells"]:
        cell["source"] = translate_cell(cell, lang)
    notebook.setdefault("metadata", {})["torchgrade"] = {"language": lang}
    return notebook


def translate_cell(cell, lang):
    """The source of ``cell`` in ``lang``."""
    return _rewrite(cell, lambda unit: i18n.translate(unit, lang, "notebooks"))


def text_units(cell):
    """The units of text in ``cell`` that a translator translates, in order."""
    units = []
    _rewrite(cell, lambda unit: units.append(unit) or unit)
    return units


def translate_code(source, lang):
    """Python code (a public check) with its comments and hints in ``lang``."""
    return translate_cell({"cell_type": "code", "source": source}, lang)


def _source(cell):
    source = cell.get("source") or ""
    return "".join(source) if isinstance(source, list) else source


def _rewrite(cell, change):
    """``cell``'s source with every unit of text replaced by ``change(unit)``."""
    source = _source(cell)
    if cell.get("cell_type") == "markdown":
        return "\n\n".join(change(block) if block.strip() else block
                           for block in source.split("\n\n"))
    if cell.get("cell_type") != "code":
        return source
    edits = sorted(_comment_edits(source, change) + _string_edits(source, change))
    for start, end, text in reversed(edits):
        source = source[:start] + text + source[end:]
    return source


def _offsets(source):
    """Character offset of each line's start (1-based lines)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _comment_edits(source, change):
    """Comments as units: a run of full-line comments is one unit; ``#   ...`` lines
    (expected output) and ``##`` markers are not text."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    lines, starts = source.splitlines(), _offsets(source)
    blocks = []
    for token in tokens:
        (row, col), (_, end) = token.start, token.end
        text = token.string[1:].removeprefix(" ")
        if token.string.startswith("##") or not text.strip() or text[:1].isspace():
            continue
        full = not lines[row - 1][:col].strip()
        previous = blocks[-1] if blocks else None
        if (full and previous and previous["full"] and previous["row"] == row - 1
                and previous["col"] == col):
            previous.update(row=row, end=starts[row] + end)
            previous["texts"].append(text)
        else:
            blocks.append({"full": full, "row": row, "col": col, "texts": [text],
                           "start": starts[row] + col, "end": starts[row] + end})
    edits = []
    for block in blocks:
        new = change("\n".join(block["texts"]))
        indent = "\n" + " " * block["col"]
        edits.append((block["start"], block["end"],
                      indent.join("# " + line for line in new.split("\n"))))
    return edits


def _string_edits(source, change):
    """Docstrings and assert messages (plain or f-string literals) as units."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines, starts = source.splitlines(keepends=True), _offsets(source)

    def offset(row, col):  # ast columns count UTF-8 bytes
        return starts[row] + len(lines[row - 1].encode()[:col].decode(errors="ignore"))

    nodes = []
    for node in ast.walk(tree):
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.body and isinstance(node.body[0], ast.Expr)):
            nodes.append(node.body[0].value)
        elif isinstance(node, ast.Assert) and node.msg is not None:
            nodes.append(node.msg)
    edits = []
    for node in nodes:
        if not isinstance(node, (ast.Constant, ast.JoinedStr)) or (
                isinstance(node, ast.Constant) and not isinstance(node.value, str)):
            continue
        start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno,
                                                                  node.end_col_offset)
        literal = source[start:end]
        match = re.fullmatch(r"([rRfFbBuU]*)('''|\"\"\"|'|\")(.*)\2", literal, re.DOTALL)
        if match and match.group(3).strip():
            prefix, quote, body = match.groups()
            edits.append((start, end, prefix + quote + change(body) + quote))
    return edits
