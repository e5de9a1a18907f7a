r"""Where a submission runs: a confined child process that executes the notebook.

Process layout (everything is forked, so torch is imported only once):

    grader --control--> Spawner --fork--> namespace holder --fork--> sandbox
       \_____________________ call socket _____________________________/

The Spawner is forked before the grader imports pytest or any hidden check, so
a sandbox's memory holds neither. The sandbox executes the notebook's code
cells one by one, reporting each, then answers call requests until killed.
"""
import builtins
import os
import shutil
import signal
import socket
import sys
import tempfile
import traceback

import torch

from . import cgroup, channel, isolation, landlock, probe


class _CellTimeout(BaseException):
    """Raised inside the sandbox when a cell or call runs past its time limit."""


class Spawner:
    """A small fork server that starts sandboxes from a process free of grader state."""

    def __init__(self, workdir=None):
        self._workdir = workdir or tempfile.gettempdir()
        parent_end, child_end = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            parent_end.close()
            isolation.die_with_parent()
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
        os.waitpid(self.pid, 0)

    def _serve(self, control):
        sandboxes = {}
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
                    _sandbox_main(theirs.detach(), workdir, request)
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


def warm_up():
    """Run a little of everything once, before any sandbox is forked.

    torch imports much on first use (the meta device alone pulls in about 800
    modules and takes a second); done here, every sandbox inherits it for free.
    Never touches CUDA: a process that initialized it cannot fork safely.
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


def _sandbox_main(fd, workdir, request):
    """Body of a sandbox; never returns. Confinement is applied in this order."""
    try:
        os.setsid()
        isolation.die_with_parent()
        limits, me = request["limits"], os.getpid()
        active = cgroup.join(group_name(me), limits["tasks"], limits["memory"] + limits["disk"])
        namespaces = isolation.new_namespaces()
        if namespaces and os.fork():
            # The namespace holder: wait for pid 1 of the new namespace, then leave.
            os.wait()
            os._exit(0)
        isolation.die_with_parent()
        active += namespaces
        uid = SANDBOX_UID_BASE + me  # unique among running sandboxes
        if "mount" in "".join(namespaces):
            active += isolation.private_mounts(workdir, limits["disk"], uid)
        if os.geteuid() == 0:
            os.chown(workdir, uid, uid)
        os.chdir(workdir)
        torch.set_num_threads(1)  # parallelism comes from grading submissions side by side
        _close_inherited_files(fd)
        _clear_environment(workdir)
        active += landlock.restrict(_READABLE, [workdir, *_DEVICES])
        active += isolation.apply_limits(limits["memory"], limits["budget"], limits["file_size"],
                                         limits["tasks"])
        active += isolation.drop_privileges(uid)
        active += isolation.filter_syscalls()
        _serve(3, request["cells"], set(request["skip"]), limits["timeout"], active)
    finally:
        os._exit(0)


GROUP_PREFIX = "torchgrade-"
SANDBOX_UID_BASE = 1_000_000_000  # plus the sandbox's pid: a uid no other process has


def group_name(pid):
    """The cgroup of the sandbox whose outermost process is ``pid``."""
    return f"{GROUP_PREFIX}{pid}"


def _readable():
    """The Python installation and system libraries; not the project, not the submissions,
    not secrets in /etc, and not torchgrade itself where it was installed into site-packages
    (its hidden checks would be readable there)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(torch.__path__[0]),
             "/usr", "/lib", "/lib64", "/bin", "/sys", "/proc"}
    etc = ["/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/hosts",
           "/etc/nsswitch.conf", "/etc/host.conf", "/etc/mime.types", "/etc/os-release"]
    hidden = os.path.dirname(os.path.abspath(__file__))
    readable = set(etc)
    for root in roots:
        readable.update(_beside(os.path.realpath(root), hidden))
    return sorted(readable)


