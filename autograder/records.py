"""The typed records every layer shares: statuses, student-visible messages, and what a
graded submission leaves behind. Plain dataclasses that round-trip through JSON.
"""
import enum
from dataclasses import asdict, dataclass, field
from pathlib import Path


class Status(str, enum.Enum):
    """Why a submission ended as it did; ``graded`` when everything could run."""
    GRADED = "graded"
    SYNTAX_ERROR = "syntax-error"     # a cell did not compile; the rest still graded
    TIMEOUT = "timeout"               # some code ran past its limit; the rest still graded
    CRASHED = "crashed"               # the notebook's process died; the rest still graded
    INVALID_NOTEBOOK = "invalid-notebook"
    EMPTY_NOTEBOOK = "empty-notebook"
    WRONG_KERNEL = "wrong-kernel"
    UNREADABLE = "unreadable"
    INTERNAL_ERROR = "internal-error"  # the grader itself failed; tell the maintainers

    def __str__(self):
        return self.value


# When several problems occur, the status names the most serious.
PROBLEM_ORDER = (Status.CRASHED, Status.TIMEOUT, Status.SYNTAX_ERROR)


@dataclass(frozen=True)
class Message:
    """A sentence a student reads, kept as data: an English template (also its catalog id)
    with ``{name}`` placeholders, and the values that fill them.

    Values are numbers, strings or nested Messages; anything else is stored as its str().
    Rendering (reports.render) translates, formats and escapes at report time.
    """
    text: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "params", {k: _param(v) for k, v in self.params.items()})

    def to_dict(self):
        return asdict(self)

    def kind(self):
        """The mistake this says, whatever fills it: its template and those of the prose in
        it, less the ``example`` (one case of the mistake)."""
        return self.text, tuple(sorted((name, value.kind()) for name, value in
                                       self.params.items()
                                       if isinstance(value, Message) and name != "example"))

    @classmethod
    def from_dict(cls, data):
        return cls(data["text"], {k: cls.from_dict(v) if isinstance(v, dict) else v
                                  for k, v in data["params"].items()})


def _param(value):
    if value is None or isinstance(value, (Message, bool, int, float, str)):
        return value
    return str(value)


def msg(text, **params):
    """Shorthand: ``msg("{name} is wrong", name=x)``."""
    return Message(text, params)


# What a check says when a function was not written, not kept or never finished, rather
# than how it is wrong: checking raises these words, and the class report counts them
# apart from the mistakes it ranks.
NOT_IMPLEMENTED = msg("{function} is not implemented yet: replace `raise "
                      "NotImplementedError` with your code.")
NOT_DEFINED = msg("{function} is not defined. Keep the cell that defines it, with its name "
                  "unchanged, and make sure it runs without errors.")
TOO_SLOW = msg("{call} did not finish within {seconds:g} seconds. Look for a loop that never "
               "ends.")
NOT_ATTEMPTED = frozenset(m.text for m in (NOT_IMPLEMENTED, NOT_DEFINED, TOO_SLOW))


def not_attempted(message):
    """Whether ``message`` says, or holds a message that says, one of NOT_ATTEMPTED."""
    return message.text in NOT_ATTEMPTED or any(
        isinstance(value, Message) and not_attempted(value) for value in message.params.values())


def place(message):
    """The (code cell number, line) a message points at, as ``key`` of ``Record.code``, or
    None: the first ``cell`` and ``line`` numbers found in it or its nested messages."""
    if type(message.params.get("cell")) is int and type(message.params.get("line")) is int:
        return f"{message.params['cell']}:{message.params['line']}"
    return next((found for value in message.params.values() if isinstance(value, Message)
                 for found in [place(value)] if found), None)


