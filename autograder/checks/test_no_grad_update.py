"""Hidden checks for assignment 4, no_grad_update."""
import functools

import pytest
import torch

from autograder.checking import (LAYERS, N_, OPTIMIZERS, TensorInfo, dry_run, expect,
                                 expect_by_hand, expect_close, expect_float_losses,
                                 expect_observable, expect_parameter, expect_tensor,
                                 expect_trajectory, expect_uses, follows, msg, question,
                                 result_of, tensor)


def _step(student, device, rng, lr=0.1):
    """Call sgd_step on a fresh leaf W with a gradient; returns (reply, W after, W0, grad)."""
    W0, grad = torch.randn(3, 4, generator=rng), torch.randn(3, 4, generator=rng)
    reply = student.run("sgd_step", [tensor(W0, requires_grad=True, grad=grad, device=device),
                                     lr])
    return reply, reply.args[0], W0, grad


@question("sgd_step", points=2)
@pytest.mark.parametrize("lr", [0.1, 0.5, 1])
def test_sgd_step_updates_the_callers_tensor(student, device, rng, lr):
    """`sgd_step` updates the caller's `W` in place."""
    reply, W, W0, grad = _step(student, device, rng, lr)
    expect_close(W, W0 - lr * grad, msg("W after sgd_step (it must become W − lr·W.grad, "
                 "changed in place so the caller sees it: use W -= ... inside "
                 "torch.no_grad())"), call=reply.call)


@question("sgd_step", points=1)
def test_sgd_step_returns_the_same_leaf(student, device, rng):
    """`sgd_step` returns the same leaf tensor it was given."""
    reply, W, _, _ = _step(student, device, rng)
    result = expect_tensor(reply.value, result_of("sgd_step"))
    expect(result.same_as == 0, "sgd_step should return W itself, the tensor it updated, not "
           "a new tensor (W = W - ... creates a new one).")
    expect_observable(student, "sgd_step")
    expect(W.is_leaf and W.requires_grad and W.grad_fn is None
           and reply.usage.get("graph", 0) == 0,
           "After sgd_step, W is no longer a leaf that requires grad: the update was recorded "
           "by autograd. Do it inside `with torch.no_grad():`.")


@question("sgd_step", points=1)
def test_sgd_step_is_written_by_hand(student, rng):
    """`sgd_step` is written by hand, without `torch.optim`."""
    _step(student, "cpu", rng)
    expect_by_hand(student, "sgd_step", OPTIMIZERS, N_(
        "sgd_step uses torch.optim; write the update yourself: W -= lr * W.grad inside "
        "torch.no_grad()."))


@question("sgd_step", points=1)
def test_sgd_step_resets_the_gradient(student, device, rng):
    """`sgd_step` resets `W.grad` after the step."""
    reply, W, _, _ = _step(student, device, rng)
    expect(W.grad is None or (W.grad.data is not None and bool((W.grad.data == 0).all())),
           "sgd_step left the old gradient in W.grad; reset it with W.grad.zero_() or "
           "W.grad = None, or the next backward() adds to it.")


def line_data(seed=3, n=100):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=g) * 2 - 1
    return x, 2 * x + 3 + 0.1 * torch.randn(n, generator=g)


def _fit(student, device, steps=300, lr=0.1, **options):
    x, y = line_data()
    reply = student.run("fit_linear", [tensor(x, device=device), tensor(y, device=device),
                                       steps, lr], {"device": device}, **options)
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 3,
           "fit_linear should return a tuple (w, b, losses).")
    return reply.value


def _number(value):
    if isinstance(value, TensorInfo) and value.data is not None and value.data.numel() == 1:
        return value.data.reshape(()).item()
    return value if type(value) in (int, float) else float("nan")


