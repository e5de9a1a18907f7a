"""The grader's reading of a submitted function's source (autograder/checking/source.py)."""
import pytest

from autograder.checking.source import AUTOGRAD, AUTOGRAD_METHODS, LAYERS, OPTIMIZERS, read


def verdict(*cells, function="f"):
    code = read(list(enumerate(cells)), function)
    return (code.first(OPTIMIZERS), code.first(LAYERS), code.first(AUTOGRAD, AUTOGRAD_METHODS),
            code.dynamic)


@pytest.mark.parametrize("cells, expected", [
    (["import torch\ndef f(W, lr):\n    with torch.no_grad():\n        W -= lr * W.grad\n"
      "    return W"], (None, None, None, ())),
    (["import torch\nopt = torch.optim.SGD([torch.zeros(1)], lr=.1)",
      "def f(W):\n    opt.param_groups[0]['params'] = [W]\n    opt.step()"],
     ("torch.optim.SGD", None, None, ())),
    (["from torch.optim._functional import sgd\ndef f(W):\n    sgd([W], [W.grad])"],
     ("torch.optim._functional.sgd", None, None, ())),
    (["from torch.optim import *\ndef f(W):\n    return SGD([W])"],
     ("torch.optim.SGD", None, None, ())),
    (["import torch.optim as o\ndef f(W):\n    return o.Adam([W])"],
     ("torch.optim.Adam", None, None, ())),
    (["import torch.autograd.forward_ad as fwAD\ndef f(W):\n    return fwAD.make_dual(W, W)"],
     (None, None, "torch.autograd.forward_ad.make_dual", ())),
    (["def helper(loss):\n    loss.backward()\ndef f(W):\n    helper(W.sum())"],
     (None, None, ".backward", ())),
    (["from torch import nn\nE = nn.Embedding\ndef f():\n    return E(3, 3)"],
     (None, "torch.nn.Embedding", None, ())),
    (["import torch\nclass M(torch.nn.Module):\n    pass\ndef f():\n    return M()"],
     (None, "torch.nn.Module", None, ())),
    (["%%time\nimport torch\ndef f(W):\n    return torch.func.grad(lambda w: w.sum())(W)"],
     (None, None, "torch.func.grad", ())),
    (["import torch\ndef f():\n    return getattr(torch, 'op' + 'tim')"],
     (None, None, None, ("getattr(..., name)",))),
    (["import torch\ndef f():\n    return getattr(torch, 'optim').SGD"],
     ("torch.optim.SGD", None, None, ())),
    (["def f():\n    return exec('x = 1')"], (None, None, None, ("exec()",))),
    (["import sys\ndef f():\n    return sys.modules['torch']"],
     (None, None, None, ("sys.modules",))),
    (["import importlib\ndef f():\n    return importlib.import_module('torch.optim')"],
     (None, None, None, ("importlib",))),
])
def test_what_a_function_reaches(cells, expected):
    assert verdict(*cells) == expected


def test_only_what_the_function_reaches_counts():
    # a try-out cell, an earlier draft and a local that shares a global's name are not reached
    cells = ["import torch\n_p = torch.zeros(1, requires_grad=True)\n"
             "opt = torch.optim.SGD([_p], lr=0.1)\nopt.step()",
             "def f(W):\n    return torch.optim.SGD([W])",
             "def f(W, lr):\n    opt = 'mine'\n"
             "    with torch.no_grad():\n        W -= lr * W.grad\n"
             "    return W, opt"]
    assert verdict(*cells) == (None, None, None, ())


def test_a_module_written_by_writefile_is_followed_however_it_is_imported():
    helpers = ("%%writefile helpers.py\nimport torch\ndef g(W):\n    return torch.optim.SGD([W])\n"
               "def h(W):\n    return 2 * W\n")
    for use in ("from helpers import g\ndef f(W):\n    return g(W)",
                "import helpers as hp\ndef f(W):\n    return hp.g(W)",
                "from helpers import *\ndef f(W):\n    return g(W)"):
        assert verdict(helpers, use)[0] == "torch.optim.SGD", use
    assert verdict(helpers, "from helpers import h\ndef f(W):\n    return h(W)")[0] is None
    # appended to (-a), the module holds both parts
    assert verdict(helpers, "%%writefile -a helpers.py\ndef k(W):\n    return W\n",
                   "from helpers import g\ndef f(W):\n    return g(W)")[0] == "torch.optim.SGD"
    # a file that is not a module (or not Python) is only text
    assert verdict("%%writefile notes.txt\nimport torch.optim", "def f():\n    return 1")[0] \
        is None


def test_the_last_definition_wins_and_broken_cells_are_skipped():
    assert verdict("def f():\n    return 1", "import torch.optim as o\nf = lambda: o.SGD",
                   "def f(:\n")[0] == "torch.optim.SGD"


def test_torch_internals_cannot_be_vouched_for():
    cells = ["import torch\ndef f(loss):\n"
             "    torch._C._EngineBase.run_backward(torch.autograd.variable.Variable."
             "_execution_engine, (loss,), (None,), False, False, (), True, True)"]
    assert "torch._C._EngineBase.run_backward" in verdict(*cells)[3]


def test_work_on_another_thread_or_process_is_seen():
    from autograder.checking.source import ELSEWHERE
    code = read([(0, "import threading\ndef f(W):\n    threading.Thread(target=print).start()")],
                "f")
    assert code.first(ELSEWHERE) == "threading.Thread"


@pytest.mark.parametrize("cells, expected", [
    (["import torch\nT = torch\ndef f(W):\n    return T.optim.SGD([W])"], "torch.optim.SGD"),
    (["import torch\ndef f(W):\n    t = torch\n    return t.optim.SGD([W])"], "torch.optim.SGD"),
    (["def f(W, lib):\n    return lib.optim.SGD([W])"], ".optim"),
])
def test_aliases_made_by_assignment_are_followed(cells, expected):
    assert verdict(*cells)[0] == expected


@pytest.mark.parametrize("source", [
    "import pickle\ndef f(W):\n    return pickle.loads(b'...')",
    "import operator\ndef f(W):\n    return operator.methodcaller('backward')(W)",
    "import types\ndef f(W):\n    return types.FunctionType(f.__code__, {})",
])
def test_code_built_from_data_cannot_be_vouched_for(source):
    assert verdict(source)[3]
