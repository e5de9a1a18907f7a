"""Hidden checks for assignment 3, manual_backward (autograd is the answer key here)."""
import pytest
import torch
import torch.nn.functional as F

from autograder.checking import (AUTOGRAD, AUTOGRAD_METHODS, N_, CheckFailed, TensorInfo,
                                 diagnose, dry_run, example, expect, expect_by_hand,
                                 expect_close, expect_tensor, expect_values, holds, msg,
                                 question, relative_error, result_of, tensor)


def autograd(loss, *tensors):
    """torch as the answer key: the gradients of ``loss`` at ``tensors``, in float64."""
    leaves = [t.double().requires_grad_(True) for t in tensors]
    loss(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def case(name, rng):
    """(W, x, target) for a named case; random ones are drawn from the check's generator."""
    if name == "worked example":
        return torch.tensor(2.0), torch.tensor(3.0), torch.tensor(12.0)
    shape, scale = {"vector": ((5,), 1), "matrix": ((3, 4), 5)}[name]
    return tuple(torch.randn(shape, generator=rng) * factor for factor in (1, 1, scale))


CASES = ["worked example", "vector", "matrix"]


@question("manual_grad", points=2)
@pytest.mark.parametrize("name", CASES)
def test_manual_grad_matches_autograd(student, device, rng, name):
    """`manual_grad` gives the gradient autograd gives."""
    W, x, target = case(name, rng)
    reply = student.run("manual_grad", [tensor(t, device=device) for t in (W, x, target)])
    result = expect_tensor(reply.value, result_of("manual_grad"))
    expected = autograd(lambda W: ((W * x.double() - target.double()) ** 2).sum(), W)[0]
    expect(result.shape == tuple(W.shape), "manual_grad should return a tensor shaped like W "
           "{expected}, not {actual}.", expected=tuple(W.shape), actual=result.shape)
    expect_values(result, expected, "manual_grad gives the wrong gradient: {example}. For "
                  "L = (W·x − target)² it is 2·(W·x − target)·x (check the factor 2, the sign "
                  "and the factor x).", reply.call)


@question("manual_grad", points=1)
def test_manual_grad_does_not_use_autograd(student, rng):
    """`manual_grad` computes the gradient without autograd."""
    W, x, target = case("vector", rng)
    reply = student.run("manual_grad", [tensor(t) for t in (W, x, target)])
    text = N_("manual_grad called autograd (backward(), torch.autograd.grad, torch.func or "
              "forward-mode AD). Here the point is to use the formula you derived by hand.")
    expect_by_hand(student, "manual_grad", AUTOGRAD, text, methods=AUTOGRAD_METHODS)
    expect(reply.usage.get("backward", 0) == 0 and reply.usage.get("forward_ad", 0) == 0, text)
    result = expect_tensor(reply.value, result_of("manual_grad"))
    expect(not result.requires_grad and reply.usage.get("graph", 0) == 0,
           "manual_grad's result is attached to an autograd graph; "
           "compute it from the formula alone, without requires_grad.")


@question("manual_grad", points=1)
def test_manual_grad_leaves_inputs_and_types_alone(student, rng):
    """`manual_grad` leaves its inputs and their dtypes unchanged."""
    W, x, target = (t.double() for t in case("matrix", rng))
    reply = student.run("manual_grad", [tensor(t) for t in (W, x, target)])
    for name, before, after in zip(("W", "x", "target"), (W, x, target), reply.args):
        expect_close(after, before, msg("{name} after manual_grad (do not change the inputs, "
                     "e.g. with -= or in-place methods)", name=name), rtol=0, atol=0,
                     call=reply.call)
    result = expect_tensor(reply.value, result_of("manual_grad"))
    expect(result.dtype == "torch.float64", "manual_grad changed the dtype: float64 inputs "
           "should give a float64 gradient.")
    meta = dry_run(student, "manual_grad", [tensor(t, device="meta") for t in (W, x, target)])
    expect(meta is None or expect_tensor(meta.value, result_of("manual_grad")).device == "meta",
           "manual_grad moved the result to another device; keep the inputs' device.")


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
    """`linear_grads` gives the gradients autograd gives."""
    w, b, x, y = line(index, rng)
    reply = student.run("linear_grads", [tensor(t, device=device) for t in (w, b, x, y)])
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 2,
           "linear_grads should return a tuple (dL/dw, dL/db).")
    dw, db = (expect_tensor(v, name) for v, name in zip(reply.value, ("dL/dw", "dL/db")))
    ref_w, ref_b = autograd(lambda w, b: ((w * x.double() + b - y.double()) ** 2).mean(), w, b)
    expect(not (holds(dw, ref_b) and holds(db, ref_w)) or holds(dw, ref_w), "linear_grads "
           "returns the two gradients swapped: return (dL/dw, dL/db), in that order.")
    slips = ((lambda right: right * len(x) if len(x) > 1 else None, N_(
                 "{name} is n times too large: L is the mean over the n points, so divide the "
                 "sum by n (or use .mean()).")),
             (lambda right: right / 2, N_("{name} is half of what it should be: the derivative "
                                          "of a square brings a factor 2.")),
             (lambda right: -right, N_("{name} has the wrong sign: differentiate (w·x + b − "
                                       "y)², whose inner derivative is x for w and 1 for b.")))
    generic = {"dL/dw": N_("{name} is wrong: differentiate one point's squared error with the "
               "chain rule (check the factor 2 and the inner derivative x), then average over "
               "the points."), "dL/db": N_("{name} is wrong: differentiate one point's squared "
               "error with respect to b (check the factor 2), then average over the points.")}
    wrong = [m for m in (
        msg("{name} should be one number (a scalar tensor, like w and b), not one per point: "
            "average the points' gradients (.mean()).", name=name)
        if info.shape not in ((), (1,)) else diagnose(info, right, slips, generic[name], name=name)
        for info, right, name in ((dw, ref_w, "dL/dw"), (db, ref_b, "dL/db"))) if m]
    if wrong:
        raise CheckFailed(wrong[0] if len(wrong) == 1 else msg(
            "Both gradients are wrong. {dw} {db}", dw=wrong[0], db=wrong[1]))


