"""Configuration in one place: the limits a submission runs under and the course settings.

``Limits`` are part of every regrade key; ``Course`` is ``course.yaml``, every key optional.
"""
import os
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .yamlfile import ConfigError, load_yaml, where_in

ROOT = Path(__file__).resolve().parent.parent  # the checkout: solutions/, assignments/, demo/


PACKAGE = ROOT / "autograder"


@dataclass(frozen=True)
class Limits:
    """Per-call time limit, per-submission time budget, and caps on what a sandbox may use."""
    timeout: float = 20.0        # seconds for each notebook cell and each call
    budget: float = 120.0        # seconds of student code per submission, in all
    memory: int = 2 * 2**30      # bytes beyond the pre-loaded interpreter, torch included
    file_size: int = 64 * 2**20  # bytes in one file
    disk: int = 256 * 2**20      # bytes in all files together
    tasks: int = 64              # processes and threads

    @classmethod
    def for_timeout(cls, timeout):
        """Limits with this per-call timeout and a budget that leaves room for six calls."""
        return cls(timeout=timeout, budget=max(cls.budget, 6 * timeout))

    @classmethod
    def derived(cls, slowest):
        """Limits for an assignment whose reference solution's slowest cell or call took
        ``slowest`` seconds: DERIVED_FACTOR times that, at least DERIVED_FLOOR, rounded up to
        a step of DERIVED_STEPS (so that noise in the measurement does not regrade a class)."""
        wanted = max(DERIVED_FLOOR, DERIVED_FACTOR * slowest)
        return cls.for_timeout(next((s for s in DERIVED_STEPS if s >= wanted),
                                    DERIVED_STEPS[-1]))

    def as_dict(self):
        return asdict(self)


# Derived time limits (Limits.derived): a factor on the reference's slowest call, a floor,
# and the steps the result is rounded up to.
DERIVED_FACTOR, DERIVED_FLOOR = 20, 5.0
DERIVED_STEPS = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


ASSIGNMENTS = ("tensor_shapes", "requires_grad", "manual_backward", "no_grad_update",
               "char_model")
LMS = ("none", "canvas", "moodle", "blackboard", "brightspace", "gradescope")
LANGUAGES = ("en", "hu", "ko", "pl")
# What a notebook may import besides torch and the standard library: import name -> the
# package pyproject.toml installs. The released notebooks name them (release.py).
PROVIDED = {"numpy": "numpy", "pandas": "pandas", "matplotlib": "matplotlib",
            "seaborn": "seaborn", "scipy": "scipy", "sklearn": "scikit-learn", "tqdm": "tqdm",
            "IPython": "ipython"}
# Modules an import finds installed, before a file of the student's with the same name
INSTALLED = sys.stdlib_module_names | {"test", "torch", *PROVIDED}


SIMILAR = 0.6  # from this score the report shows a pair of students (course.yaml: similarity)


class _Bad(ConfigError):
    """A value of course.yaml that cannot be used: ``where`` is the keys (and list
    indexes) that lead to it, by which Course.load finds its line."""

    def __init__(self, detail, *where):
        super().__init__(f"course.yaml: {detail}")
        self.detail, self.where = detail, where


@dataclass(frozen=True)
class Assignment:
    """One assignment as the course runs it: its title and its id in the LMS."""
    name: str
    title: str
    lms_id: str = ""
    roster: str = ""  # this assignment's own roster file (Moodle's grading worksheet)


