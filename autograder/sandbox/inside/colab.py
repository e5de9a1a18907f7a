"""Colab's google.colab, for notebooks written there, where no real one is installed.

Mounting Drive, uploads and Colab's display helpers do nothing here, so the cell that mounts
Drive runs on (a file read from Drive is then missing, and the feedback says why). The
stand-ins are defined in modules of their own, so nothing of torchgrade is reachable
through them.
"""
import importlib.util
import sys
import types

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


def stand_in():
    """Put the stand-ins into ``sys.modules``, unless a real google.colab is installed."""
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
