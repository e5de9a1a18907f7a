"""How graders get sandboxes: a Zygote is the grading process's handle on a zygote process
(zygote.py), which forks them; a Spawner is one grader's connection to it. Outside a run
(pytest --notebook, the otter plugin) a Spawner starts a Zygote of its own.

Importing this module does not import torch (channel.py is imported where it is used), so a
grading command can start its zygote before its own imports (__main__.py).
"""
import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

# Passed on to the zygote: what Python, torch and CUDA read. Nothing else: the grader's
# environment may hold tokens, and whatever the zygote holds, every sandbox could read.
_KEPT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH", "TZ")
_KEPT_PREFIXES = ("CUDA_", "NVIDIA_", "OMP_", "PYTORCH_", "TORCH_")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w., \t]+))",
                     re.MULTILINE)


def imported(cells):
    """The top-level packages the cells' import statements name (a hint for the zygote's
    preloads, so a miss costs only time)."""
    names = set()
    for _, source in cells:
        for origin, listed in _IMPORT.findall(source):
            for name in (origin or listed).split(","):
                names.add(name.split()[0].split(".")[0] if name.split() else "")
    return sorted(names - {""})


class Zygote:
    """Starts the zygote all sandboxes of a run are forked from, each in a directory of its
    own under a new temporary one; warms torch up there, when asked, once for all of them."""

    _early = None  # started by start_early, for the next take()

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix=f"torchgrade-{os.getpid()}-")  # see remove_stale
        ours, theirs = socket.socketpair()
        environment = {key: value for key, value in os.environ.items()
                       if key in _KEPT or key.startswith(_KEPT_PREFIXES)}
        # One thread for numpy's and scipy's BLAS (a pool started in the zygote would not
        # survive a fork); plots on matplotlib's Agg backend, drawn and shown nowhere.
        environment.update(OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="agg")
        environment["PYTHONPATH"] = os.pathsep.join(
            path for path in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if path)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno()),
             self.workdir], pass_fds=[theirs.fileno()], env=environment, cwd=_PACKAGE_ROOT,
            stdin=subprocess.DEVNULL)
        theirs.close()
        self.pid = self._process.pid
        self._control, self._addresses, self._warm = ours, (), False  # (): not told yet

    @staticmethod
    def remove_stale():
        """Delete the work folders of zygotes whose grading process is gone (a run killed
        with SIGKILL, which cannot tidy up)."""
        for folder in Path(tempfile.gettempdir()).glob("torchgrade-*-*"):
            owner = folder.name.split("-")[1]
            if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                shutil.rmtree(folder, ignore_errors=True)

    @classmethod
    def start_early(cls):
        """Start one now, for this process's next ``take``: its imports run beside ours."""
        cls._early = cls()
        atexit.register(lambda: cls._early and cls.take().close())

    @classmethod
    def take(cls):
        """The zygote started early, or a new one."""
        zygote, cls._early = cls._early or cls(), None
        return zygote

    def warm_up(self):
        """Ask the zygote to warm torch up (in its own time) for the sandboxes to come, once;
        a run with nothing left to grade never asks."""
        if not self._warm:
            self._control.send(b"w")
            self._warm = True

    def spawner(self):
        """A Spawner for one grader: a new control connection to the zygote."""
        return Spawner(*self._connect())

    def _connect(self):
        """A new connection, handed to the zygote without waiting for it; and where its
        sandboxes keep autograd's counters (the zygote says so once, when it has started)."""
        from . import channel
        if self._addresses == ():  # None: the counters cannot be read from outside here
            self._addresses = channel.receive(self._control.fileno(), trusted=True)
        ours, theirs = socket.socketpair()
        socket.send_fds(self._control, [b"c"], [theirs.fileno()])
        theirs.close()
        return ours, self._addresses

    def ended(self, wait=0):
        """None while the zygote runs (``wait`` seconds on); else how it ended ("killed by
        signal 9")."""
        try:
            code = self._process.wait(wait)
        except subprocess.TimeoutExpired:
            return None
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def close(self):
        self._control.close()
        self._process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Spawner:
    """A grader's control connection to a Zygote: starts and releases its sandboxes.
    ``Spawner()`` starts a Zygote of its own."""

    def __init__(self, connection=None, addresses=None):
        self._zygote = None
        if connection is None:
            self._zygote = Zygote()
            connection, addresses = self._zygote._connect()
        self._control = connection
        self.counters = addresses  # where its sandboxes keep autograd's counters

    def spawn(self, cells, skip, limits):
        """Start a sandbox running the given cells; returns (pid, call socket fd, the pid
        student code runs in or 0 when that is the only child of ``pid``)."""
        from . import channel
        channel.send(self._control.fileno(), {"op": "spawn", "limits": limits,
                                              "preload": imported(cells)})
        message, fds, _, _ = socket.recv_fds(self._control, 64, 1)
        pid, worker = map(int, message.split())
        try:  # the sandbox reads them once confined; if it died, the next read says so
            channel.send(fds[0], {"cells": cells, "skip": sorted(skip)})
        except OSError:
            pass
        return pid, fds[0], worker

    def release(self, pid):
        """Kill a sandbox and everything it started, and clean up its files."""
        from . import channel
        channel.send(self._control.fileno(), {"op": "release", "pid": pid})
        self._control.recv(1)

    def close(self):
        self._control.close()
        if self._zygote is not None:
            self._zygote.close()


