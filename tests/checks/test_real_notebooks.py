"""Notebooks as students write them: the libraries their course uses, plots, display(),
magics; an import the grader lacks is named as the cause, first."""
import importlib.util
import json
import tomllib

from autograder.config import LANGUAGES, PROVIDED, ROOT
from autograder.reports.feedback import gradescope_results
from autograder.reports.render import render
from autograder.release import release_path

from conftest import said, solution_cells

HABITS = """%matplotlib inline
%load_ext autoreload
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns
from tqdm.auto import tqdm
from IPython.display import display, Markdown
"""


def plotted(cells, losses):
    """The reference notebook as a student's: the usual imports first, then after every
    cell a plot of ``losses``, a table shown with display(), and a progress bar."""
    extra = (f"plt.figure(figsize=(4, 3))\nplt.plot({losses})\nplt.yscale('log')\n"
             "plt.title('loss')\nplt.show()\n"
             f"display(pd.DataFrame({{'loss': {losses}}}).describe())\n"
             "display(Markdown('**done**'))\nfor _ in tqdm(range(3)):\n    pass\n")
    return [HABITS + cells[0], *cells[1:], extra]


def test_a_notebook_with_the_usual_imports_plots_and_display_gets_full_marks(grade_many):
    records = {**grade_many("char_model", {"plots": plotted(
                   solution_cells("char_model"), "losses")}),
               **grade_many("no_grad_update", {"plots": plotted(
                   solution_cells("no_grad_update"), "np.array(losses)")})}
    for record in records.values():
        assert record.score == record.max_score, record.questions
        assert record.detail is None and not record.notes, [render(n) for n in record.notes]
        assert not record.flags, [render(f) for f in record.flags]


def test_an_import_the_grader_lacks_is_skipped_and_said_first_as_the_cause(grade_many):
    """Where the student ran it, the module was there: the import is skipped and the rest of
    its cell runs, so a notebook that only imports it keeps its marks; one that uses it at
    the top of a cell stops there; either way the cause comes first."""
    cells = solution_cells("char_model")
    records = grade_many("char_model", {
        "imports": ["import torchvision\nfrom torchvision import transforms\n" + cells[0],
                    *cells[1:]],
        "uses": ["import torchvision\nT = torchvision.transforms.ToTensor()\n" + cells[0],
                 *cells[1:]]})
    imports, uses = records["imports"], records["uses"]
    assert imports.score == imports.max_score and uses.score == 0
    cause = render(imports.detail)
    assert cause.startswith("code cell 1 (import torchvision): an import failed (line 1: No "
                            "module named 'torchvision'; line 2: No module named "
                            "'torchvision'), so the grader skipped it"), cause
    assert "remove the import" in cause and "sklearn" in cause and not imports.notes
    assert render(uses.detail).startswith("code cell 1 (import torchvision): an import failed")
    assert "raised NameError: name 'torchvision' is not defined" in said(uses)
    assert gradescope_results(uses)["output"].startswith(f"- {render(uses.detail, 'markdown')}")


def test_a_module_of_the_students_own_not_handed_in_is_said_to_be_missing(grade_many):
    """Imported or run with ``%run``, a file not handed in is not there; one that a
    ``%%writefile`` cell wrote is, and ``%run`` of it defines its names (as an import)."""
    cells = solution_cells("tensor_shapes")
    at = next(i for i, cell in enumerate(cells) if cell.startswith("def make_tensor("))
    helper = "%%writefile utils.py\nimport torch\ndef zeros(shape, device):\n" \
             "    return torch.zeros(shape, device=device)\n"
    uses = "def make_tensor(shape, device='cpu'):\n    return zeros(shape, device)\n"
    records = grade_many("tensor_shapes", {
        "own": [*cells, "from utils import show\nshow(1)\n"],
        "runs_own": [*cells[:at], "%run utils.py\n", uses, *cells[at + 1:]],
        "runs_written": [*cells[:at], helper, "%run -i ./utils.py\n", uses, *cells[at + 1:]],
        "runs_notebook": [*cells, "%run ./helpers.ipynb\n%run test.py\n"],
    })
    assert ("%run ./helpers.ipynb; %run test.py was not run: the grader has only this "
            "notebook, not ./helpers.ipynb beside it") in said(records["runs_notebook"])
    assert not records["runs_notebook"].flags  # test.py is not Python's test package
    assert records["own"].score == records["own"].max_score
    for name in ("own", "runs_own"):
        assert ("If utils is a file of your own (utils.py), it was not handed in with the "
                "notebook. Hand it in beside the notebook, in the same upload, or put its code "
                "into the notebook: a cell that starts with the line %%writefile utils.py"
                ) in said(records[name])
    assert not records["runs_own"].questions["make_tensor"].full
    written = records["runs_written"]
    assert written.score == written.max_score and not written.notes, said(written)


