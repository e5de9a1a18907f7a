"""What hidden checks are written with: expectations, tolerances, argument specs."""
import pytest
import torch

from .student import Opaque, TensorInfo, ref, tensor  # noqa: F401  (re-exported for checks)


class CheckFailed(AssertionError):
    """A check found a mistake; the message is the feedback the student reads."""


def question(qid, points=1):
    """Decorator: this check belongs to question ``qid`` and is worth ``points``."""
    return pytest.mark.question(qid, points=points)


def expect(condition, message):
    """Fail the check with ``message`` (a hint for a beginner) unless condition holds."""
    if not condition:
        raise CheckFailed(message)


def expect_tensor(value, what):
    """The value must be a plain torch.Tensor; returns its TensorInfo."""
    if isinstance(value, TensorInfo):
        expect(value.type == "Tensor", f"{what} should be a plain torch.Tensor, "
               f"not a {value.type}.")
        return value
    kind = value.type if isinstance(value, Opaque) else type(value).__name__
    raise CheckFailed(f"{what} should be a torch.Tensor, but it is a {kind}.")


def relative_error(actual, expected):
    """Largest CS231n relative error |a-b| / max(1e-8, |a|+|b|), in float64."""
    a, b = actual.double(), expected.double()
    return ((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).max().item()


def expect_close(info, expected, what, tolerance=1e-4):
    """Values (not only shape) must match ``expected`` within a relative tolerance."""
    expect(info.data is not None, f"{what} has no values (is it on the meta device?).")
    expect(tuple(info.shape) == tuple(expected.shape),
           f"{what} should have shape {tuple(expected.shape)}, but has {tuple(info.shape)}.")
    expect(bool(torch.isfinite(info.data).all()), f"{what} contains NaN or infinity.")
    if expected.numel():
        expect(relative_error(info.data, expected) < tolerance,
               f"{what} has the right shape but wrong values.")
