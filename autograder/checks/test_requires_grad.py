"""Hidden checks for assignment 2, requires_grad."""
import pytest
import torch

from autograder.checking import (AUTOGRAD, N_, expect, expect_by_hand, expect_close,
                                 expect_observable, expect_tensor, expect_uses, msg, question,
                                 ref, result_of, tensor)


def poly_grad(x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (2 * t**4 + t**3 + 3 * t**2 + 5 * t + 1).backward()
    return t.grad.item()


def expect_number(value, what):
    expect(type(value) in (int, float), "{what} should be a Python float (use .item() on a "
           "one-element tensor), but it is {kind}.", what=what,
           kind=getattr(value, "type", type(value).__name__))
    return float(value)


CHAIN = ["PowBackward0", "SubBackward0", "MulBackward0", "AccumulateGrad"]


def _graph(student, rng, device="cpu", shape=(3,)):
    W, x, target = (torch.randn(shape, generator=rng) for _ in range(3))
    reply = student.run("loss_graph", [tensor(W, requires_grad=True, device=device),
                                       tensor(x, device=device), tensor(target, device=device)])
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 2,
           "loss_graph should return a tuple (loss, names).")
    return reply, (W, x, target)


@question("loss_graph", points=2)
def test_loss_graph_names_the_nodes_back_to_the_leaf(student, device, rng):
    """`loss_graph` names the graph's nodes from the loss back to `W`."""
    reply, _ = _graph(student, rng, device)
    loss, names = reply.value
    expect(isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names),
           "names should be a list of strings such as 'PowBackward0' (type(node).__name__), "
           "not {kind}.", kind=type(names).__name__)
    names = [name.split("::")[-1] for name in names]
    expect(names[-1:] == ["AccumulateGrad"], "The walk should end at W's AccumulateGrad node; "
           "keep following each node's first input that is not None until there is none left.")
    expect(list(names) == CHAIN, "The nodes from loss back to W should be {expected}, not "
           "{actual}: compute (W·x − target) ** 2 and follow each node's first input that is "
           "not None.",
           expected=", ".join(CHAIN), actual=", ".join(names))
    info = expect_tensor(loss, msg("{function}'s {name}", function="loss_graph", name="loss"))
    expect(info.grad_fn == names[0], "names[0] should be the loss's own grad_fn ({actual}).",
           actual=info.grad_fn or "None")
    expect_uses(student, "loss_graph", (), "loss_graph gives the names without walking the "
                "graph: read each one from its node (type(node).__name__), going from "
                "loss.grad_fn through each node's next_functions, as the question asks.",
                methods={"next_functions"})


@question("loss_graph", points=1)
def test_loss_graph_keeps_the_graph_and_calls_no_backward(student, rng):
    """`loss_graph` keeps the graph and does not call `backward()`."""
    reply, (W, x, target) = _graph(student, rng, shape=(2, 2))
    info = expect_tensor(reply.value[0],
                         msg("{function}'s {name}", function="loss_graph", name="loss"))
    expect(info.requires_grad and not info.is_leaf and reply.usage.get("graph", 0) > 0,
           "loss_graph's loss is not part of the "
           "graph (it is a leaf, or does not require grad); do not detach it.")
    expect_close(info, (W * x - target) ** 2,
                 msg("loss_graph's loss (it should be (W·x − target)²)"),
                 call=reply.call)
    text = N_("loss_graph called backward(): W should have no .grad after the call. Walking "
              "the graph needs no backward pass.")
    expect_by_hand(student, "loss_graph", ("torch.autograd.backward", "torch.autograd.grad"),
                   text, methods={"backward"})
    expect(reply.usage.get("backward", 0) == 0 and reply.args[0].grad is None, text)


