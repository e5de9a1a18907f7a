"""The assignments torchgrade ships and the questions their hidden checks grade.

Questions are read from the check modules' ``@question(...)`` decorators with
``ast``, without importing them: the grading process must not hold hidden checks
in memory before it forks sandboxes.
"""
import ast
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NAMES = ("tensor_shapes", "requires_grad", "manual_backward", "no_grad_update", "char_model")


class UnknownAssignment(Exception):
    pass


def check_file(assignment):
    """The hidden-check module of an assignment."""
    path = PACKAGE / "checks" / f"test_{assignment}.py"
    if assignment not in NAMES or not path.exists():
        raise UnknownAssignment(f"unknown assignment {assignment!r}; "
                                f"choose one of: {', '.join(NAMES)}")
    return path


def questions(assignment):
    """{question id: points} in the order the questions appear in the checks."""
    tree = ast.parse(check_file(assignment).read_text())
    points = {}
    for node in tree.body:
        for decorator in getattr(node, "decorator_list", []):
            if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "question"):
                qid = ast.literal_eval(decorator.args[0])
                value = next((ast.literal_eval(k.value) for k in decorator.keywords
                              if k.arg == "points"), 1)
                points[qid] = points.get(qid, 0) + value
    return points


def checks_digest(assignment):
    """Fingerprint of everything that decides a grade: the checks and the engine."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name != "checks" or path.name in ("conftest.py", check_file(assignment).name):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