@question("linear_grads", points=1)
def test_linear_grads_do_not_use_autograd(student, rng):
    """`linear_grads` computes the gradients without autograd."""
    no_autograd(student, student.run("linear_grads", [tensor(t) for t in line(0, rng)]),
                "linear_grads")


@question("linear_grads", points=1)
def test_linear_grads_leaves_its_inputs_alone(student, rng):
    """`linear_grads` leaves its inputs unchanged."""
    w, b, x, y = line(1, rng)
    reply = student.run("linear_grads", [tensor(t) for t in (w, b, x, y)])
    for name, before, after in zip(("w", "b", "x", "y"), (w, b, x, y), reply.args):
        expect_close(after, before, msg("{name} after linear_grads (do not change the inputs, "
                     "e.g. with -= or in-place methods)", name=name), rtol=0, atol=0,
                     call=reply.call)
        expect(not after.requires_grad, "linear_grads turned on requires_grad on the caller's "
               "{name}; derive the gradients by hand instead.", name=name)


def no_autograd(student, reply, name):
    text = N_("{name} called autograd (backward(), torch.autograd.grad, torch.func or "
              "forward-mode AD); derive the gradient by hand and compute it from your formula.")
    expect_by_hand(student, name, AUTOGRAD, text, methods=AUTOGRAD_METHODS, name=name)
    expect(reply.usage.get("backward", 0) == 0 and reply.usage.get("forward_ad", 0) == 0, text,
           name=name)
    results = reply.value if isinstance(reply.value, (tuple, list)) else [reply.value]
    attached = any(isinstance(result, TensorInfo) and result.requires_grad  # not a tensor:
                   for result in results)  # the values check says so, once
    expect(not attached, "{name}'s result is attached to an autograd graph; compute it from "
           "your formula alone, without requires_grad.", name=name)


MEAN_CASES = {"the course's example": lambda rng: torch.tensor([[1.0, 2.0, 3.0], [3.0, 2, 1]]),
              "a single number": lambda rng: torch.randn((), generator=rng),
              "a 3-d tensor": lambda rng: torch.randn(2, 3, 4, generator=rng)}


@question("mean_grad", points=2)
@pytest.mark.parametrize("name", MEAN_CASES)
def test_mean_grad_matches_autograd(student, device, rng, name):
    """`mean_grad` gives the gradient autograd gives."""
    x = MEAN_CASES[name](rng)
    reply = student.run("mean_grad", [tensor(x, device=device)])
    result = expect_tensor(reply.value, result_of("mean_grad"))
    expect(result.shape == tuple(x.shape), "mean_grad should return a tensor shaped like x "
           "{expected}, not {actual}.", expected=tuple(x.shape), actual=result.shape)
    expected = autograd(lambda x: (2 * (3 * x + 2) ** 2).mean(), x)[0]
    expect(result.data is not None, "mean_grad's result has no values.")
    expect(relative_error(result.data, expected) < 1e-5, "mean_grad is wrong: {example}. "
           "Chain the three steps one at a time (dz/dy comes from z = 2y², dy/dx = 3) and do "
           "not forget the 1/n of the mean over all n elements.",
           example=example(result.data, expected, reply.call))


@question("mean_grad", points=1)
def test_mean_grad_does_not_use_autograd(student, rng):
    """`mean_grad` computes the gradient without autograd."""
    no_autograd(student, student.run("mean_grad", [tensor(torch.randn(4, generator=rng))]),
                "mean_grad")


