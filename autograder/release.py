"""Make the student notebooks in assignments/ from the reference notebooks in solutions/.

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers)
becomes ``raise NotImplementedError``; outputs and execution counts are cleared.
"""
import json
import re

from .config import ROOT

_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?",
                       re.MULTILINE | re.DOTALL)


def stub_source(source):
    """The cell a student receives: every solution region replaced by a stub."""
    return _SOLUTION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n"
                                   f"{m.group(1)}raise NotImplementedError()\n", source)


def student_notebook(solution):
    """The student version of a reference notebook (a parsed .ipynb dict)."""
    notebook = json.loads(json.dumps(solution))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = stub_source(source)
            cell["outputs"], cell["execution_count"] = [], None
    return notebook


def release(assignment):
    """Write assignments/<assignment>.ipynb; returns its path."""
    solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
    target = ROOT / "assignments" / f"{assignment}.ipynb"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(student_notebook(solution), indent=1, ensure_ascii=False) + "\n")
    return target
