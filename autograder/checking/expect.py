"""What hidden checks are written with: expectations, tolerances.

Failure texts are English templates with ``{name}`` placeholders filled from keyword
arguments, kept as a Message until a report renders (and translates) them.
"""
import math

import pytest
import torch

from ..i18n import N_
from ..records import Message, msg
from ..sandbox.inside.probe import MAX_VALUES
from .source import ELSEWHERE
from .values import Opaque, TensorInfo


class CheckFailed(AssertionError):
    """A check found a mistake; ``message`` (a Message) is the feedback the student reads."""

    def __init__(self, text, **params):
        self.message = text if isinstance(text, Message) else msg(text, **params)
        super().__init__(self.message.text)


def question(qid, points=1):
    """Decorator: this check belongs to question ``qid`` and is worth ``points``."""
    return pytest.mark.question(qid, points=points)


def result_of(function):
    """What a check calls the value ``function`` returned, in its messages."""
    return msg("{function}'s result", function=function)


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
        expect(value.layout == "torch.strided", "{what} should be an ordinary dense tensor, "
               "not a {layout} one.", what=what, layout=value.layout)
        expect(math.prod(value.shape) <= MAX_VALUES, "{what} has {count} elements, far more "
               "than this question needs; check its shape {shape}.", what=what,
               count=math.prod(value.shape), shape=value.shape)
        return value
    kind = value.type if isinstance(value, Opaque) else type(value).__name__
    raise CheckFailed("{what} should be a torch.Tensor, but it is a {kind}.", what=what, kind=kind)


# (rtol, atol) per dtype of the student's result: what correct code in that precision meets
# against a float64 answer key, with room for a different but valid order of operations.
TOLERANCES = {"torch.float16": (1e-3, 1e-4), "torch.bfloat16": (1.6e-2, 1e-4),
              "torch.float32": (1e-5, 1e-6), "torch.float64": (1e-7, 1e-9)}


def expect_parameter(info, name):
    """A trained parameter is returned as the leaf tensor that was created and updated in
    place: not computed from it (``w.squeeze()``), not detached, not a new tensor."""
    expect(info.grad_fn is None, "{name} is not the parameter itself but computed from it "
           "({operation}): return the leaf tensor you created and updated, as it is.",
           name=name, operation=info.grad_fn)
    expect(info.is_leaf and info.requires_grad, "{name} does not require grad after training: "
           "return the tensor you created with requires_grad=True itself, not .detach() of it, "
           "nor a new tensor from an update like {name} = {name} - lr * {name}.grad (update it "
           "in place under torch.no_grad()).", name=name)


def is_close(actual, expected, rtol, atol):
    """Every |actual - expected| <= atol·s + rtol·|expected| (torch.testing.assert_close's
    rule, compared in float64), where s = max(1, largest |expected|): rounding in a
    difference of large terms is an absolute error of the terms' size, so an element near
    zero among large ones must not fail correct code by chance."""
    a, b = actual.double(), expected.double()
    if a.shape != b.shape:
        return False
    scale = max(1.0, b.abs().max().item()) if b.numel() else 1.0
    return bool(((a - b).abs() <= atol * scale + rtol * b.abs()).all())


def relative_error(mine, reference):
    """CS231n's check of a hand-derived gradient, over the whole tensor (an element near zero
    cannot make float32 rounding look like a mistake): max|a − b| / (max|a| + max|b|)."""
    mine, reference = mine.double(), reference.double()
    scale = max(1e-8, mine.abs().max().item() + reference.abs().max().item())
    return (mine - reference).abs().max().item() / scale


def expect_close(info, expected, what, rtol=None, atol=None, call=None):
    """Values (not only shape) must match ``expected``; the tolerance follows the result's
    dtype (TOLERANCES) unless given. A mismatch names the first wrong element (for ``call``,
    the call that made it, when given) and how all the values relate to the right ones,
    where one simple relation holds."""
    expect(info.data is not None, "{what} has no values (is it on the meta device?).", what=what)
    expect(tuple(info.shape) == tuple(expected.shape),
           "{what} should have shape {expected}, but has {actual}.", what=what,
           expected=tuple(expected.shape), actual=tuple(info.shape))
    expect(bool(torch.isfinite(info.data).all()) or not bool(torch.isfinite(expected).all()),
           "{what} contains NaN or infinity.", what=what)
    expect_values(info, expected, "{what} has the right shape but wrong values: {example}.",
                  call, rtol, atol, what=what)


def expect_values(info, expected, text, call=None, rtol=None, atol=None, **params):
    """``info`` must hold ``expected``'s values within the tolerance of its dtype (matches);
    else ``text`` fails the check, its ``{example}`` the first wrong element (example)."""
    if info.data is None:
        raise CheckFailed(text, example=msg("the result has no values"), **params)
    rtol, atol = _tolerance(info, rtol, atol)
    if not is_close(info.data, expected, rtol, atol):
        raise CheckFailed(text, example=example(info.data, expected, call, rtol, atol),
                          **params)


def _tolerance(info, rtol, atol):
    default = TOLERANCES.get(info.dtype, (0.0, 0.0))
    return default[0] if rtol is None else rtol, default[1] if atol is None else atol


# (a call given, an index to show): the template naming the first wrong element
EXAMPLES = {(True, True): N_("for {call}, the value at {index} is {actual}, not {expected}"),
            (True, False): N_("for {call}, it is {actual}, not {expected}"),
            (False, True): N_("the value at {index} is {actual}, not {expected}"),
            (False, False): N_("it is {actual}, not {expected}")}


