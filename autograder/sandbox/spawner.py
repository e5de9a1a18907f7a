r"""The fork servers every sandbox is born from, so torch is imported only once.

Process layout in a grading run (everything is forked):

    main --fork--> Zygote --fork--> Spawner (one per submission) --fork--> ... --> sandbox
      \--fork--> grader --control-----^                                             |
                    \___________________ call socket ______________________________/

The Zygote is forked when a run starts, before it reads a hidden check, a solution or any
student's notebook, so a sandbox's memory holds none of them: only its own notebook.
The sandbox executes the notebook's code cells one by one, reporting each, then answers
call requests until killed (runner.py). Outside a run (pytest --notebook, the otter plugin)
a Spawner forks itself from a process that has not imported the hidden checks yet.
"""
import functools
import json
import os
import shutil
import signal
import socket
import tempfile

import torch

from . import cgroup, channel, confine, counters, primitives, runner

GROUP_PREFIX = "torchgrade-"


class Zygote:
    """Forks a fresh Spawner for each submission from a process that never held grading
    data; warms torch up, when asked, once for all of them."""

    def __init__(self, workdir):
        parent_end, child_end = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            parent_end.close()
            primitives.die_with_parent()
            # One thread, before any torch work: an OpenMP pool inherited across fork from a
            # process that already used one deadlocks; sandboxes use one thread anyway.
            torch.set_num_threads(1)
            addresses = counters.locate(backward=not has_gpu())
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the spawners
            try:
                self._serve(child_end, workdir, json.dumps(addresses).encode())
            finally:
                os._exit(0)
        child_end.close()
        self._control, self._asked = parent_end, 0

    def warm_up(self):
        """Ask the zygote to warm torch up (in its own time) for the sandboxes to come; a run
        with nothing left to grade never asks."""
        self._control.send(b"w")

    def ask(self):
        """Have the zygote fork the next Spawner now, while other work goes on."""
        self._control.send(b"s")
        self._asked += 1

    def spawner(self):
        """A new Spawner, forked from the zygote, for one submission."""
        if not self._asked:
            self.ask()
        self._asked -= 1
        message, fds, _, _ = socket.recv_fds(self._control, 1024, 1)
        return Spawner(connection=socket.socket(fileno=fds[0]), workdir=None,
                       addresses=json.loads(message))

    def close(self):
        self._control.close()
        os.waitpid(self.pid, 0)

    def _serve(self, control, workdir, addresses):
        while request := control.recv(1):
            if request == b"w":
                warm_up()
                primitives.compact_for_fork()
                continue
            ours, theirs = socket.socketpair()
            if os.fork() == 0:
                control.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                primitives.die_with_parent()
                try:
                    Spawner(workdir, connection=theirs)._serve(theirs)
                finally:
                    os._exit(0)
            socket.send_fds(control, [addresses], [ours.fileno()])
            ours.close()
            theirs.close()


class Spawner:
    """A small fork server that starts sandboxes from a process free of grader state:
    forked here, or (``connection``) one a Zygote forked."""

    def __init__(self, workdir=None, connection=None, addresses=None):
        self._workdir = workdir or tempfile.gettempdir()
        self.pid = None
        if connection is not None:
            self._control = connection
            self.counters = addresses  # where its sandboxes keep autograd's counters
            return
        self.counters = counters.locate(backward=not has_gpu())
        parent_end, child_end = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            parent_end.close()
            primitives.die_with_parent()
            try:
                self._serve(child_end)
            finally:
                os._exit(0)
        child_end.close()
        self._control = parent_end

    def spawn(self, cells, skip, limits):
        """Start a sandbox running the given cells; returns (pid, call socket fd)."""
        channel.send(self._control.fileno(), {"op": "spawn", "cells": cells,
                                              "skip": sorted(skip), "limits": limits})
        message, fds, _, _ = socket.recv_fds(self._control, 64, 1)
        return int(message), fds[0]

    def release(self, pid):
        """Kill a sandbox and everything it started, and clean up its files."""
        channel.send(self._control.fileno(), {"op": "release", "pid": pid})
        self._control.recv(1)

    def close(self):
        self._control.close()
        if self.pid is not None:
            os.waitpid(self.pid, 0)

    def _serve(self, control):
        sandboxes, readable = {}, confine.readable_paths()
        while True:
            try:
                request = channel.receive(control.fileno(), trusted=True)
            except channel.ChannelError:
                break
            if request["op"] == "spawn":
                workdir = tempfile.mkdtemp(prefix="sandbox-", dir=self._workdir)
                ours, theirs = socket.socketpair()
                pid = os.fork()
                if pid == 0:
                    control.close()
                    ours.close()
                    _sandbox_main(theirs.detach(), workdir, request, readable)
                theirs.close()
                sandboxes[pid] = workdir
                socket.send_fds(control, [str(pid).encode()], [ours.fileno()])
                ours.close()
            else:
                pid = request["pid"]
                _kill_and_reap(pid)
                shutil.rmtree(sandboxes.pop(pid), ignore_errors=True)
                control.send(b"k")
        for pid, workdir in sandboxes.items():
            _kill_and_reap(pid)
            shutil.rmtree(workdir, ignore_errors=True)


@functools.cache
def has_gpu():
    """Whether a CUDA GPU is present, asked through NVML: CUDA itself is not initialized,
    so sandboxes forked afterwards can still use the GPU."""
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    return torch.cuda.is_available()


def warm_up():
    """Run a little of everything once, before any sandbox is forked.

    torch imports much on first use (the meta device alone pulls in about 800
    modules and takes a second); done here, every sandbox inherits it for free.
    Never touches CUDA: a process that initialized it cannot fork safely. On a GPU
    machine that includes autograd's first backward pass, which counts the GPUs
    (initializing CUDA) and starts a thread per device, so it is left to the sandbox.
    """
    for device in ("cpu", "meta"):
        W = torch.ones(3, 4, device=device, dtype=torch.float64, requires_grad=True)
        x = torch.ones(4, device=device, dtype=torch.float64)
        loss = ((W @ x - 1) ** 2).mean() + W.permute(1, 0).reshape(-1).sum()
        torch.outer(W @ x, x).t().contiguous().view(-1)
        labels = torch.zeros(2, dtype=torch.long, device=device)
        torch.nn.functional.cross_entropy(torch.ones(2, 3, device=device), labels)
        torch.softmax(W.detach(), dim=1).log().exp()
    loss.detach()
    if not has_gpu():
        W = torch.ones(3, 4, requires_grad=True)
        torch.autograd.grad(((W @ torch.ones(4)) ** 2).mean(), W)
    torch.multinomial(torch.ones(3), 2, generator=torch.Generator().manual_seed(0))


def _kill_and_reap(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    cgroup.remove(group_name(pid))  # whatever left the process group dies here


def group_name(pid):
    """The cgroup of the sandbox whose outermost process is ``pid``."""
    return f"{GROUP_PREFIX}{pid}"


def _sandbox_main(fd, workdir, request, readable):
    """Body of a sandbox; never returns: confine, then run the notebook and serve calls."""
    try:
        limits = request["limits"]
        active = confine.enter(fd, workdir, limits, group_name(os.getpid()), readable)
        runner.serve(3, request["cells"], set(request["skip"]), limits["timeout"], active)
    finally:
        os._exit(0)