@question("mean_grad", points=1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_mean_grad_leaves_x_and_its_type_alone(student, rng, dtype):
    """`mean_grad` leaves `x` and its dtype unchanged."""
    x = torch.randn(3, 2, generator=rng, dtype=dtype)
    reply = student.run("mean_grad", [tensor(x)])
    expect_close(reply.args[0], x, msg("x after mean_grad (do not change the input)"),
                 rtol=0, atol=0, call=reply.call)
    got = expect_tensor(reply.value, result_of("mean_grad")).dtype
    expect(got == str(dtype), "mean_grad changed the dtype: a {dtype} x should give a {dtype} "
           "gradient, not {got}.", dtype=str(dtype)[6:], got=got.removeprefix("torch."))
    meta = dry_run(student, "mean_grad", [tensor(x, device="meta")])
    expect(meta is None or expect_tensor(meta.value, result_of("mean_grad")).device == "meta",
           "mean_grad moved the result to another device; keep x's device.")


def bigram_case(name, rng):
    """(W, xs, ys): pairs that repeat characters, one pair, and a larger vocabulary."""
    V, n = {"repeated characters": (4, 9), "one pair": (3, 1), "27 characters": (27, 40)}[name]
    xs = torch.randint(0, V, (n,), generator=rng)
    if name == "repeated characters":
        xs = torch.tensor([0, 1, 1, 1, 2, 0, 1, 3, 1])
    return (torch.randn(V, V, generator=rng, dtype=torch.float64) * 2, xs,
            torch.randint(0, V, (n,), generator=rng))


@question("bigram_grad", points=3)
@pytest.mark.parametrize("name", [N_("repeated characters"), N_("one pair"), N_("27 characters")])
def test_bigram_grad_matches_autograd(student, device, rng, name):
    """`bigram_grad` gives the gradient autograd gives."""
    W, xs, ys = bigram_case(name, rng)
    reply = student.run("bigram_grad", [tensor(t, device=device) for t in (W, xs, ys)])
    result = expect_tensor(reply.value, result_of("bigram_grad"))
    expect(result.shape == tuple(W.shape) and result.data is not None, "bigram_grad should "
           "return a tensor shaped like W {expected}, not {actual}.",
           expected=tuple(W.shape), actual=result.shape)
    expected = autograd(lambda W: F.cross_entropy(W[xs], ys), W)[0]
    mine = result.data.double()
    if relative_error(mine, expected) < 1e-6:
        return
    probs = torch.softmax(W[xs], dim=1)
    probs[torch.arange(len(ys)), ys] -= 1
    if relative_error(mine, expected * len(ys)) < 1e-6:
        hint = msg("the loss is a mean over the n pairs: divide the summed contributions by n")
    elif relative_error(mine, torch.zeros_like(W).index_put((xs,), probs) / len(ys)) < 1e-6:
        hint = msg("when a character appears several times in xs, each pair must add its "
                   "contribution to that row (G[xs] += … keeps only one; use index_add_)")
    else:
        hint = msg("each pair adds (softmax of its logits − one-hot of its target) to row "
                   "xs[i]; check the one-hot part and which rows receive what")
    raise CheckFailed("bigram_grad is wrong for {example}: {hint}.", hint=hint, example=msg(
        "{case} (relative error {error:.2g} against autograd)", case=msg(name),
        error=relative_error(mine, expected)))


@question("bigram_grad", points=1)
def test_bigram_grad_does_not_use_autograd(student, rng):
    """`bigram_grad` computes the gradient without autograd."""
    W, xs, ys = bigram_case("repeated characters", rng)
    no_autograd(student, student.run("bigram_grad", [tensor(t) for t in (W, xs, ys)]),
                "bigram_grad")


@question("bigram_grad", points=1)
def test_bigram_grad_leaves_inputs_and_types_alone(student, device, rng):
    """`bigram_grad` leaves its inputs and their dtypes unchanged."""
    W, xs, ys = bigram_case("repeated characters", rng)
    reply = student.run("bigram_grad", [tensor(t, device=device) for t in (W, xs, ys)])
    for name, before, after in zip(("W", "xs", "ys"), (W, xs, ys), reply.args):
        expect_close(after, before, msg("{name} after bigram_grad (do not change the inputs)",
                                        name=name), rtol=0, atol=0, call=reply.call)
    result = expect_tensor(reply.value, result_of("bigram_grad"))
    expect(result.dtype == "torch.float64", "bigram_grad changed the dtype: a float64 W "
           "should give a float64 gradient.")
    meta = dry_run(student, "bigram_grad", [tensor(t, device="meta") for t in (W, xs, ys)])
    expect(result.device.split(":")[0] == device and (meta is None or expect_tensor(
        meta.value, result_of("bigram_grad")).device == "meta"), "bigram_grad moved the "
        "result to another device; keep W's device.")
