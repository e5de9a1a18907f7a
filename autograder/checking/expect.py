"""What hidden checks are written with: expectations, tolerances.

Failure texts are English templates with ``{name}`` placeholders filled from keyword
arguments, kept as a Message until a report renders (and translates) them.
"""
import pytest
import torch

from ..records import Message, msg
from .student import Opaque, TensorInfo


class CheckFailed(AssertionError):
    """A check found a mistake; ``message`` (a Message) is the feedback the student reads."""

    def __init__(self, text, **params):
        self.message = text if isinstance(text, Message) else msg(text, **params)
        super().__init__(self.message.text)


def question(qid, points=1):
    """Decorator: this check belongs to question ``qid`` and is worth ``points``."""
    return pytest.mark.question(qid, points=points)


def expect(condition, text, **params):
    """Fail the check with the message ``text.format(**params)`` (a hint for a beginner)
    unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(text, **params)


def expect_tensor(value, what):
    """The value must be a plain torch.Tensor; returns its TensorInfo. ``what`` names it."""
    if isinstance(value, TensorInfo):
        expect(value.type == "Tensor", "{what} should be a plain torch.Tensor, not a {kind}.",
               what=what, kind=value.type)
        return value
    kind = value.type if isinstance(value, Opaque) else type(value).__name__
    raise CheckFailed("{what} should be a torch.Tensor, but it is a {kind}.", what=what, kind=kind)


def relative_error(actual, expected):
    """Largest CS231n relative error |a-b| / max(1e-8, |a|+|b|), in float64."""
    a, b = actual.double(), expected.double()
    return ((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).max().item()


def expect_close(info, expected, what, tolerance=1e-4):
    """Values (not only shape) must match ``expected`` within a relative tolerance."""
    expect(info.data is not None, "{what} has no values (is it on the meta device?).", what=what)
    expect(tuple(info.shape) == tuple(expected.shape),
           "{what} should have shape {expected}, but has {actual}.", what=what,
           expected=tuple(expected.shape), actual=tuple(info.shape))
    expect(bool(torch.isfinite(info.data).all()), "{what} contains NaN or infinity.", what=what)
    if expected.numel():
        expect(relative_error(info.data, expected) < tolerance,
               "{what} has the right shape but wrong values.", what=what)
