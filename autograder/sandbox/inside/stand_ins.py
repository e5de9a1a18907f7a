"""What Jupyter and Colab give a notebook that a sandbox has no real one of: ``display()``
and ``get_ipython()``, Colab's google.colab, and ``%%writefile``, whose Python files the
notebook can then import, as from its own folder in Jupyter.

Mounting Drive, uploads and Colab's display helpers do nothing here, so the cell that mounts
Drive runs on (a file read from Drive is then missing, and the feedback says why). The
stand-ins are defined in modules of their own, so nothing of torchgrade is reachable
through them.
"""
import _thread
import builtins
import importlib.abc
import importlib.util
import sys
import types

from ...jupyter import module_code

# Jupyter's display() and get_ipython(), which notebooks call without importing them (here
# there is no shell: None, as IPython's own gives outside one).
_JUPYTER = '''def display(*objects, **options):
    from IPython.display import display
    return display(*objects, **options)

def get_ipython():
    from IPython import get_ipython
    return get_ipython()
'''
# The command line of a Jupyter kernel (argparse's parse_args() in a notebook stops there)
_JUPYTER_ARGV = ["ipykernel_launcher.py", "-f", "kernel.json"]
_COLAB = {
    "drive": "def mount(*args, **kwargs):\n    pass\n"
             "def flush_and_unmount(*args, **kwargs):\n    pass\n",
    "files": "def upload(*args, **kwargs):\n    return {}\n"
             "def download(*args, **kwargs):\n    pass\n",
    "output": "def clear(*args, **kwargs):\n    pass\n"
              "def enable_custom_widget_manager(*args, **kwargs):\n    pass\n"
              "def disable_custom_widget_manager(*args, **kwargs):\n    pass\n",
    "patches": "def cv2_imshow(*args, **kwargs):\n    pass\n",
}


def main_namespace(own):
    """The notebook gets a ``__main__`` module of its own, with Jupyter's ``display`` and
    ``get_ipython``, a kernel's ``sys.argv``, Colab's google.colab and the modules its
    ``%%writefile`` cells write, and torchgrade's modules (``own``) leave ``sys.modules`` (a
    notebook that rewrites every module it can import finds none)."""
    sys.argv[:] = _JUPYTER_ARGV  # not the zygote's: parse_args() fails as it does in Jupyter
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    exec(compile(_JUPYTER, "<jupyter>", "exec"), main.__dict__)
    _colab()
    _WRITTEN.thread = _thread.get_ident()  # the notebook's: called on the main thread
    sys.meta_path.insert(0, _WRITTEN)
    sys.modules["__main__"] = main
    for name in own:
        sys.modules.pop(name, None)
    return main.__dict__


def write_file(index, source, name, text, append):
    """Run the ``%%writefile`` cell ``source`` (number ``index``): write ``text`` to the file
    ``name``; a Python file becomes importable, its code compiled from the cell as the
    grader reads it (lines numbered as in the cell)."""
    with open(name, "a" if append else "w", encoding="utf-8") as handle:
        handle.write(text)
    module = module_code(source)
    if module:
        before = _WRITTEN.sources.get(module[0], (0, ""))[1] if append else ""
        _WRITTEN.sources[module[0]] = index, before + module[1]  # appended: lines shift


class _Written(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and loads the modules %%writefile cells wrote, by their code as written, for
    the notebook's own thread only: an import torchgrade's threads make never finds one."""

    def __init__(self):
        self.sources, self.thread = {}, None  # module name: (the cell's index, its code)

    def find_spec(self, name, path=None, target=None):
        if path is None and name in self.sources and _thread.get_ident() == self.thread:
            return importlib.util.spec_from_loader(name, self, origin=f"{name}.py")
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        index, code = self.sources[module.__name__]
        module.__file__ = f"{module.__name__}.py"
        exec(compile(code, f"<code cell {index + 1}>", "exec"), module.__dict__)


_WRITTEN = _Written()


def _colab():
    """Put Colab's stand-ins into ``sys.modules``, unless a real google.colab is installed."""
    try:
        if importlib.util.find_spec("google.colab"):
            return
    except ImportError:  # no google package at all
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google"].__path__ = []
    colab = sys.modules["google.colab"] = types.ModuleType("google.colab")
    colab.__path__ = []
    sys.modules["google"].colab = colab
    for name, source in _COLAB.items():
        module = sys.modules[f"google.colab.{name}"] = types.ModuleType(f"google.colab.{name}")
        exec(compile(source, "<colab>", "exec"), module.__dict__)
        setattr(colab, name, module)
