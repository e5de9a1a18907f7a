"""The assignments torchgrade ships, the questions their hidden checks grade, and the key
that says when a grade is stale.

Questions are read from the check modules' ``@question(...)`` decorators with ``ast``,
without importing them: the grading process must not hold hidden checks in memory
before it forks sandboxes.
"""
import ast
import hashlib
from importlib import metadata

import yaml

from .config import ASSIGNMENTS, PACKAGE, ROOT

NAMES = ASSIGNMENTS

# What can change a grade besides the notebook and its assignment's checks: the code that
# runs the notebook and the checks, reads the notebook, and turns outcomes into points.
# Reports, the terminal and the execution backends are left out on purpose.
ENGINE = ("sandbox", "checking", "notebook", "formats.py", "jupyter.py", "scoring.py",
          "records.py", "checks/conftest.py")


class UnknownAssignment(Exception):
    pass


def check_file(assignment):
    """The hidden-check module of an assignment."""
    path = PACKAGE / "checks" / f"test_{assignment}.py"
    if assignment not in NAMES or not path.exists():
        raise UnknownAssignment(f"unknown assignment {assignment!r}; "
                                f"choose one of: {', '.join(NAMES)}")
    return path


def public_checks():
    """{assignment: {question: code}}: the smoke tests students may run themselves
    (assignments/public_checks.yaml)."""
    return yaml.safe_load((ROOT / "assignments" / "public_checks.yaml").read_text("utf-8"))


def checks(assignment):
    """{check function's name: (question id, points)}, in the checks' order: what each
    ``@question(id, points=…)`` decorator says, the one place a check's worth is written
    (read from the source, so that nothing is imported; checking.suite grades by it)."""
    found = {}
    for node in ast.parse(check_file(assignment).read_text()).body:
        for decorator in getattr(node, "decorator_list", []):
            if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "question"):
                found[node.name] = (ast.literal_eval(decorator.args[0]), next(
                    (ast.literal_eval(k.value) for k in decorator.keywords if k.arg == "points"),
                    1))
    return found


def questions(assignment):
    """{question id: points} in the order the questions appear in the checks."""
    points = {}
    for question, worth in checks(assignment).values():
        points[question] = points.get(question, 0) + worth
    return points


def grading_key(assignment, limits):
    """Fingerprint of everything but the notebook that decides a grade: the assignment's
    checks, the grading engine, the limits, and the versions of torch and of IPython (whose
    transformers read the cells)."""
    digest = hashlib.sha256()
    files = [check_file(assignment)]
    for part in ENGINE:
        path = PACKAGE / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    for path in files:
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    digest.update(repr(sorted(limits.as_dict().items())).encode())
    digest.update(metadata.version("torch").encode() + metadata.version("ipython").encode())
    return digest.hexdigest()[:16]
