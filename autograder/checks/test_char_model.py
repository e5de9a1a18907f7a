"""Hidden checks for assignment 5, char_model: a bigram model written by hand."""
import functools

import torch
import torch.nn.functional as F

from autograder.checking import (AUTOGRAD, LAYERS, N_, OPTIMIZERS, dry_run, expect,
                                 expect_by_hand, expect_float_losses, expect_observable,
                                 expect_parameter, expect_tensor, expect_trajectory, expect_uses,
                                 msg, question, tensor)

TEXT = ("anna.bob.clara.dora.emil.eva.ida.ivan.jan.lena.leo.lina.mara.nina.olaf.otto."
        "petra.rosa.sara.tom.vera.zoe.")
STEPS, LR = 300, 20.0
W_OF = msg("{function}'s {name}", function="train_bigram", name="W")


def encode(text):
    stoi = {ch: i for i, ch in enumerate(sorted(set(text)))}
    return (torch.tensor([stoi[c] for c in text[:-1]]), torch.tensor([stoi[c] for c in text[1:]]),
            len(stoi))


def count_floor(text):
    """The count-based NLL: no bigram model can score lower on its own training text."""
    xs, ys, V = encode(text)
    counts = torch.bincount(xs * V + ys, minlength=V * V).double().view(V, V)
    probs = counts / counts.sum(1, keepdim=True).clamp_min(1)
    return -probs[xs, ys].log().mean().item()


def nll(W, text):
    xs, ys, _ = encode(text)
    return F.cross_entropy(W.double()[xs], ys).item()


def descend(W, text, steps=STEPS, lr=LR):
    """torch as the answer key: plain gradient descent on the cross-entropy from ``W``;
    returns the final loss and the loss of every step."""
    xs, ys, _ = encode(text)
    W = W.detach().float().clone().requires_grad_(True)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(W[xs], ys)
        W = (W - lr * torch.autograd.grad(loss, W)[0]).detach().requires_grad_(True)
        losses.append(loss.item())
    return nll(W.detach(), text), losses


def reference_start(text):
    V = len(set(text))
    return torch.randn(V, V, generator=torch.Generator().manual_seed(0))


@functools.lru_cache
def reference_training(text, steps=STEPS, lr=LR):
    """The reference solution's training: from a random start seeded with 0."""
    return descend(reference_start(text), text, steps, lr)


# Trained once, when the checks are loaded (in the main process, before graders are forked).
reference_training(TEXT)


def _train(student, device, steps=STEPS, seed=0, text=TEXT):
    reply = student.run("train_bigram", [text, steps, LR, seed], {"device": device})
    expect(isinstance(reply.value, (tuple, list)) and len(reply.value) == 2,
           "train_bigram should return a tuple (W, losses).")
    return reply


def _trained(student, device):
    """One full training run per device, shared by the checks below."""
    key = ("train_bigram", device)
    if key not in student.memo:
        student.memo[key] = _train(student, device)
    return student.memo[key]


@question("train_bigram", points=1)
def test_train_bigram_reaches_the_count_based_floor(student, device):
    """`train_bigram` brings the loss down to what counting the bigrams gives."""
    W, losses = _trained(student, device).value
    W = expect_tensor(W, W_OF)
    V = len(set(TEXT))
    expect(W.shape == (V, V), "W should be V×V = {V}×{V} for this text (V = number of "
           "distinct characters), but it is {shape}.", V=V, shape=W.shape)
    expect(W.data is not None and bool(torch.isfinite(W.data).all()), "W contains NaN or "
           "infinity: the learning rate or the loss is wrong.")
    floor, target = count_floor(TEXT), reference_training(TEXT)[0]
    final = losses[-1] if isinstance(losses, list) and losses else None
    if type(final) is float:
        expect(final >= floor - 1e-3, "The final loss {final:.3f} is below {floor:.3f}, the "
               "count-based optimum no bigram model can beat on its own text: the targets "
               "have leaked into the inputs (xs must be text[:-1], ys text[1:]).",
               final=final, floor=floor)
    achieved = nll(W.data, TEXT)
    expect(achieved <= max(target, floor) + 0.05,
           "After training, W's loss on the text is {achieved:.3f}, but gradient descent "
           "should reach about {target:.3f}. Check the vocabulary order (sorted(set(text))), "
           "the targets, the update direction and resetting the gradient.",
           achieved=achieved, target=target)