@question("fit_linear", points=2)
def test_fit_linear_finds_the_line(student, device):
    """`fit_linear` finds the line."""
    w, b, losses = _fit(student, device)
    w_value, b_value = _number(w), _number(b)
    expect(abs(w_value - 2) < 0.1 and abs(b_value - 3) < 0.1,
           "fit_linear on y = 2x + 3 + noise ended at w={w:.3g}, b={b:.3g}; it "
           "should reach about w=2, b=3. Check the loss (mean squared error), the update "
           "direction (subtract lr·grad) and that gradients are reset every step.",
           w=w_value, b=b_value)


@functools.cache
def reference_fit(steps, lr=0.1):
    """torch as the answer key: plain gradient descent on line_data from w = b = 0, with y
    requiring grad; returns (the losses it records, the gradient y gathers on the way)."""
    x, y = line_data()
    y = y.requires_grad_(True)
    w, b = torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return tuple(losses), y.grad


def reference_losses(steps):
    return reference_fit(steps)[0]


# Trained once, when the checks are loaded (in the main process, before graders are forked).
for _steps in (5, 50, 60):
    reference_fit(_steps)


@question("fit_linear", points=1)
def test_fit_linear_records_decreasing_float_losses(student, device, curve):
    """`fit_linear` records falling losses as Python floats."""
    w, b, losses = _fit(student, device, steps=50)
    curve(losses, reference_losses(50))
    expect_float_losses(losses, 50)
    expect_trajectory(losses, reference_losses(50), N_(
        "fit_linear's loss at step {step} is {mine:.6g}, but gradient descent from w = 0 and "
        "b = 0 gives {theirs:.6g}: start from w = 0 and b = 0, use the mean squared error, "
        "subtract lr·grad, reset the gradients every step, and record each step's loss "
        "before its update."))



@question("fit_linear", points=1)
def test_fit_linear_returns_leaf_parameters(student, device):
    """`fit_linear` returns leaf tensors as parameters."""
    w, b, _ = _fit(student, device, steps=20)
    for name, value in (("w", w), ("b", b)):
        info = expect_tensor(value, msg("{function}'s {name}", function="fit_linear", name=name))
        expect_parameter(info, name)
        expect(info.device == device, "{name} is on {actual}, not on the device given.",
               name=name, actual=info.device)


@question("fit_linear", points=1)
def test_fit_linear_is_written_by_hand(student):
    """`fit_linear` is written by hand, without `torch.optim`, with one `backward()` per
    step on that step's loss."""
    x, y = line_data()
    reply = student.run("fit_linear", [tensor(x), tensor(y, requires_grad=True), 5, 0.1],
                        {"device": "cpu"})
    expect_by_hand(student, "fit_linear", OPTIMIZERS + LAYERS, N_(
        "fit_linear uses nn.Linear or torch.optim; here w and b are plain leaf tensors and the "
        "update is written by hand under torch.no_grad()."))
    expect(reply.usage.get("backward", 0) == 5, "fit_linear should call backward() once per "
           "step ({steps} steps here), but called it {count} times.", steps=5,
           count=reply.usage.get("backward", 0))
    losses = reply.value[2] if isinstance(reply.value, (tuple, list)) and len(
        reply.value) == 3 else None
    if not follows(losses, reference_fit(5)[0]):
        return  # y's gradient is then another one: the trajectory check names the mistake
    grad = reply.args[1].grad if len(reply.args) > 1 else None
    expect(grad is not None and grad.data is not None and grad.data.shape == y.shape
           and torch.allclose(grad.data, reference_fit(5)[1], atol=1e-5),
           "fit_linear's backward() does not start from each step's loss: given a y that "
           "requires grad, y got no gradient (or another one) through it. Call "
           "loss.backward() on the loss of each step, the one you record.")