def _beside(root, hidden):
    """``root`` itself, or, if ``hidden`` lies inside it, everything in it but ``hidden``."""
    if os.path.commonpath([root, hidden]) != root:
        return [root]
    if root == hidden:
        return []
    try:
        entries = [os.path.join(root, name) for name in os.listdir(root)]
    except OSError:
        return []
    return [path for entry in entries for path in _beside(entry, hidden)]


_READABLE = _readable()
_DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]


def _clear_environment(workdir):
    """Drop the grader's environment variables (they may hold tokens) but the basics."""
    kept = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL") if key in os.environ}
    os.environ.clear()
    os.environ.update(kept, HOME=workdir, TMPDIR=workdir)
    tempfile.tempdir = workdir
    isolation.wipe_initial_environment()


def _close_inherited_files(fd):
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.dup2(fd, 3)
    os.closerange(4, 65536)


def _serve(fd, cells, skip, timeout, active):
    usage = probe.Usage()
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    channel.send(fd, {"event": "started", "isolation": active})
    for index, source in cells:
        if index not in skip:
            channel.send(fd, {"event": "cell", "index": index,
                              "error": _run_cell(index, source, namespace, timeout)})
    channel.send(fd, {"event": "ready"})
    names = {}
    while True:
        request = channel.receive(fd, trusted=True)
        channel.send(fd, _call(request, namespace, names, usage, timeout))


def _run_cell(index, source, namespace, timeout):
    try:
        code = compile(_strip_magics(source), f"<code cell {index + 1}>", "exec")
    except SyntaxError as error:
        return {"type": "SyntaxError", "message": f"line {error.lineno}: {error.msg}"}
    except Exception as error:
        return {"type": type(error).__name__, "message": _safe_str(error)}
    try:
        with _time_limit(timeout):
            exec(code, namespace)
    except BaseException as error:  # the cell may raise anything, SystemExit included
        return _error_info(error)
    return None


def _strip_magics(source):
    """IPython magics and shell escapes are not Python; they are skipped."""
    if source.lstrip().startswith("%%"):
        return ""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


def _call(request, namespace, names, usage, timeout):
    function = namespace.get(request["function"])
    if function is None:
        return {"status": "missing"}
    if not callable(function):
        return {"status": "not-callable", "type": probe.describe(function)}
    built = []
    before = usage.snapshot()
    try:
        args = probe.build(request["args"], names, built)
        kwargs = probe.build(request["kwargs"], names, built)
        with _time_limit(timeout), probe.call_context(request.get("default_device")):
            result = function(*args, **kwargs)
        if request.get("store"):
            names[request["store"]] = result
        after = usage.snapshot()
        backward_error = None
        if request.get("backward") is not None:
            try:
                with _time_limit(timeout):
                    probe.backward(result, probe.build(request["backward"], names, []))
            except BaseException as error:
                backward_error = _safe_str(error) or probe.type_name(error)
        return {"status": "returned",
                "value": probe.describe(result, built),
                "args": [probe.describe(tensor, built) for tensor in built],
                "usage": {key: after[key] - before[key] for key in after},
                "backward_error": backward_error}
    except BaseException as error:  # student code may raise anything
        return {"status": "raised", **_error_info(error)}


class _time_limit:
    """SIGALRM-based soft limit; the grader also enforces a hard wall clock."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)


def _on_alarm(signum, frame):
    raise _CellTimeout()


def _error_info(error):
    if isinstance(error, _CellTimeout):
        return {"type": "timeout", "message": "ran past the time limit"}
    if isinstance(error, MemoryError):
        return {"type": "MemoryError", "message": "ran out of memory"}
    where = ""
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if frame.filename.startswith("<code cell")]
        if frames:
            where = f"{frames[-1].filename.strip('<>')}, line {frames[-1].lineno}"
    except Exception:
        pass
    return {"type": probe.type_name(error), "message": _safe_str(error), "where": where}


def _safe_str(error):
    try:
        text = str.__str__(str(error))
    except BaseException:
        text = ""
    return text[:500]

