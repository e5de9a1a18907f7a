"""Notebooks that work at changing a verdict on *how* they computed, one per class of the
trust model's red-team findings. Each either gets no more than its plain shortcut (the
question it cheats on loses points) or is flagged for review with the line that did it;
CASES says which for each, and the reference keeps full marks, unflagged.
"""
import pytest

from autograder.reports.render import render

from conftest import failures, grade_folder, solution_cells

MANUAL = ("def manual_grad(W, x, target):\n    W = W.detach().requires_grad_(True)\n"
          "    loss = ((W * x - target) ** 2).sum()\n")
COUNTS = ("def train_bigram(text, steps, lr, seed, device='cpu'):\n"
          "    chars = sorted(set(text))\n    stoi = {c: i for i, c in enumerate(chars)}\n"
          "    counts = torch.ones(len(chars), len(chars), device=device)\n"
          "    for a, b in zip(text, text[1:]):\n        counts[stoi[a], stoi[b]] += 1\n"
          "    W = counts.log().requires_grad_(True)\n")

# assignment: {name: (code appended to the reference, question that loses points or None,
#                     text of the flagged line or None)}
CASES = {
    "manual_backward": {
        "raw_memory_puts_counters_back": (
            "import numpy as np\n"
            "_cell = np.zeros(1)\n_address = _cell.__array_interface__['data'][0]\n"
            + MANUAL + "    loss.backward()\n    _cell[:] = 0  # the counters 'put back'\n"
            "    return W.grad.detach()\n", "manual_grad", "__array_interface__"),
        "walrus": ("if (g := torch.autograd.grad):\n    pass\n" + MANUAL
                   + "    return g(loss, W)[0]\n", "manual_grad", None),
        "for_target": ("for g in [torch.autograd.grad]:\n    pass\n" + MANUAL
                       + "    return g(loss, W)[0]\n", "manual_grad", None),
        "match_capture": ("match torch.autograd.grad:\n    case g:\n        pass\n" + MANUAL
                          + "    return g(loss, W)[0]\n", "manual_grad", None),
        "with_target": (
            "import contextlib\n"
            "with contextlib.nullcontext(torch.autograd.grad) as g:\n    pass\n" + MANUAL
            + "    return g(loss, W)[0]\n", "manual_grad", None),
        "globals_item": ("globals()['g'] = torch.autograd.grad\n" + MANUAL
                         + "    return g(loss, W)[0]\n", "manual_grad", "globals()"),
        "globals_update": ("globals().update(g=torch.autograd.grad)\n" + MANUAL
                           + "    return g(loss, W)[0]\n", "manual_grad", "globals()"),
        "exec_at_top_level": (
            "exec('def manual_grad(W, x, target):\\n'\n"
            "     '    W = W.detach().requires_grad_(True)\\n'\n"
            "     '    return torch.autograd.grad(((W * x - target) ** 2).sum(), W)[0]\\n')\n",
            "manual_grad", "exec("),
        "dict_update": ("table = {}\ntable.update(g=torch.autograd.grad)\n" + MANUAL
                        + "    return table['g'](loss, W)[0]\n", "manual_grad", None),
        "grad_fn_nodes_one_by_one": (
            MANUAL + "    node, grad = loss.grad_fn, torch.ones(())\n"
            "    while type(node).__name__ != 'AccumulateGrad':\n"
            "        out = node(grad)\n        grad = out[0] if isinstance(out, tuple) else out\n"
            "        node = node.next_functions[0][0]\n    return grad.detach()\n",
            "manual_grad", None),
        "helper_thread": (
            "import threading\n" + MANUAL + "    out = []\n"
            "    worker = threading.Thread(target=lambda: out.append(\n"
            "        torch.autograd.grad(loss, W)[0]))\n"
            "    worker.start()\n    worker.join()\n    return out[0]\n", "manual_grad",
            "import threading"),
        "fork_through_libc": (
            "import ctypes, os\n_libc = ctypes.CDLL(None)\n" + MANUAL
            + "    return torch.autograd.grad(loss, W)[0]\n", "manual_grad", "import ctypes"),
        "forward_ad": (
            "import torch.autograd.forward_ad as fwAD\n"
            "def manual_grad(W, x, target):\n    grads = []\n"
            "    for i in range(W.numel()):\n        with fwAD.dual_level():\n"
            "            tangent = torch.zeros_like(W)\n            tangent.view(-1)[i] = 1\n"
            "            dual = fwAD.make_dual(W, tangent)\n"
            "            loss = ((dual * x - target) ** 2).sum()\n"
            "            grads.append(fwAD.unpack_dual(loss).tangent)\n"
            "    return torch.stack(grads).view_as(W)\n", "manual_grad", None),
        "module_it_wrote_and_imported": (  # code its text shows only as a string
            "import sys\nopen('helper.py', 'w').write(\n"
            "    'import torch\\ndef g(W, x, t):\\n'\n"
            "    '    W = W.detach().requires_grad_(True)\\n'\n"
            "    '    return torch.autograd.grad(((W * x - t) ** 2).sum(), W)[0]\\n')\n"
            "sys.path.insert(0, '.')\nfrom helper import g\n"
            "def manual_grad(W, x, target):\n    return g(W, x, target)\n",
            "manual_grad", "from helper import g"),
        "private_engine_hooks": (
            "torch._C._set_forward_AD_enabled = lambda *a: None\n" + MANUAL
            + "    return torch.autograd.grad(loss, W)[0]\n", "manual_grad", "torch._C"),
    },
    "no_grad_update": {
        "formulas_and_a_throw_away_backward": (
            "def fit_linear(x, y, steps, lr, device='cpu'):\n"
            "    x, y = x.to(device), y.to(device)\n"
            "    w = torch.zeros((), device=device, requires_grad=True)\n"
            "    b = torch.zeros((), device=device, requires_grad=True)\n    losses = []\n"
            "    for _ in range(steps):\n        with torch.no_grad():\n"
            "            error = w * x + b - y\n            loss = (error ** 2).mean()\n"
            "            w -= lr * 2 * (error * x).mean()\n            b -= lr * 2 * error.mean()\n"
            "        torch.zeros(1, requires_grad=True).sum().backward()\n"
            "        losses.append(loss.item())\n"
            "    return w, b, losses\n", "fit_linear", None),
        "posixsubprocess_fork_exec": (
            "import _posixsubprocess\n", None, "import _posixsubprocess"),
        "linux_aio_through_ctypes": (
            "import ctypes\n_libc = ctypes.CDLL(None)\n_libc.syscall(209, 0, 1, 0)\n",
            None, "import ctypes"),
    },
    "char_model": {
        "device_trap_switched_off": (  # tensors made without device=, the trap taken off
            "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
            "    torch.set_default_device(None)\n    chars = sorted(set(text))\n"
            "    stoi = {c: i for i, c in enumerate(chars)}\n"
            "    xs = torch.tensor([stoi[c] for c in text[:-1]])\n"
            "    ys = torch.tensor([stoi[c] for c in text[1:]])\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    W = torch.randn(len(chars), len(chars), generator=g, requires_grad=True)\n"
            "    losses = []\n    for _ in range(steps):\n"
            "        loss = F.cross_entropy(W[xs], ys)\n        W.grad = None\n"
            "        loss.backward()\n        with torch.no_grad():\n"
            "            W -= lr * W.grad\n        losses.append(loss.item())\n"
            "    return W, losses\n", "train_bigram", None),
        "counts_and_an_invented_curve": (
            COUNTS + "    return W, [3.0 - 0.1 * step for step in range(steps)]\n",
            "train_bigram", None),
        "counts_then_real_steps_after": (  # losses are real, but W did not start at random
            COUNTS + "    losses = []\n    for _ in range(steps):\n"
            "        idx = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
            "        nxt = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
            "        loss = F.cross_entropy(W[idx], nxt)\n        W.grad = None\n"
            "        loss.backward()\n        with torch.no_grad():\n"
            "            W -= lr * W.grad\n        losses.append(loss.item())\n"
            "    return W, losses\n", "train_bigram", None),
    },
    "requires_grad": {
        "shell_through_pickle": (  # nothing in the text names it: seen at run time
            "import pickle\ntry:\n    pickle.loads(b'cos\\nsystem\\n(S\"true\"\\ntR.')\n"
            "except PermissionError:\n    pass\n", None, "pickle.loads"),
        "compiled_code_from_a_file_in_memory": (  # refused: memfd, else the audit hook
            "import _imp, glob, os, sys, sysconfig, types\n"
            "_so = glob.glob(sysconfig.get_paths(vars={'platbase': sys.base_prefix})"
            "['platstdlib'] + '/lib-dynload/*.so')[0]\n"
            "try:\n    _fd = os.memfd_create('code')\n"
            "    os.write(_fd, open(_so, 'rb').read())\n"
            "    _imp.create_dynamic(types.SimpleNamespace(\n"
            "        name='x', origin='/pr' + f'oc/{os.getpid()}/fd/{_fd}'))\n"
            "except OSError:\n    pass\n", None, "import _imp"),
        "own_memory_by_a_built_path": (
            "try:\n    open('/pr' + 'oc/se' + 'lf/mem', 'rb').close()\n"
            "except OSError:\n    pass\n", None, "open('/pr'"),
    },
}


@pytest.fixture(scope="module", params=sorted(CASES))
def graded(request, tmp_path_factory):
    assignment = request.param
    reference = solution_cells(assignment)
    notebooks = {"reference": reference}
    notebooks.update({name: reference + [code] for name, (code, _, _) in
                      CASES[assignment].items()})
    return assignment, grade_folder(assignment, notebooks, tmp_path_factory.mktemp(assignment))


def test_the_reference_keeps_full_marks_unflagged(graded):
    record = graded[1]["reference"]
    assert record.score == record.max_score and not record.flags


def test_each_gets_no_more_than_its_shortcut_or_is_flagged_with_its_line(graded):
    assignment, records = graded
    for name, (_, question, line) in CASES[assignment].items():
        record = records[name]
        if question:
            assert not record.questions[question].full, (name, record.score)
            lost = [q for q, entry in record.questions.items()
                    if q != question and not entry.full]
            assert not lost, (name, {q: failures(record, q) for q in lost})
        else:
            assert record.score == record.max_score, name
        shown = [render(flag) for flag in record.flags]
        assert bool(line) == bool(shown), (name, shown)
        assert not line or any(line in text for text in shown), (name, shown)