def test_what_the_grader_provides_is_installed_and_every_notebook_says_so():
    dependencies = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())
                            ["project"]["dependencies"])
    for module, package in PROVIDED.items():
        assert importlib.util.find_spec(module), module
        assert f'{package}>' in dependencies or f"{package}=" in dependencies, package
    for assignment in ("tensor_shapes", "requires_grad", "manual_backward", "no_grad_update",
                       "char_model"):
        for lang in LANGUAGES:
            intro = "".join(json.loads(release_path(assignment, lang).read_text())
                            ["cells"][0]["source"])
            missing = [p for p in PROVIDED.values() if p.lower() not in intro.lower()]
            assert not missing, (assignment, lang, missing)


def test_notebooks_written_in_colab_or_with_jupyter_habits_run_as_they_did_there(grade_many):
    """A top-level ``await`` runs, as in Jupyter, and so do ``torch.compile`` (eagerly) and
    ``torch.jit.script`` (which reads the cell's source); Colab's Drive mount at the top of the first
    cell does nothing instead of stopping that cell; what cannot work while grading (input(),
    a file beside the notebook, a float64 default dtype) is named, with the fix."""
    cells = solution_cells("no_grad_update")
    colab = "from google.colab import drive\ndrive.mount('/content/drive')\n"
    records = grade_many("no_grad_update", {
        "colab": [colab + cells[0], *cells[1:],
                  "import asyncio\nawait asyncio.sleep(0)\nprint('done')\n",
                  "@torch.compile\ndef twice(x):\n    return 2 * x\nprint(twice(torch.ones(2)))\n"
                  "@torch.jit.script\ndef thrice(x):\n    return 3 * x\nprint(thrice(torch.ones(2)))\n"],
        "asks": [cells[0] + "\nname = input('Your name: ')\n", *cells[1:]],
        "reads": [*cells, "with open('/content/drive/MyDrive/data.csv') as f:\n    f.read()\n"],
        "float64": [cells[0] + "\ntorch.set_default_dtype(torch.float64)\n", *cells[1:]],
    })
    colab = records["colab"]
    assert colab.score == colab.max_score and not colab.notes and not colab.flags, \
        said(colab)
    assert records["asks"].score == records["asks"].max_score
    assert "asked for input() on line 17, but nobody can type" in said(records["asks"])
    assert "only the notebook itself is graded" in said(records["reads"])
    lost = records["float64"]
    assert lost.score < lost.max_score
    assert "changes torch's default dtype (set_default_dtype(torch.float64))" in said(lost)


def test_a_helper_module_written_with_writefile_is_imported_and_read_as_code(grade_many):
    """``%%writefile grads.py`` then ``import grads`` works as in Jupyter; the module's code
    is held to the same rules as the notebook's, and flagged the same way."""
    cells = solution_cells("manual_backward")
    at = next(i for i, cell in enumerate(cells) if cell.startswith("def manual_grad("))

    def helper(code, use):
        return [*cells[:at], f"%%writefile grads.py\nimport torch\n{code}", use, *cells[at + 1:]]

    records = grade_many("manual_backward", {
        "honest": helper("def g(W, x, t):\n    return 2 * (W * x - t) * x\n",
                         "from grads import g\ndef manual_grad(W, x, target):\n"
                         "    return g(W, x, target)\n"),
        "autograd": helper("def g(W, x, t):\n    W = W.detach().requires_grad_(True)\n"
                           "    return torch.autograd.grad(((W * x - t) ** 2).sum(), W)[0]\n",
                           "import grads\ndef manual_grad(W, x, target):\n"
                           "    return grads.g(W, x, target)\n"),
        "raw_memory": helper("import ctypes\ndef g(W, x, t):\n    return 2 * (W * x - t) * x\n",
                             "from grads import *\ndef manual_grad(W, x, target):\n"
                             "    return g(W, x, target)\n"),
    })
    honest = records["honest"]
    assert honest.score == honest.max_score and not honest.flags and not honest.notes, \
        said(honest)
    assert "Your code uses torch.autograd.grad" in said(records["autograd"])
    assert not records["autograd"].questions["manual_grad"].full
    [flag] = [render(flag) for flag in records["raw_memory"].flags]
    assert flag.startswith(f"code cell {at + 1}, line 3: import ctypes"), flag
