"""Work flagged for review: every way of reaching the machinery the verdicts about *how*
a function works are observed with is flagged with its line, whatever binds the name; the
references, every valid rewrite of the corpus and everyday notebook code are not."""
import pytest

from autograder.checking.flags import observed, scan
from autograder.reports.render import render

from conftest import solution_cells
from corpus import VALID

REACHES = {
    "raw memory": [
        "import ctypes", "from ctypes import CDLL", "import cffi", "import mmap",
        "import numpy as np\nptr = np.zeros(3).__array_interface__['data'][0]",
        "import numpy as np\nview = np.ctypeslib.as_array", "m = open('/proc/self/mem', 'rb')",
        "path = '/proc/self/maps'"],
    "frames": [
        "import sys\nframe = sys._getframe(1)", "import gc\nobjs = gc.get_objects()",
        "import inspect\nf = inspect.currentframe()", "from inspect import currentframe",
        "import inspect as i\nm = i\nf = m.stack()", "from inspect import *",
        "import inspect\nf = getattr(inspect, 'stack')()",
        "def f():\n    return (lambda: 0).__globals__", "tb = e.__traceback__.tb_frame",
        "g = f.__code__"],
    "private torch": ["import torch\nn = torch._C._autograd._get_sequence_nr()",
                      "from torch import _C", "import torch._C as C",
                      "engine = torch.autograd.Variable._execution_engine",
                      "t = torch\nc = t._C", "t = torch\nc = getattr(t, '_C')",
                      "import torch as T\nn = getattr(T, '_functorch')"],
    "dynamic code": [
        "exec('x = 1')", "if (run := exec):\n    run('x = 1')", "for e in [eval]:\n    pass",
        "with open('x') as eval_:\n    f = compile('1', 'x', 'eval')",
        "match 1:\n    case _ if (g := globals()):\n        pass",
        "def f(run=exec):\n    run('1')", "table = {}\ntable.update(run=exec)",
        "globals()['optim'] = 1", "globals().update(x=1)", "m = __import__('tor' + 'ch')",
        "run = globals()['exec']", "b = globals().get('__builtins__')", "f = globals()[name]",
        "g = globals()\nf = g.get('x')", "del globals()['x']", "v = globals().get(key, 0)",
        "import importlib\nspec = importlib.util.find_spec('torch')",
        "import importlib\nm = importlib.import_module('torch.optim')",
        "import torch\nopt = getattr(torch, 'op' + 'tim')", "setattr(torch, 'x', 1)",
        "c = torch.__dict__['_' + 'C']", "import sys\nt = sys.modules['tor' + 'ch']",
        "import sys\nt = sys.modules.get('torch')",
        "import operator\nget = operator.attrgetter('_' + 'C')",
        "from operator import methodcaller\ncall = methodcaller('_private')",
        "get = getattr\nc = get(torch, name)", "import functools\nfunctools.reduce(getattr, p, m)",
        "c = object.__getattribute__(torch, name)"],
    "elsewhere": ["import threading", "from concurrent.futures import ThreadPoolExecutor",
                  "import os\npid = os.fork()", "import subprocess",
                  "import _posixsubprocess", "import multiprocessing as mp\nq = mp.Process()",
                  "import os\nos.system('ls')", "import multiprocessing\np = multiprocessing.Pool()"],
}
EVERYDAY = ["import gc\ngc.collect()", "import sys\nIN_COLAB = 'google.colab' in sys.modules",
            "model.eval()", "f = torch.compile(model)", "o = getattr(torch, 'optim')",
            "import os\np = os.path.join('a', 'b')", "from tqdm import tqdm",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])", "display(x)",
            "import numpy as np\na = np.asarray([1, 2]).mean()", "print('x')",
            "w = getattr(model, 'weight')", "import operator\nk = operator.itemgetter(1)",
            "from operator import attrgetter\nget = attrgetter('weight')",
            "import sys\nprint(sys.version, 'torch' in sys.modules)",
            "import inspect\nprint(inspect.signature(f), inspect.getsource(f))",
            "from inspect import getdoc\nprint(getdoc(f))",
            "print('W' in globals(), 'x' not in locals())",
            # habits of notebooks: a name read from globals(), a module reloaded, a version
            "print(globals().get('device', 'cpu'), globals()['torch'].__version__)",
            "from importlib import reload\nimport helpers\nhelpers = reload(helpers)",
            "import importlib\nimportlib.reload(np)",
            "from importlib.metadata import version\nprint(version('torch'))",
            "import multiprocessing\nprint(multiprocessing.cpu_count())"]


@pytest.mark.parametrize("code", [code for codes in REACHES.values() for code in codes])
def test_reaching_for_the_machinery_is_flagged_with_its_line(code):
    flags = scan([(0, "import torch"), (4, code)])
    assert flags, code
    shown = render(flags[0])
    assert shown.startswith("code cell 5, line ") and "(reaches " in shown


@pytest.mark.parametrize("code", EVERYDAY)
def test_everyday_notebook_code_is_not_flagged(code):
    assert scan([(0, code)]) == []


def test_references_and_valid_rewrites_are_not_flagged():
    for assignment in VALID:
        assert scan(list(enumerate(solution_cells(assignment)))) == [], assignment
        for name, code in VALID[assignment]:
            cells = list(enumerate(solution_cells(assignment) + [code]))
            assert scan(cells) == [], (assignment, name)


def test_a_flag_names_the_line_that_raised_it():
    flags = scan([(2, "x = 1\nimport threading\ny = 2\nt = threading.Thread()")])
    assert [render(flag) for flag in flags] == [
        "code cell 3, line 2: import threading (reaches work on another thread or process)",
        "code cell 3, line 4: t = threading.Thread() (reaches work on another thread or "
        "process)"]


def test_an_import_in_one_cell_counts_in_every_other():
    flags = scan([(0, "import torch as T\nimport ctypes as raw"),
                  (3, "T._C._set_grad_enabled(True)\nraw.memmove(0, 0, 0)")])
    assert [flag.params["where"].params["cell"] for flag in flags] == [1, 4, 4]


def test_what_ran_is_flagged_with_the_line_that_ran_it():
    cells = [(0, "import pickle"), (1, "x = 1\npickle.loads(payload)")]
    flags = observed({("os.system", 2, 2), ("os.system", 9, 1)}, cells)
    assert [render(flag) for flag in flags] == [
        "code cell 2, line 2: pickle.loads(payload) (ran os.system while running)"]
    assert observed({("ctypes.dlopen", 1, 1)}, [(0, "import ctypes")],
                    scan([(0, "import ctypes")])) == []
