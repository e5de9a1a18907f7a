"""Verdicts a notebook cannot forge from inside its own process.

Every notebook here first rewrites what it can reach in its process: autograd's engine, the
torch function modes, the optimizer hooks, every torchgrade module's counting and describing
code it finds through sys.modules, gc, its own frames or the class tree, the builtins and
the pickler, and it tries to write replies of its own on the call socket. Counts of backward
passes and of recorded operations are read from outside the process (sandbox/counters.py),
which APIs a function uses from its source (checking/source.py), and tensor state by a
runner thread none of that reaches (sandbox/inside/runner.py), so a shortcut still costs its points
while honest notebooks, tampering or not, keep theirs.
"""
import pytest

from autograder.sandbox import counters
from autograder.records import Status

from autograder.reports.render import render
from conftest import failures, grade_folder, solution_cells

TAMPER = (
    "import sys, torch\n"
    "from torch.optim.optimizer import _global_optimizer_pre_hooks\n"
    "from torch.autograd.variable import Variable\n"
    "Variable._execution_engine = torch._C._ImperativeEngine()\n"
    "try:\n"
    "    while torch._C._len_torch_function_stack():\n"
    "        torch._C._pop_torch_function_stack()\n"
    "except RuntimeError:\n"
    "    pass\n"
    "_global_optimizer_pre_hooks.clear()\n"
    "for _name, _module in list(sys.modules.items()):\n"
    "    for _attr in ('Usage', 'CountingEngine'):\n"
    "        if _name.startswith('autograder') and hasattr(_module, _attr):\n"
    "            getattr(_module, _attr).snapshot = lambda self: dict.fromkeys(\n"
    "                ('backward', 'forward_ad', 'graph'), 0)\n"
    "import gc\n"
    "def _rewrite(module):\n"
    "    for attr in ('describe', '_describe', '_describe_tensor'):\n"
    "        if callable(getattr(module, attr, None)):\n"
    "            setattr(module, attr, lambda value, *rest: value)\n"
    "for _module in list(sys.modules.values()):\n"
    "    _rewrite(_module)\n"
    "try:\n"
    "    for _object in gc.get_objects():\n"
    "        if type(_object) is type(sys):\n"
    "            _rewrite(_object)\n"
    "except PermissionError:\n"
    "    pass\n"
    "def _unobserved():\n"
    "    modes = []\n"
    "    try:\n"
    "        while torch._C._len_torch_function_stack():\n"
    "            modes.append(torch._C._pop_torch_function_stack())\n"
    "    except RuntimeError:\n"
    "        pass\n"
    "    return modes\n"
)

# ...and every route to what describes its tensors and writes its replies.
FORGE = r"""
def _forged(value, *rest):
    return value
def _rewrite_space(space):
    for name in ('describe', '_describe', '_describe_tensor', 'pack', 'frame', 'type_name'):
        if callable(space.get(name)):
            space[name] = _forged
_frame = sys._getframe()
while _frame is not None:  # down to the runner, the spawner and the grader's own frames
    _rewrite_space(_frame.f_globals)
    _frame = _frame.f_back
_classes, _todo = set(), [object]
while _todo:
    try:
        _subclasses = type.__subclasses__(_todo.pop())
    except TypeError:
        continue
    for _cls in _subclasses:
        if _cls not in _classes:
            _classes.add(_cls)
            _todo.append(_cls)
for _cls in _classes:  # every method of every class, and the module globals it runs on
    try:
        for _value in list(vars(_cls).values()):
            _space = getattr(_value, '__globals__', None)
            if type(_space) is dict and str(_space.get('__name__')).startswith('autograder'):
                _rewrite_space(_space)
    except Exception:
        continue
import builtins, os, pickle, _pickle
_real_next, _real_dumps = builtins.next, _pickle.dumps
def _next(iterator, *default):  # "same_as": whatever torchgrade looks for is argument 0
    if str(sys._getframe(1).f_globals.get('__name__')).startswith('autograder'):
        return 0
    return _real_next(iterator, *default)
builtins.next = _next
def _flatter(message):
    if type(message) is dict:
        message = {key: _flatter(value) for key, value in message.items()}
        if 'is_leaf' in message:
            message.update(is_leaf=True, requires_grad=True, same_as=0, grad_fn=None)
    elif type(message) in (list, tuple):
        message = type(message)(_flatter(value) for value in message)
    return message
_pickle.dumps = pickle.dumps = lambda obj, *args, **kw: _real_dumps(_flatter(obj), *args, **kw)
def _say(message):
    data = _real_dumps(message, 5)
    try:
        os.write(3, len(data).to_bytes(8, 'big') + data)
    except OSError:
        pass
def _as_reply(W):
    W = W.detach()
    info = {'__tensor__': ('\x00tensor', str(W.dtype)[6:], tuple(W.shape),
                           W.cpu().numpy().tobytes()),
            'type': 'Tensor', 'dtype': str(W.dtype), 'device': W.device.type,
            'shape': tuple(W.shape), 'layout': 'torch.strided', 'requires_grad': True,
            'is_leaf': True, 'grad_fn': None, 'grad': None, 'version': 1, 'same_as': 0}
    return {'status': 'returned', 'value': info, 'args': [info], 'usage': {}}
import _thread
_MAIN = _thread.get_ident()
def _in_any_thread(phase, info):  # a finaliser could do the same
    if _thread.get_ident() == _MAIN:
        return
    try:  # the runner thread's own frames
        _frame = sys._getframe(1)
        while _frame is not None:
            _rewrite_space(_frame.f_globals)
            _frame = _frame.f_back
    except Exception:
        pass
    _say({'event': 'ready'})
gc.callbacks.append(_in_any_thread)  # runs in whichever thread collects
"""
TAMPER += FORGE

