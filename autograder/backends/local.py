"""Grade submissions on this machine: one forked grader per submission, ``jobs`` at a time.

Each grader (checking/grade.py) gets a connection of its own to the run's Zygote (a
Spawner: its sandboxes hold nothing of the grader or of other students), runs the hidden
checks, and sends its Outcome back as JSON through a pipe; a grader that dies or hangs
costs its own row only. A zygote that ends (killed, or crashed) is replaced, and what its
sandboxes were running is graded again: the notebooks are not to blame.
"""
import json
import os
import select
import signal
import sys
import time

import torch

from . import Backend
from ..checking import suite
from ..checking.grade import grade_notebook
from ..checking.student import Student
from ..records import Outcome, Status, msg
from ..sandbox import cgroup
from ..sandbox.channel import ChannelError
from ..sandbox.primitives import compact_for_fork, die_with_parent
from ..sandbox.spawner import Zygote
from ..sandbox.warm import warm_up

RESTARTS = 3  # zygotes a run replaces before it gives up


class LocalBackend(Backend):
    """Use as a context manager: entering it starts the zygote all sandboxes come from."""

    def __init__(self, jobs=None):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._zygote = None
        self._graders = set()  # pids of the graders running now
        self._generation = 0  # zygotes replaced so far

    def start(self):
        cgroup.remove_stale()  # left by an earlier run that was killed
        Zygote.remove_stale()
        self._zygote = Zygote.take()

    def stop(self):
        """End the run: graders still running (a run interrupted) are killed first, since
        each holds the zygote's connection open; then the zygote ends every sandbox."""
        for pid in self._graders:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _reaped(pid, 0)
        self._graders.clear()
        self._zygote.close()

    def isolation(self, limits):
        """The layers a sandbox gets on this machine (starts one empty sandbox)."""
        spawner = self._zygote.spawner()
        student = Student([], limits, spawner)
        try:
            student.start()
        finally:
            student.close()
            spawner.close()
        return student.isolation

    def run(self, assignment, submissions, limits):
        """Grade ``submissions``; yields (submission, Outcome) as each ends."""
        if not submissions:
            return
        queue, running = list(submissions), {}
        self._zygote.warm_up()  # for the sandboxes, in the zygote (once), alongside:
        warm_up(meta=False)  # for the graders' own torch work (once)
        suite.collect(assignment)
        compact_for_fork()
        hard_limit = limits.budget * 1.5 + 60
        exited = []  # graders that sent their outcome; reaped without waiting for them

        def fill():
            while queue and len(running) < self.jobs:
                submission = queue.pop(0)
                fd, pid = _fork_grader(assignment, submission, limits, self._spawner())
                running[fd] = [submission, pid, time.monotonic(), b"", self._generation]
                self._graders.add(pid)

        fill()
        while running:
            ready, _, _ = select.select(list(running), [], [], 1.0)
            done = []
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                running[fd][3] += chunk
                if not chunk:
                    submission, pid, start, data, generation = running.pop(fd)
                    done.append((submission, _finish(fd, pid, data, start), generation))
                    exited.append(pid)
            for fd, (submission, pid, start, data, generation) in list(running.items()):
                if time.monotonic() - start > hard_limit:
                    running.pop(fd)
                    done.append((submission, _finish(fd, pid, b"", start, timed_out=True),
                                 generation))
                    exited.append(pid)
            still = [pid for pid in exited if not _reaped(pid, os.WNOHANG)]
            self._graders -= set(exited) - set(still)
            exited = still
            self._replace_ended_zygote()
            kept, again = [], []
            for submission, outcome, generation in done:
                if generation == self._generation or outcome.status == Status.GRADED:
                    kept.append((submission, outcome))
                else:  # cut short because its zygote ended: not the notebook's doing
                    again.append(submission)
            queue[:0] = again
            fill()  # the next graders work while these are stored
            yield from kept
        for pid in exited:
            _reaped(pid, 0)
        self._graders -= set(exited)

    def _spawner(self):
        """A grader's spawner, from a new zygote where the run's has ended (before, or while
        it answers)."""
        while True:
            self._replace_ended_zygote()
            try:
                return self._zygote.spawner()
            except (OSError, ChannelError):
                if self._zygote.ended(wait=5) is None:
                    raise

    def _replace_ended_zygote(self):
        """Start a new zygote if the run's has ended (its sandboxes ended with it), saying
        so; after RESTARTS of them, a RuntimeError says how the last one ended."""
        ended = self._zygote.ended()
        if ended is None:
            return
        self._zygote.close()
        cgroup.remove_stale()  # its sandboxes' groups
        if self._generation >= RESTARTS:
            raise RuntimeError(f"the sandboxes' zygote ended {RESTARTS + 1} times (the last "
                               f"{ended}): what was graded is kept; run the command again")
        print(f"warning: the sandboxes' zygote ended ({ended}); a new one was started, and "
              "the notebooks it was running are graded again", file=sys.stderr)
        self._zygote = Zygote()
        self._zygote.warm_up()
        self._generation += 1


def _fork_grader(assignment, submission, limits, spawner):
    """Fork the grader of one submission, handing it its own spawner; returns (pipe, pid)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.setpgid(0, 0)
        die_with_parent()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.stdout = sys.stderr = open(os.devnull, "w")
        torch.set_num_threads(1)  # one thread per submission; --jobs runs them side by side
        try:
            outcome = grade_notebook(assignment, submission.path, limits, spawner,
                                     submission.seed, submission.beside)
        except BaseException as error:
            outcome = Outcome(Status.INTERNAL_ERROR, msg(
                "The grader failed on this notebook (internal error {error}); your instructor "
                "has been told.", error=type(error).__name__))
        os.write(write_end, json.dumps(outcome.to_dict()).encode())
        os.close(write_end)  # the run goes on while this process's memory is torn down
        os._exit(0)
    os.close(write_end)
    spawner.close()  # the grader holds its own copy of the connection
    return read_end, pid


def _reaped(pid, flags):
    try:
        return os.waitpid(pid, flags)[0] != 0
    except ChildProcessError:
        return True


def _finish(fd, pid, data, start, timed_out=False):
    os.close(fd)
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        outcome = Outcome.from_dict(json.loads(data))
    except (ValueError, KeyError, TypeError):
        outcome = Outcome(Status.TIMEOUT, msg(
            "Grading this notebook took far too long and was stopped.")) if timed_out else \
            Outcome(Status.CRASHED, msg("The grader for this notebook ended unexpectedly."))
    outcome.seconds = time.monotonic() - start
    return outcome