@question("train_bigram", points=1)
def test_train_bigram_losses_are_honest_floats(student, device, rng, curve):
    """`train_bigram` records each step's loss as a Python float."""
    W, losses = _trained(student, device).value
    curve(losses, reference_training(TEXT)[1])
    expect_float_losses(losses, STEPS)
    start = nll(torch.randn(len(set(TEXT)), len(set(TEXT)), generator=rng), TEXT)
    expect(losses[-1] < losses[0] and losses[0] > 1.5 and abs(losses[0] - start) < 3,
           "The recorded losses do not start at a random model's loss and go down.")
    if W.data is not None:
        expect(abs(nll(W.data, TEXT) - losses[-1]) < 0.05, "The last recorded loss does not "
               "match the returned W; record loss.item() of each step's real loss.")


@question("train_bigram", points=1)
def test_train_bigram_follows_gradient_descent_step_by_step(student, device):
    """`train_bigram` starts from torch.randn draws and takes the gradient-descent steps asked.

    The losses must follow plain gradient descent from the student's own starting W (as after
    0 steps): a loss with a term added, a wrong update or an invented curve cannot match."""
    losses = _trained(student, device).value[1]
    expect_float_losses(losses, STEPS)
    start = student.call("train_bigram", TEXT, 0, LR, 0, device=device)
    W0 = expect_tensor(start[0] if isinstance(start, (tuple, list)) else start, W_OF)
    expect(W0.data is not None and W0.shape == (len(set(TEXT)),) * 2,
           "train_bigram with 0 steps should return the starting W.")
    key = (reference_training(TEXT)[1] if torch.equal(W0.data, reference_start(TEXT))
           else descend(W0.data, TEXT)[1])
    expect_trajectory(losses, key, N_(
        "train_bigram's loss at step {step} is {mine:.6g}, but plain gradient descent from "
        "your own starting W gives {theirs:.6g}: the loss must be F.cross_entropy(W[xs], ys) "
        "with nothing added (no regularization), recorded in each step before that step's "
        "update W -= lr * W.grad."))
    mean, std = W0.data.double().mean().item(), W0.data.double().std().item()  # 361 draws
    expect(abs(mean) < 0.3 and 0.75 < std < 1.25, "train_bigram's starting W (after 0 steps) "
           "has mean {mean:.2f} and standard deviation {std:.2f}, not about 0 and 1: create it "
           "with torch.randn(V, V) (not torch.rand or zeros), seeded by seed.", mean=mean, std=std)


@question("train_bigram", points=1)
def test_train_bigram_keeps_w_a_leaf_on_the_device(student, device):
    """`W` stays a leaf tensor on `device` while training."""
    W = expect_tensor(_trained(student, device).value[0], W_OF)
    expect_parameter(W, "W")
    expect(W.device == device and W.dtype == "torch.float32", "W should be float32 on "
           "{device}, but it is {dtype} on {actual}.", device=device, dtype=W.dtype, actual=W.device)
    reply = dry_run(student, "train_bigram", [TEXT, 0, LR, 0], {"device": "meta"})
    if reply is not None:
        meta = reply.value
        W = expect_tensor(meta[0], W_OF) if isinstance(meta, (tuple, list)) else None
        expect(W is not None and W.device == "meta" and (W.is_leaf or not str(
            W.grad_fn).startswith("ToCopy")), "train_bigram's W is not a leaf on the given "
               "device: move it with .to(device) before requires_grad_(True), or create it with "
               "device=device.")
    dry_run(student, "train_bigram", [TEXT, 3, LR, 0], {"device": "meta"})  # the loop too


@question("train_bigram", points=1)
def test_train_bigram_is_hand_written_and_reproducible(student, device):
    """`train_bigram` is written by hand and gives the same losses for the same `seed`."""
    reply = _trained(student, device)
    expect_by_hand(student, "train_bigram", OPTIMIZERS + LAYERS, N_(
        "train_bigram uses a layer with weights (nn.Linear, nn.Embedding, nn.Parameter) or "
        "torch.optim; this model must be written by hand with a tensor W and a manual update."))
    never = N_("train_bigram never calls backward().")
    expect_uses(student, "train_bigram", AUTOGRAD, never, methods={"backward"})
    expect(reply.usage.get("backward", 0) >= 1, never)
    again = _train(student, device, steps=5).value[1]
    other = _train(student, device, steps=5, seed=1).value[1]
    expect(isinstance(again, list) and again[:5] == reply.value[1][:5], "train_bigram gives "
           "different losses for the same seed: seed W's initialization with `seed`.")
    expect(isinstance(other, list) and other[0] != again[0], "train_bigram ignores the seed: "
           "different seeds should give different random starting W.")


