"""Hidden checks for assignment 3, manual_backward (autograd is the answer key here)."""
import pytest
import torch

from autograder.checking import expect, expect_close, expect_tensor, matches, msg, question, tensor


def autograd_grad(W, x, target):
    W = W.double().requires_grad_(True)
    ((W * x.double() - target.double()) ** 2).sum().backward()
    return W.grad


def case(name, rng):
    """(W, x, target) for a named case; random ones are drawn from the check's generator."""
    if name == "worked example":
        return torch.tensor(2.0), torch.tensor(3.0), torch.tensor(12.0)
    shape, scale = {"vector": ((5,), 1), "matrix": ((3, 4), 5)}[name]
    return (torch.randn(shape, generator=rng), torch.randn(shape, generator=rng),
            torch.randn(shape, generator=rng) * scale)


CASES = ["worked example", "vector", "matrix"]


@question("manual_grad", points=2)
@pytest.mark.parametrize("name", CASES)
def test_manual_grad_matches_autograd(student, device, rng, name):
    W, x, target = case(name, rng)
    reply = student.run("manual_grad", [tensor(t, device=device) for t in (W, x, target)])
    result = expect_tensor(reply.value, "manual_grad's result")
    expected = autograd_grad(W, x, target)
    expect(result.shape == tuple(W.shape), "manual_grad should return a tensor shaped like W "
           "{expected}, not {actual}.", expected=tuple(W.shape), actual=result.shape)
    expect(matches(result, expected),
           "manual_grad gives the wrong gradient: for L = (W·x − target)² it is "
           "2·(W·x − target)·x (check the factor 2, the sign and the factor x).")


@question("manual_grad", points=1)
def test_manual_grad_does_not_use_autograd(student, rng):
    W, x, target = case("vector", rng)
    reply = student.run("manual_grad", [tensor(t) for t in (W, x, target)])
    expect(reply.usage.get("backward", 0) == 0 and reply.usage.get("forward_ad", 0) == 0,
           "manual_grad called autograd (backward(), torch.autograd.grad, torch.func or "
           "forward-mode AD). Here the point is to use the formula you derived by hand.")
    result = expect_tensor(reply.value, "manual_grad's result")
    expect(not result.requires_grad, "manual_grad's result is attached to an autograd graph; "
           "compute it from the formula alone, without requires_grad.")


@question("manual_grad", points=1)
def test_manual_grad_leaves_inputs_and_types_alone(student, rng):
    W, x, target = (t.double() for t in case("matrix", rng))
    reply = student.run("manual_grad", [tensor(t) for t in (W, x, target)])
    for name, before, after in zip(("W", "x", "target"), (W, x, target), reply.args):
        expect_close(after, before, msg("{name} after manual_grad (do not change the inputs, "
                     "e.g. with -= or in-place methods)", name=name), rtol=0, atol=0)
    result = expect_tensor(reply.value, "manual_grad's result")
    expect(result.dtype == "torch.float64", "manual_grad changed the dtype: float64 inputs "
           "should give a float64 gradient.")
    meta = student.run("manual_grad", [tensor(t, device="meta") for t in (W, x, target)])
    expect(expect_tensor(meta.value, "manual_grad's result").device == "meta",
           "manual_grad moved the result to another device; keep the inputs' device.")


def linear_reference(w, b, x, y):
    w, b = w.double().requires_grad_(True), b.double().requires_grad_(True)
    ((w * x.double() + b - y.double()) ** 2).mean().backward()
    return w.grad, b.grad


def line(index, rng):
    """(w, b, x, y) for one of three fits; the points are drawn from the check's generator."""
    if index == 0:
        return (torch.tensor(0.5), torch.tensor(-1.0), torch.randn(10, generator=rng),
                torch.randn(10, generator=rng))
    if index == 1:
        return (torch.tensor(2.0), torch.tensor(3.0), torch.linspace(-1, 1, 7),
                torch.randn(7, generator=rng) * 3)
    return torch.tensor(-1.0), torch.tensor(0.5), torch.tensor([2.0]), torch.tensor([1.0])


@question("linear_grads", points=2)
@pytest.mark.parametrize("index", [0, 1, 2])
def test_linear_grads_match_autograd(student, device, rng, index):
    w, b, x, y = line(index, rng)
    reply = student.run("linear_grads", [tensor(t, device=device) for t in (w, b, x, y)])
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 2,
           "linear_grads should return a tuple (dL/dw, dL/db).")
    dw, db = (expect_tensor(v, name) for v, name in zip(reply.value, ("dL/dw", "dL/db")))
    ref_w, ref_b = linear_reference(w, b, x, y)
    expect(dw.data is not None and dw.data.numel() == 1 and matches(dw, ref_w.reshape(dw.shape)),
           "dL/dw is wrong: it is the mean of 2·(w·x + b − y)·x over the points.")
    expect(db.data is not None and db.data.numel() == 1 and matches(db, ref_b.reshape(db.shape)),
           "dL/db is wrong: it is the mean of 2·(w·x + b − y) over the points.")


@question("linear_grads", points=1)
def test_linear_grads_do_not_use_autograd(student, rng):
    w, b, x, y = line(0, rng)
    reply = student.run("linear_grads", [tensor(t) for t in (w, b, x, y)])
    expect(reply.usage.get("backward", 0) == 0 and reply.usage.get("forward_ad", 0) == 0,
           "linear_grads called autograd (backward(), torch.func or forward-mode AD); derive "
           "the gradients by hand and compute them from the formulas.")
    expect(isinstance(reply.value, (tuple, list)) and not any(
        getattr(v, "requires_grad", False) for v in reply.value), "linear_grads' results are "
        "attached to an autograd graph; compute them from the formulas alone, without "
        "requires_grad.")


@question("linear_grads", points=1)
def test_linear_grads_leaves_its_inputs_alone(student, rng):
    w, b, x, y = line(1, rng)
    reply = student.run("linear_grads", [tensor(t) for t in (w, b, x, y)])
    for name, before, after in zip(("w", "b", "x", "y"), (w, b, x, y), reply.args):
        expect_close(after, before, msg("{name} after linear_grads (do not change the inputs, "
                     "e.g. with -= or in-place methods)", name=name), rtol=0, atol=0)
        expect(not after.requires_grad, "linear_grads turned on requires_grad on the caller's "
               "{name}; derive the gradients by hand instead.", name=name)
