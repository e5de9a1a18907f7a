r"""The zygote: the process every sandbox is forked from, so torch is imported once for all.

    python -m autograder.sandbox.zygote FD WORKDIR

started by spawner.Zygote, as a new program with an environment of its own: it holds
nothing of the grading process (no environment variable, no course file, no hidden check,
no notebook), so neither can any sandbox, even one that reads all of its own memory.

    main --exec--> zygote --fork--> sandbox (one at a time per submission)
      \--fork--> grader --control-----^        |
                    \____ call socket _________/

A grader asks it for a sandbox over a control connection of its own (a Spawner) and sends
the notebook's cells to the sandbox itself, over the call socket, once the sandbox is
confined: a sandbox's memory holds its own notebook only. The sandbox runs the cells one by
one, reporting each, then answers call requests until killed (inside/runner.py).

Nobody waits for the slow parts: the zygote forks each sandbox one request ahead (it
confines itself, its control group included, while the previous notebook runs), and a
released sandbox is killed at once but reaped, and its files and group deleted, once its
pidfd says it has exited.
"""
import os
import select
import shutil
import signal
import socket
import sys
import tempfile

import torch

from . import cgroup, channel, counters, primitives, seccomp
from .inside import confine, main_thread, runner
from .warm import has_gpu, preload, warm_up


def main(fd, workdir):
    """Serve the grading process on the socket ``fd`` until it closes it."""
    primitives.die_with_parent()
    if os.getppid() == 1:  # it ended before that took effect
        os._exit(0)
    # One thread, before any torch work: sandboxes use one, and an OpenMP pool inherited
    # across fork from a process that already used one deadlocks.
    torch.set_num_threads(1)
    os.environ["MPLCONFIGDIR"] = os.path.join(workdir, "matplotlib")  # its font cache
    try:
        channel.send(fd, counters.locate(backward=not has_gpu()))
        _Server(socket.socket(fileno=fd), workdir).loop()
    except OSError:  # the grading process has gone (a command that ended early)
        pass
    finally:
        os._exit(0)


class _Server:
    """The zygote's loop: new connections and warm-ups asked for on ``control``, sandboxes
    started and released on each connection. A connection that closes takes its sandboxes
    with it, and so does the end of ``control``."""

    def __init__(self, control, workdir):
        self.control, self.workdir = control, workdir
        self.readable, self.pid_namespace = confine.readable_paths(), primitives.pid_namespace()
        self.modules = main_thread.own_modules()
        seccomp.prepare(3, gpu=bool(confine.cuda_files()))  # 3: every sandbox's call socket
        self.connections = {control.fileno(): control}
        self.sandboxes = {}  # pid: (its connection's fd or None, its directory)
        self.spare = None  # (limits, pid, worker, our socket): forked ahead, for the next spawn
        self.dying = {}  # pidfd: (pid, directory) of a killed sandbox not yet reaped
        self.compacting = None  # steps of primitives.compaction, taken while nothing waits

    def loop(self):
        try:
            while True:
                ready = select.select([*self.connections, *self.dying], [], [],
                                      None if self.compacting is None else 0)[0]
                if not ready and next(self.compacting or iter(()), self) is self:
                    self.compacting = None  # done
                for fd in ready:
                    if fd in self.dying:
                        self._reap(fd)
                    elif fd != self.control.fileno():
                        self._on_request(fd)
                    elif not self._on_control():
                        return
        finally:
            for pid in list(self.sandboxes):
                self._release(pid)
            for fd in list(self.dying):
                self._reap(fd)

    def _on_control(self):
        request, fds, _, _ = socket.recv_fds(self.control, 1, 1)
        if request == b"w":
            self._drop_spare()  # it would miss the warm-up
            warm_up()
            self.modules = main_thread.own_modules()
            self.compacting = primitives.compaction()  # sandboxes can be forked meanwhile
        elif fds:  # a new connection
            self.connections[fds[0]] = socket.socket(fileno=fds[0])
        return bool(request)

    def _on_request(self, fd):
        connection = self.connections[fd]
        try:
            request = channel.receive(fd, trusted=True)
        except channel.ChannelError:  # its grader has ended
            del self.connections[fd]
            connection.close()
            for pid in [pid for pid, (owner, _) in self.sandboxes.items() if owner == fd]:
                self._release(pid)
            return
        if request["op"] == "spawn":
            limits = request["limits"]
            if preload(request.get("preload", ())):
                self._drop_spare()  # forked before those imports
            if self.spare is None or self.spare[0] != limits:
                self._drop_spare()
                self.spare = limits, *self._fork_sandbox(limits)
            _, pid, worker, ours = self.spare
            self.sandboxes[pid] = fd, self.sandboxes[pid][1]
            socket.send_fds(connection, [f"{pid} {worker}".encode()], [ours.fileno()])
            ours.close()
            # The next spawn's sandbox confines itself while this one's notebook runs.
            self.spare = limits, *self._fork_sandbox(limits)
            return
        if self.sandboxes.get(request["pid"], (None,))[0] == fd:  # its own sandboxes only
            self._release(request["pid"])
        connection.send(b"k")

    def _drop_spare(self):
        if self.spare is not None:
            self._release(self.spare[1])
            self.spare[3].close()
            self.spare = None

    def _fork_sandbox(self, limits):
        """Fork a sandbox, as pid 1 of a pid namespace of its own where this process can make
        one; returns (pid, the pid student code runs in or 0, our end of its call socket)."""
        directory = tempfile.mkdtemp(prefix="sandbox-", dir=self.workdir)
        pid_one = primitives.new_pid_namespace_for_next_child(self.pid_namespace)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            _sandbox_main(theirs.detach(), directory, limits, self.readable, pid_one,
                          self.modules)
        theirs.close()
        self.sandboxes[pid] = None, directory
        return pid, pid if pid_one else 0, ours

    def _release(self, pid):
        """Kill a sandbox and whatever it started. Its exit, reaping and the deletion of its
        files and group happen while the loop goes on (it waits on the sandbox's pidfd)."""
        for kill in (os.kill, os.killpg):  # pid 1 of a namespace takes the namespace with it
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        directory = self.sandboxes.pop(pid)[1]
        try:
            self.dying[os.pidfd_open(pid)] = pid, directory
        except OSError:  # no pidfds on this kernel: wait here
            _clean_up(pid, directory)

    def _reap(self, fd):
        os.close(fd)
        _clean_up(*self.dying.pop(fd))


def _clean_up(pid, directory):
    """Reap a killed sandbox, then delete its group (killing whatever is left in it) and files."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    cgroup.remove(cgroup.sandbox_group(pid))
    shutil.rmtree(directory, ignore_errors=True)


def _sandbox_main(fd, workdir, limits, readable, pid_one, modules):
    """Body of a sandbox; never returns: confine, then run the notebook and serve calls."""
    try:
        active = confine.enter(fd, workdir, limits, readable, pid_one)
        runner.serve(3, limits["timeout"], active, modules)
    finally:
        os._exit(0)




if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