ALPHABET = ".abcde"  # sorted, as a vocabulary is, with a name's end: no stop at it
ITOS = dict(enumerate(ALPHABET))


def _sample(student, W, start, n, seed, device="cpu"):
    value = student.call("sample", tensor(W, device=device), ITOS, start, n, seed)
    _expect_text(value, n)
    expect(set(value) <= set(ALPHABET), "sample returned characters that are not in itos.")
    return value


def _expect_text(value, n):
    expect(type(value) is str, "sample should return a string, not {kind}.",
           kind=getattr(value, "type", type(value).__name__))
    example = msg("{call} returned {count}", call=f"sample(..., n={n})", count=len(value))
    expect(len(value) <= n, "sample should return exactly n characters, without `start`: "
           "{example}.", example=example)
    expect(len(value) == n, "sample should return exactly n characters, drawing on after a "
           "`.` (it does not end the text here): {example}.", example=example)


@question("sample", points=1)
def test_sample_follows_the_model(student, device):
    """`sample` picks each next character from the row of `W` for the current one."""
    W = 50.0 * torch.eye(len(ALPHABET)).roll(1, dims=1)  # a → b → c ... almost surely
    expect(_sample(student, W, "a", 8, 0, device) == "bcde.abc",
           "With a model where each character is almost surely followed by the next one, "
           "sample should continue the chain from `start`: use row W[current] of the "
           "current character, softmax it, and draw the next character from it.")


@question("sample", points=1)
def test_sample_draws_at_random_with_the_right_probabilities(student, device):
    """`sample` draws at random, with the model's probabilities."""
    V = len(ALPHABET)
    W = torch.zeros(V, V)
    W[:, 1] = torch.log(torch.tensor(4.0 * (V - 1)))  # p(next = 'a') = 0.8 from any state
    text = _sample(student, W, "c", 600, 5, device)
    share = text.count("a") / len(text)
    expect(0.72 < share < 0.88, "A model giving 'a' probability 0.8 produced {share:.0%} "
           "'a's: draw with torch.multinomial from the softmax of the logits (not argmax, "
           "not the raw logits), with one generator made before the loop (one seeded again "
           "for every draw repeats the same draw).", share=share)
    expect(len(set(text)) == V, "sample never produced some characters the model allows: "
           "draw at random from the probabilities rather than taking the most likely one.")


@question("sample", points=1)
def test_sample_tracks_no_gradients(student, device, rng):
    """`sample` builds no computational graph."""
    W = torch.randn(len(ALPHABET), len(ALPHABET), generator=rng)
    reply = student.run("sample", [tensor(W, requires_grad=True, device=device), ITOS, "b", 5, 3])
    _expect_text(reply.value, 5)
    expect_observable(student, "sample")
    expect(reply.usage.get("graph", 0) == 0, "sample recorded {count} operations for autograd "
           "on a W that requires gradients: sample inside `with torch.no_grad():` so no graph "
           "is built.", count=reply.usage.get("graph", 0))
    expect(reply.args[0].requires_grad and reply.args[0].grad is None, "sample changed the "
           "caller's W (its requires_grad or .grad); leave W as it is.")


@question("sample", points=1)
def test_sample_works_on_the_device_of_w(student, rng):
    """`sample` works on the device `W` is on."""
    W = torch.randn(len(ALPHABET), len(ALPHABET), generator=rng)
    _sample(student, W, "a", 3, 0)  # it works at all
    dry_run(student, "sample", [tensor(W, device="meta"), ITOS, "a", 3, 0])


@question("sample", points=1)
def test_sample_is_reproducible_for_a_seed(student, rng):
    """`sample` gives the same text for the same `seed`."""
    W = torch.randn(len(ALPHABET), len(ALPHABET), generator=rng)
    expect(_sample(student, W, "c", 1, 7) in ALPHABET, "sample(..., n=1) should return one "
           "character.")
    first, again, other = (_sample(student, W, "a", 40, seed) for seed in (7, 7, 8))
    expect(first == again, "sample gives different text for the same seed: use a "
           "torch.Generator seeded with `seed` and pass it to torch.multinomial.")
    expect(first != other, "sample ignores its seed: different seeds should give different "
           "text.")