def example(actual, expected, call=None, rtol=1e-5, atol=1e-6):
    """The first element of ``actual`` off ``expected`` by more than is_close allows (else
    the farthest), and the relation all its values have to the right ones (where one holds),
    as a Message for the ``example`` of a failure text (scoring.once ignores it)."""
    a, b = actual.double().flatten(), expected.double().flatten()
    scale = max(1.0, b.abs().max().item()) if b.numel() else 1.0
    off = ~((a - b).abs() <= atol * scale + rtol * b.abs())  # NaN too
    wrong = int(off.nonzero()[0]) if off.any() else int((a - b).abs().argmax())
    values = {"actual": f"{a[wrong].item():.6g}", "expected": f"{b[wrong].item():.6g}"}
    if expected.dim():
        index = [int(i) for i in torch.unravel_index(torch.tensor(wrong), expected.shape)]
        values["index"] = str(index)
    if call:
        values["call"] = call
    first = msg(EXAMPLES[bool(call), "index" in values], **values)
    relation = _relation(a, b, rtol, atol) if a.numel() > 1 else None
    return msg("{example} ({relation})", example=first, relation=relation) if relation \
        else first


def _relation(a, b, rtol, atol):
    """What every value of ``a`` has in common against the right values ``b``, or None."""
    if is_close(a.sort().values, b.sort().values, rtol, atol):
        return msg("the right values are all there, but in the wrong places")
    if is_close(a, -b, rtol, atol):
        return msg("every value has the wrong sign")
    norm = (b * b).sum().item()
    factor = (a * b).sum().item() / norm if norm else 0.0
    if norm and abs(factor) > 1e-12 and is_close(a, factor * b, rtol, atol):
        return msg("every value is {factor} times the right one", factor=f"{factor:.4g}")
    offset = (a - b).mean().item()
    if is_close(a, b + offset, rtol, atol):
        return msg("every value is off by the same amount, {offset}", offset=f"{offset:+.4g}")
    return None


def matches(info, expected, rtol=None, atol=None):
    """Whether a returned tensor's values equal ``expected`` within the tolerance of its
    dtype (TOLERANCES) or the one given."""
    if info.data is None:
        return False
    return is_close(info.data, expected, *_tolerance(info, rtol, atol))


def expect_float_losses(losses, steps):
    """The recorded ``losses`` must be a list of ``steps`` Python floats."""
    expect(isinstance(losses, list) and len(losses) == steps,
           "losses should be a list with one entry per step ({steps}).", steps=steps)
    expect(all(type(loss) is float for loss in losses), "losses should hold Python floats "
           "(loss.item()), not tensors: each tensor keeps its step's autograd graph alive.")


def expect_trajectory(losses, reference, text):
    """The recorded ``losses`` must follow ``reference`` step by step (departure); ``text``
    says how to fix it, with {step}, {mine} and {theirs} filled from the first step off."""
    step = departure(losses, reference)
    if step is not None:
        raise CheckFailed(text, step=step, mine=losses[step], theirs=reference[step])


def follows(losses, reference):
    """Whether ``losses`` (numbers, or one-element tensors) are as many as ``reference``
    holds and on its trajectory."""
    if not isinstance(losses, (list, tuple)) or len(losses) != len(reference):
        return False
    values = [loss.data.reshape(()).item() if isinstance(loss, TensorInfo) and loss.data
              is not None and loss.data.numel() == 1 else loss for loss in losses]
    return (all(type(value) in (int, float) for value in values)
            and departure(values, reference) is None)


def departure(losses, reference, rtol=1e-4):
    """The first step where recorded ``losses`` leave the ``reference`` trajectory (beyond
    ``rtol`` of the larger of 1 and the reference's loss), or None when they follow it."""
    return next((step for step, (a, b) in enumerate(zip(losses, reference))
                 if not abs(a - b) <= rtol * max(1.0, abs(b))), None)


def holds(info, values):
    """Whether the returned tensor ``info`` holds ``values`` (in any shape of as many elements)
    within the tolerance of its dtype."""
    return values is not None and info.data is not None and \
        info.data.numel() == values.numel() and matches(info, values.reshape(info.shape))


def diagnose(info, right, slips, generic, **params):
    """None when the returned tensor ``info`` holds ``right``; else the Message of the first
    of ``slips`` it holds (pairs of a function making the wrong values from the right ones,
    or None where it does not apply, and the text to say), or of ``generic``."""
    if holds(info, right):
        return None
    return next((msg(text, **params) for make, text in slips if holds(info, make(right))),
                msg(generic, **params))


def expect_by_hand(student, function, forbidden, text, methods=(), **params):
    """``function``'s code, read from the notebook (never run), must reach none of the
    qualified names under ``forbidden`` nor call one of ``methods``; ``text`` says why.
    It must also be code the checks can follow (expect_observable)."""
    found = student.code(function).first(forbidden, methods)
    if found:
        raise CheckFailed("{problem} Your code uses {name}.", problem=msg(text, **params),
                          name=found)
    expect_observable(student, function)


def expect_observable(student, function):
    """``function``'s code must name what it calls (no ``exec``, computed ``getattr``...) and
    do its work itself, not on another thread or process."""
    code = student.code(function)
    expect(not code.dynamic, "{function} uses {what}, which decides only while running what "
           "it calls, so the checks cannot see what your code does. Write the calls out "
           "plainly.", function=function, what=code.dynamic[0] if code.dynamic else "")
    elsewhere = code.first(ELSEWHERE)
    expect(not elsewhere, "{function} uses {name}, which runs code on another thread or "
           "process, where the checks cannot see what it does. Do the work in the function "
           "itself.", function=function, name=elsewhere)


def expect_uses(student, function, required, text, methods=(), **params):
    """``function``'s code, read from the notebook, must reach one of the qualified names
    under ``required`` or call one of ``methods``."""
    expect(student.code(function).first(required, methods), text, **params)