@dataclass(frozen=True)
class Course:
    """What ``course.yaml`` may set, each with a default, so that nothing needs editing
    for ``make grade`` to work. Paths are relative to the course file's folder."""
    title: str = "PyTorch fundamentals"
    language: str = "en"
    lms: str = "none"
    url: str = ""          # the LMS's base URL, for ``publish``
    course_id: str = ""    # the course's id in the LMS (Canvas, Blackboard)
    token: str = field(default="", repr=False)  # better kept in TORCHGRADE_LMS_TOKEN
    submissions: Path = ROOT / "submissions"
    roster: str = ""       # course-wide roster: Canvas or Blackboard gradebook export
    missing: str = "blank"  # what the LMS files give a student with no submission: blank | zero
    isolation: str = "default"  # strict: grade nothing where a sandbox layer cannot be set up
    flagged: str = "score"  # hold: work flagged for review gets 0 in the LMS files until reviewed
    similarity: str = str(SIMILAR)  # pairs of students whose code is this alike, or off
    base_code: tuple = ()  # code every student was given besides the released notebook
    assignments: dict = field(default_factory=lambda: {
        name: Assignment(name, name.replace("_", " ").capitalize()) for name in ASSIGNMENTS})

    @classmethod
    def load(cls, path=ROOT / "course.yaml"):
        """The course in ``path``; defaults when the file does not exist."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            return cls.from_dict(load_yaml(path), path.parent)
        except _Bad as error:
            raise ConfigError(f"{where_in(path, error.where)}: {error.detail}") from None

    @classmethod
    def from_dict(cls, data, base=ROOT):
        if not isinstance(data, dict):
            raise _Bad("it must be a mapping of keys to values, like `title: Deep learning`")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise _Bad(f"unknown key {str(key)!r}; known keys: {', '.join(sorted(known))}",
                           key)
        values = {k: _text(v, k) for k, v in data.items() if k != "assignments"}
        for key, allowed in (("language", LANGUAGES), ("lms", LMS),
                             ("missing", ("blank", "zero")),
                             ("isolation", ("default", "strict")),
                             ("flagged", ("score", "hold"))):
            if key in values and values[key] not in allowed:
                raise _Bad(f"{key} is {values[key]!r}; it must be one of {', '.join(allowed)}",
                           key)
        values["submissions"] = base / values.get("submissions", "submissions")
        values["base_code"] = _base_code(values.get("base_code", ""), base)
        if values.get("similarity", "off") != "off" and not _fraction(values["similarity"]):
            raise _Bad(f"similarity is {values['similarity']!r}; write a number above 0 and "
                       "up to 1, or off", "similarity")
        if values.get("roster"):
            values["roster"] = str(base / values["roster"])
        if "assignments" in data:
            values["assignments"] = _assignments(data["assignments"], base)
        return cls(**values)

    @property
    def similar(self):
        """(threshold, base code files) for the similarity report, or None when it is off."""
        return None if self.similarity == "off" else (float(self.similarity), self.base_code)

    @property
    def secret(self):
        """The LMS token: TORCHGRADE_LMS_TOKEN, else course.yaml's token (never printed)."""
        return os.environ.get("TORCHGRADE_LMS_TOKEN") or self.token

    @property
    def address(self):
        """The LMS's base URL: TORCHGRADE_LMS_URL, else course.yaml's url."""
        return os.environ.get("TORCHGRADE_LMS_URL") or self.url


def _text(value, *where):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Bad(f"{': '.join(map(str, where))} must be a single value, not "
                   f"{type(value).__name__}", *where)
    return str(value)


def _fraction(text):
    try:
        return 0 < float(text) <= 1
    except ValueError:
        return False


def _base_code(text, base):
    """``base_code:`` as paths: comma-separated files (.py, .ipynb) or folders of them."""
    paths = []
    for name in filter(None, (part.strip() for part in text.split(","))):
        path = base / name
        if not path.exists():
            raise _Bad(f"base_code: {name!r} does not exist (paths are relative to the course "
                       "file)", "base_code")
        paths += sorted(p for p in path.rglob("*") if p.suffix in (".py", ".ipynb")) \
            if path.is_dir() else [path]
    return tuple(paths)


def _assignments(data, base):
    """``assignments:`` as a mapping of id to {title, lms_id, roster}, or a list of ids or
    of such mappings with an ``id``."""
    if isinstance(data, list):
        items = {}
        for index, item in enumerate(data):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                items[item["id"]] = {k: v for k, v in item.items() if k != "id"}
            elif isinstance(item, str):
                items[item] = {}
            else:
                raise _Bad("assignments: each item of the list must be an assignment's id, or "
                           "`id: <assignment>` with its title, lms_id and roster", "assignments",
                           index)
        data = items
    if not isinstance(data, dict) or not data:
        raise _Bad(f"assignments must list one or more of {', '.join(ASSIGNMENTS)}",
                   "assignments")
    found = {}
    for name, settings in data.items():
        if name not in ASSIGNMENTS:
            raise _Bad(f"assignments: unknown assignment {str(name)!r}; known: "
                       f"{', '.join(ASSIGNMENTS)}", "assignments", name)
        settings = settings or {}
        if not isinstance(settings, dict):
            raise _Bad(f"assignments: {name} must map keys (title, lms_id, roster) to values",
                       "assignments", name)
        for key in settings:
            if key not in ("title", "lms_id", "roster"):
                raise _Bad(f"assignments: {name}: unknown key {str(key)!r}; known keys: "
                           "lms_id, roster, title", "assignments", name, key)
        values = {k: _text(v, "assignments", name, k) for k, v in settings.items()}
        if values.get("roster"):
            values["roster"] = str(base / values["roster"])
        values.setdefault("title", name.replace("_", " ").capitalize())
        found[name] = Assignment(name, **values)
    return found