@dataclass
class Identity:
    """Who handed a submission in, as their LMS records it."""
    name: str = ""          # display name ("" when only the id is known)
    lms: str = ""           # the LMS it was downloaded from ("" for a plain folder)
    user_id: str = ""       # the LMS's id for the student (Canvas user id, Moodle
                            # participant id, Blackboard username, Gradescope submitter)
    late: bool = False      # the LMS marked it late
    attempt: str = ""       # the attempt graded (Blackboard's timestamp, Canvas's upload)
    ignored: list = field(default_factory=list)  # other attempts or files, not graded


@dataclass
class Submission:
    """One student's submitted file, and the key that decides whether to regrade it."""
    student: str
    path: Path
    key: str = ""
    seed: int = 0  # what the checks' random inputs derive from: per assignment and student
    identity: Identity = field(default_factory=Identity)
    beside: dict = field(default_factory=dict)  # Python files handed in with it: name -> path


@dataclass
class CheckOutcome:
    """One run of one hidden check (one parametrized case on one device)."""
    question: str
    check: str
    points: float
    passed: bool
    message: Message = None

    @classmethod
    def from_dict(cls, data):
        message = data.get("message")
        return cls(**{**data, "message": Message.from_dict(message) if message else None})


@dataclass
class Outcome:
    """What grading one notebook produced, before scoring."""
    status: Status
    detail: Message = None
    checks: list = field(default_factory=list)   # [CheckOutcome]
    notes: list = field(default_factory=list)    # [Message]: cells that failed or were skipped
    isolation: list = field(default_factory=list)  # [Layer dicts] active in its sandbox
    seconds: float = 0.0
    curves: dict = field(default_factory=dict)  # {question: {"student", "reference": [float]}}
    slowest: float = 0.0  # seconds of the slowest cell or call of student code
    code: dict = field(default_factory=dict)  # {place: {"first": line, "lines": [str]}}
    flags: list = field(default_factory=list)  # [Message]: lines flagged for review

    def to_dict(self):
        return asdict(self)  # statuses are str, so they serialize as their values

    @classmethod
    def from_dict(cls, data):
        return cls(Status(data["status"]), _message(data.get("detail")),
                   [CheckOutcome.from_dict(c) for c in data["checks"]],
                   [Message.from_dict(n) for n in data["notes"]], data.get("isolation", []),
                   data.get("seconds", 0.0), data.get("curves", {}), data.get("slowest", 0.0),
                   data.get("code", {}), [Message.from_dict(f) for f in data.get("flags", [])])


@dataclass
class QuestionResult:
    score: float
    max_score: float
    passed: list = field(default_factory=list)  # names of checks passed in full
    failed: list = field(default_factory=list)  # [Message], each distinct failure once

    @property
    def full(self):
        return self.score >= self.max_score

    @classmethod
    def from_dict(cls, data):
        return cls(data["score"], data["max_score"], data["passed"],
                   [Message.from_dict(m) for m in data["failed"]])


@dataclass
class Record:
    """A graded submission: what the store keeps and every report reads."""
    student: str
    assignment: str
    path: str
    status: Status
    detail: Message
    score: float
    max_score: float
    questions: dict  # {question id: QuestionResult}, in the checks' order
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    isolation: list = field(default_factory=list)
    seed: int = 0  # replays the same inputs for an appeal
    identity: Identity = field(default_factory=Identity)
    curves: dict = field(default_factory=dict)  # recorded losses beside the reference's
    code: dict = field(default_factory=dict)  # the student's lines around each place named
    flags: list = field(default_factory=list)  # [Message]: lines flagged for review (flags.py)
    beside: dict = field(default_factory=dict)  # Python files handed in with it: name -> path

    def to_dict(self):
        return asdict(self)  # statuses are str, so they serialize as their values

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "status": Status(data["status"]),
                      "detail": _message(data["detail"]),
                      "questions": {q: QuestionResult.from_dict(e)
                                    for q, e in data["questions"].items()},
                      "notes": [Message.from_dict(n) for n in data["notes"]],
                      "flags": [Message.from_dict(f) for f in data.get("flags", [])],
                      "identity": Identity(**data["identity"])})


def _message(data):
    return Message.from_dict(data) if data else None