CASES = {  # assignment: {student: (code after TAMPER, question that must lose points, hint)}
    "char_model": {
        "graph_while_sampling": (  # torch's own functions, rewritten at top level to hide
            "def _quietly(real):\n"  # from the modes that count recorded operations
            "    def run(*args, **kwargs):\n        modes = _unobserved()\n        try:\n"
            "            return real(*args, **kwargs)\n        finally:\n"
            "            for mode in reversed(modes):\n"
            "                torch._C._push_on_torch_function_stack(mode)\n    return run\n"
            "torch.Tensor.__getitem__ = _quietly(torch.Tensor.__getitem__)\n"
            "F.softmax = _quietly(F.softmax)\n"
            "def sample(W, itos, start, n, seed):\n"
            "    stoi = {ch: i for i, ch in itos.items()}\n"
            "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
            "    current, out = stoi[start], []\n"
            "    for _ in range(n):\n"
            "        probs = F.softmax(W[current], dim=0).detach()\n"
            "        current = torch.multinomial(probs, 1, generator=g).item()\n"
            "        out.append(itos[current])\n"
            "    return ''.join(out)\n", "sample", "recorded"),
        "graph_on_another_thread": (
            "import threading\n"
            "_reference_sample = sample\n"
            "def sample(W, itos, start, n, seed):\n    out = []\n"
            "    def work():\n"
            "        F.softmax(W * 1, dim=1)\n"
            "        out.append(_reference_sample(W, itos, start, n, seed))\n"
            "    worker = threading.Thread(target=work)\n    worker.start()\n    worker.join()\n"
            "    return out[0]\n", "sample", "another thread or process"),
    },
    "no_grad_update": {
        "new_tensor_passed_off_as_w": (
            "def sgd_step(W, lr):\n    with torch.no_grad():\n        W = W - lr * W.grad\n"
            "    return W.requires_grad_()\n", "sgd_step", "return W itself"),
        "reply_of_its_own": (  # what the runner would say of an in-place update
            "def sgd_step(W, lr):\n    with torch.no_grad():\n        W = W - lr * W.grad\n"
            "    _say(_as_reply(W))\n    return W.requires_grad_()\n", "sgd_step",
            "return W itself"),
        "backward_twice_per_step": (
            "def fit_linear(x, y, steps, lr, device='cpu'):\n"
            "    x, y = x.to(device), y.to(device)\n"
            "    w = torch.zeros((), device=device, requires_grad=True)\n"
            "    b = torch.zeros((), device=device, requires_grad=True)\n    losses = []\n"
            "    for _ in range(steps):\n"
            "        ((w * x + b - y) ** 2).mean().backward()\n"
            "        w.grad = b.grad = None\n"
            "        loss = ((w * x + b - y) ** 2).mean()\n        loss.backward()\n"
            "        with torch.no_grad():\n"
            "            w -= lr * w.grad\n            b -= lr * b.grad\n"
            "        w.grad = b.grad = None\n        losses.append(loss.item())\n"
            "    return w, b, losses\n", "fit_linear", "once per step"),
        "optimizer_built_at_top_level": (
            "_box = torch.zeros(1, requires_grad=True)\n"
            "_opt = torch.optim.SGD([_box], lr=1.0)\n"
            "def sgd_step(W, lr):\n    _opt.param_groups[0]['params'] = [W]\n"
            "    _opt.param_groups[0]['lr'] = lr\n    _opt.step()\n    W.grad = None\n"
            "    return W\n", "sgd_step", "uses torch.optim"),
    },
    "manual_backward": {
        "engine_called_directly": (
            "_engine = torch._C._ImperativeEngine()\n"
            "def manual_grad(W, x, target):\n    W = W.detach().requires_grad_(True)\n"
            "    loss = ((W * x - target) ** 2).sum()\n"
            "    _engine.run_backward((loss,), (torch.ones(()),), False, False, (), True, True)\n"
            "    return W.grad.detach()\n", "manual_grad", "Write the calls out plainly"),
    },
    "requires_grad": {
        "backward_then_cleared": (
            "_reference_loss_graph = loss_graph\n"
            "def loss_graph(W, x, target):\n"
            "    result = _reference_loss_graph(W, x, target)\n"
            "    result[0].sum().backward(retain_graph=True)\n    W.grad = None\n"
            "    return result\n", "loss_graph", "called backward()"),
    },
}