@question("grad_of_poly", points=2)
@pytest.mark.parametrize("x", [2.0, -1.5, 0.0, 0.3, 3.0, 2, -1])
def test_grad_of_poly_values(student, x):
    """`grad_of_poly` gives the right gradient."""
    value = expect_number(student.call("grad_of_poly", x), f"grad_of_poly({x})")
    expected = poly_grad(x)
    expect(abs(value - expected) <= 1e-5 * max(1.0, abs(expected)),  # said once, for one x
           "{example} Check the polynomial and that you return x's .grad.",
           call=f"grad_of_poly({x})", example=msg(
               "grad_of_poly({x}) returned {value:.6g}; the derivative of 2x⁴+x³+3x²+5x+1 "
               "there is {expected:.6g}.", x=x, value=value, expected=expected))


@question("grad_of_poly", points=1)
def test_grad_of_poly_uses_autograd(student):
    """`grad_of_poly` gets the gradient from autograd."""
    reply = student.run("grad_of_poly", [2.0])
    text = N_("grad_of_poly must compute the derivative with autograd (.backward() or "
              "torch.autograd.grad), not with a formula typed in.")
    expect_uses(student, "grad_of_poly", AUTOGRAD, text, methods={"backward"})
    expect(reply.usage.get("backward", 0) >= 1, text)


@question("grad_of_poly", points=1)
def test_grad_of_poly_gives_the_same_answer_every_call(student):
    """`grad_of_poly` gives the same answer on every call."""
    answers = [expect_number(student.call("grad_of_poly", 2.0), "grad_of_poly(2.0)")
               for _ in range(3)]
    expect(max(answers) - min(answers) < 1e-4, "Calling grad_of_poly(2.0) three times gave "
           "{answers}: gradients are accumulating between calls. Create a fresh tensor inside "
           "the function each time.", answers=answers)
    expect(abs(answers[0] - 93.0) < 1e-4, "grad_of_poly(2.0) gave {answer} on every call, "
           "not 93.", answer=answers[0])


def multistep_reference(x):
    x = x.detach().double().requires_grad_(True)
    (2 * (3 * x + 2) ** 2).mean().backward()
    return x.grad


EXAMPLE = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])


@question("multistep_grad", points=2)
@pytest.mark.parametrize("case", ["example", "vector", "3d", "scalar", "one element"])
def test_multistep_grad_values(student, device, rng, case):
    """`multistep_grad` gives the right gradients."""
    x = {"example": EXAMPLE, "vector": torch.linspace(-2, 2, 5),
         "3d": torch.randn(2, 3, 4, generator=rng), "scalar": torch.tensor(1.5),
         "one element": torch.tensor([[-0.5]])}[case]
    reply = student.run("multistep_grad", [tensor(x, device=device)])
    result = expect_tensor(reply.value, result_of("multistep_grad"))
    expect(result.device == device, "multistep_grad's result is on another device than x.")
    expect_close(result, multistep_reference(x), msg("multistep_grad's result (for y=3x+2, "
                 "z=2y², out=z.mean() the gradient is 12·y/n, n the number of elements)"),
                 call=reply.call)


@question("multistep_grad", points=1)
def test_multistep_grad_leaves_the_callers_tensor_alone(student, device):
    """`multistep_grad` leaves the caller's tensor unchanged."""
    plain = student.run("multistep_grad", [tensor(EXAMPLE, device=device)])
    expect(not plain.args[0].requires_grad, "multistep_grad turned on requires_grad on the "
           "caller's tensor; work on x.detach().clone() instead.")
    expect_close(plain.args[0], EXAMPLE, msg("The caller's x after multistep_grad"),
                 call=plain.call)
    leaf = student.run("multistep_grad", [tensor(EXAMPLE, requires_grad=True, device=device)])
    expect(leaf.args[0].grad is None, "multistep_grad left a .grad on the caller's tensor; "
           "compute the gradient on a copy (x.detach().clone().requires_grad_(True)).")


@question("multistep_grad", points=1)
def test_multistep_grad_does_not_accumulate(student, device, rng):
    """`multistep_grad` does not let gradients pile up from step to step."""
    x = torch.randn(3, 2, generator=rng)
    first = student.run("multistep_grad", [tensor(x, requires_grad=True, name="x",
                                                  device=device)])
    second = student.run("multistep_grad", [ref("x")])
    # Against the first answer, right or wrong: whether it is right is the values check's.
    answer = expect_tensor(first.value, result_of("multistep_grad"))
    if answer.data is not None:
        expect_close(expect_tensor(second.value, result_of("multistep_grad")), answer.data,
                     msg("multistep_grad called twice on the same tensor (the second answer "
                         "must equal the first: do not let gradients add up)"),
                     call=second.call)


