"""Configuration in one place: the limits a submission runs under and the course settings.

``Limits`` are part of every regrade key; ``Course`` holds what ``course.yaml`` may set,
each with a default so that nothing needs editing for ``make grade`` to work.
"""
from dataclasses import asdict, dataclass
from pathlib import Path

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

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class Course:
    """Course-wide settings, each with a default (``course.yaml`` will override them)."""
    assignments: tuple = ("tensor_shapes", "requires_grad", "manual_backward",
                          "no_grad_update", "char_model")