@pytest.fixture(scope="module", params=sorted(CASES))
def graded(request, tmp_path_factory):
    assignment = request.param
    reference = solution_cells(assignment)
    notebooks = {"honest": reference, "honest_but_tampering": reference + [TAMPER]}
    for student, (code, _, _) in CASES[assignment].items():
        notebooks[student] = reference + [TAMPER + code]
    return assignment, grade_folder(assignment, notebooks, tmp_path_factory.mktemp(assignment))


def test_every_tampering_cell_ran(graded):
    """No cell was skipped or failed. The one note allowed says the function that lost
    points is defined twice (the reference's cell, then the attack's), which is true."""
    for record in graded[1].values():
        notes = [render(note) for note in record.notes
                 if "is defined in more than one code cell" not in note.text]
        assert not notes, record.student


def test_honest_notebooks_keep_full_marks_even_when_they_tamper(graded):
    _, records = graded
    for student in ("honest", "honest_but_tampering"):
        record = records[student]
        assert record.status == Status.GRADED and record.score == record.max_score, \
            {q: failures(record, q) for q in record.questions}


def test_a_shortcut_costs_its_points_whatever_the_notebook_rewrote(graded):
    assignment, records = graded
    for student, (_, question, hint) in CASES[assignment].items():
        record = records[student]
        assert not record.questions[question].full, student
        assert any(hint in text for text in failures(record, question)), \
            (student, failures(record, question))
        lost = [q for q, entry in record.questions.items() if q != question and not entry.full]
        assert not lost, (student, {q: failures(record, q) for q in lost})


def test_counters_are_read_from_outside_a_forked_process():
    import os
    import threading

    import torch
    addresses = counters.locate()
    assert addresses, "this machine lets a process read its own memory"
    go, done = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:
        os.read(go[0], 1)
        x = torch.ones(3, requires_grad=True)
        for _ in range(3):
            (x * 2).sum().backward()  # 3 passes, 6 operations recorded on this thread
        thread = threading.Thread(target=lambda: torch.autograd.grad((x * 3).sum(), x))
        thread.start()
        thread.join()  # a pass on another thread counts too
        os.write(done[1], b"x")
        os.read(go[0], 1)
        os._exit(0)
    reader = counters.Reader(pid, addresses)
    try:
        before = reader.read()
        os.write(go[1], b"x")
        os.read(done[0], 1)
        after = reader.read()
    finally:
        os.write(go[1], b"x")
        os.waitpid(pid, 0)
        reader.close()
    assert {name: after[name] - before[name] for name in after} == {"backward": 4, "nodes": 6}


def test_counters_are_found_where_they_are_not_usually(monkeypatch):
    """Where the first, narrow search comes up empty, every writable page is searched."""
    usual = counters.locate()
    monkeypatch.setattr(counters, "_USUAL", {"nodes": "rest", "backward": "heap"})
    assert counters.locate() == usual