@question("fit_linear", points=1)
def test_fit_linear_creates_tensors_on_the_given_device(student):
    """`fit_linear` creates its tensors on `device`."""
    x, y = line_data()
    reply = dry_run(student, "fit_linear", [tensor(x, device="meta"), tensor(y, device="meta"),
                                            0, 0.1], {"device": "meta"})
    if reply is not None:
        expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 3,
               "fit_linear should return a tuple (w, b, losses).")
        for name, value in (("w", reply.value[0]), ("b", reply.value[1])):
            info = expect_tensor(value, msg("{function}'s {name}", function="fit_linear",
                                            name=name))
            expect(info.device == "meta", "{name} is created on {actual}, not on the device "
                   "fit_linear was given: create it with device=device, from the parameter "
                   "(not from a global device variable of the notebook, nor with no device at "
                   "all).", name=name, actual=info.device)
            expect(info.is_leaf or not str(info.grad_fn).startswith("ToCopy"),  # moved
                   "{name} is not a leaf on the given device: create it with device=device "
                   "(or call .to(device) before requires_grad_()), not .to(device) afterwards.",
                   name=name)
    dry_run(student, "fit_linear", [tensor(x, device="meta"), tensor(y, device="meta"), 3,
                                    0.1], {"device": "meta"})  # the loop too


def _fit_nn(student, device, steps=60, lr=0.1, **options):
    x, y = line_data()
    reply = student.run("fit_linear_nn", [tensor(x, device=device), tensor(y, device=device),
                                          steps, lr], {"device": device}, **options)
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 3,
           "fit_linear_nn should return a tuple (model.weight.detach(), model.bias.detach(), "
           "losses).")
    return reply


@question("fit_linear_nn", points=2)
def test_fit_linear_nn_follows_the_hand_written_trajectory(student, device, curve):
    """`fit_linear_nn` takes the same steps as the loop written by hand."""
    weight, bias, losses = _fit_nn(student, device).value
    reference = reference_losses(60)
    curve(losses, reference)
    expect_float_losses(losses, 60)
    expect_trajectory(losses, reference, N_(
        "fit_linear_nn's loss at step {step} is {mine:.6g}, but the hand-written loop gives "
        "{theirs:.6g}: start from weight 0 and bias 0, give the model x and y as (n, 1) "
        "columns, use nn.MSELoss (the mean) and plain SGD with the given lr (no momentum, "
        "no weight decay), and call zero_grad() every step."))


@question("fit_linear_nn", points=1)
def test_fit_linear_nn_uses_nn_and_optim(student):
    """`fit_linear_nn` builds an `nn.Linear` and steps a `torch.optim` optimizer."""
    _fit_nn(student, "cpu", steps=5)
    text = N_("fit_linear_nn should build an nn.Linear and step a torch.optim.SGD: this "
              "question is about seeing them do what your loop did.")
    expect_uses(student, "fit_linear_nn", ("torch.nn.Linear",), text)
    expect_uses(student, "fit_linear_nn", OPTIMIZERS, text)


@question("fit_linear_nn", points=1)
def test_fit_linear_nn_trains_on_the_device(student, device):
    """`fit_linear_nn` trains on `device`."""
    weight, bias, _ = _fit_nn(student, device, steps=300).value
    for name, value, shape, target in (("weight", weight, (1, 1), 2.0), ("bias", bias, (1,), 3.0)):
        info = expect_tensor(value, msg("{function}'s {name}", function="fit_linear_nn", name=name))
        expect(info.shape == shape and info.device == device, "the model's {name} should have "
               "shape {shape} on the device given, not {actual} on {where}: build the model "
               "with .to(device).", name=name, shape=shape, actual=info.shape, where=info.device)
        expect(abs(_number(info) - target) < 0.1, "after 300 steps the model's {name} is "
               "{value:.3g}, not close to {target}: check the training loop.", name=name,
               value=_number(info), target=target)
    x, y = line_data()  # on another device than the CPU, in a dry run
    reply = dry_run(student, "fit_linear_nn", [tensor(x, device="meta"),
                                               tensor(y, device="meta"), 0, 0.1],
                    {"device": "meta"})
    if reply is None or not isinstance(reply.value, (tuple, list)) or not reply.value:
        return
    info = expect_tensor(reply.value[0], msg("{function}'s {name}", function="fit_linear_nn",
                                             name="weight"))
    expect(info.device == "meta", "the model stays on {where} when device is another device "
           "(on a GPU, its weights would not be where x is): build the model with "
           ".to(device).", where=info.device)