@question("multistep_grad", points=1)
def test_multistep_grad_uses_autograd_and_keeps_dtype(student):
    """`multistep_grad` uses autograd and keeps the dtype."""
    reply = student.run("multistep_grad", [tensor(EXAMPLE.double())])
    text = N_("multistep_grad must use autograd (.backward() or torch.autograd.grad), not a "
              "hand-written formula.")
    expect_uses(student, "multistep_grad", AUTOGRAD, text, methods={"backward"})
    expect(reply.usage.get("backward", 0) >= 1, text)
    result = expect_tensor(reply.value, result_of("multistep_grad"))
    expect(result.dtype == "torch.float64", "multistep_grad changed the dtype of the gradient; "
           "for a float64 x it should be float64.")


def _leaf(value):
    return tensor(torch.tensor(value), requires_grad=True)


@question("predict", points=1)
@pytest.mark.parametrize("shape", [(5,), (), (2, 3)])
def test_predict_values(student, device, rng, shape):
    """`predict` gives the right values."""
    x = torch.randn(shape, generator=rng)
    w, b = torch.randn((), generator=rng), torch.randn((), generator=rng)
    reply = student.run("predict", [tensor(w, requires_grad=True, device=device),
                                    tensor(b, requires_grad=True, device=device),
                                    tensor(x, device=device)])
    result = expect_tensor(reply.value, result_of("predict"))
    expect(result.shape == shape, "predict should return one prediction per element of x, "
           "shape {expected}, not {actual}.", expected=shape, actual=result.shape)
    expect(result.device == device, "predict moved the result to {actual}; keep x's device.",
           actual=result.device)
    expect_close(result, w * x + b, msg("predict's result (it should be w·x + b)"),
                 call=reply.call)


@question("predict", points=2)
def test_predict_records_no_graph(student, rng):
    """`predict` builds no computational graph."""
    x = torch.randn(4, generator=rng)
    reply = student.run("predict", [_leaf(1.5), _leaf(-0.5), tensor(x)])
    result = expect_tensor(reply.value, result_of("predict"))
    expect(not result.requires_grad and result.grad_fn is None, "predict's result is part of an "
           "autograd graph (requires_grad=True, grad_fn {grad_fn}); compute it under "
           "torch.no_grad().", grad_fn=result.grad_fn or "None")
    expect_observable(student, "predict")
    expect(reply.usage.get("graph", 0) == 0, "predict built an autograd graph and then "
           "detached the result; compute under torch.no_grad() (or from w.detach() and "
           "b.detach()) so that no graph is recorded at all.")


@question("predict", points=1)
def test_predict_leaves_w_b_and_x_alone(student, rng):
    """`predict` leaves `w`, `b` and `x` unchanged."""
    x = torch.randn(4, generator=rng)
    reply = student.run("predict", [_leaf(1.5), _leaf(-0.5), tensor(x)])
    for name, after, value in zip(("w", "b"), reply.args, (1.5, -0.5)):
        expect(after.requires_grad and after.is_leaf, "after predict, {name} no longer requires "
               "grad: do not call requires_grad_(False) on it; use torch.no_grad() instead.",
               name=name)
        expect_close(after, torch.tensor(value), msg("{name} after predict (do not change it)",
                                                     name=name), rtol=0, atol=0, call=reply.call)
    expect_close(reply.args[2], x, msg("x after predict (do not change it)"), rtol=0, atol=0,
                 call=reply.call)
    expect(not reply.usage.get("grad_off"), "predict turned gradient recording off for the "
           "rest of the notebook (torch.set_grad_enabled(False) as a statement), so the next "
           "backward() fails; use `with torch.no_grad():`, which turns it back on when the "
           "block ends.")
