"""The grader's handle on a submission: call its functions, read plain answers.

Hidden checks use ``Student.call``. Each call has a wall-clock deadline; a call
that hangs or kills its process costs that check only: the sandbox is restarted
for the next call, skipping any notebook cell that hung or crashed before.
"""
import struct
import time
from dataclasses import dataclass, field

from ..config import Limits
from ..records import NOT_DEFINED, TOO_SLOW, Status, msg
from ..sandbox import channel, counters
from ..sandbox.spawner import Spawner
from . import source
from .values import Reply, decode, describe_call, describe_error, mentions_meta

GRACE = 2.0  # seconds past the soft limit before the hard kill
COUNTED = {"backward": "backward", "nodes": "graph"}  # counter -> Reply.usage key


class StudentError(Exception):
    """A student function could not give an answer; ``message`` says why (a Message)."""

    def __init__(self, text, **params):
        self.message = msg(text, **params)
        super().__init__(self.message.text.format(**params))


class StudentTimeout(StudentError):
    pass


class StudentCrashed(StudentError):
    pass


@dataclass
class Student:
    """A submission's notebook, started lazily in a sandbox."""
    cells: list
    limits: Limits = field(default_factory=Limits)
    spawner: Spawner = None
    seed: int = 0                                    # what the checks' inputs derive from
    skipped: dict = field(default_factory=dict)      # cell index -> why
    cell_errors: dict = field(default_factory=dict)  # cell index -> error info
    imports: dict = field(default_factory=dict)  # cell index -> the imports skipped there
    problems: set = field(default_factory=set)       # Status.TIMEOUT, CRASHED, SYNTAX_ERROR
    isolation: list = field(default_factory=list)
    spent: float = 0.0
    slowest: float = 0.0                             # seconds of the slowest cell or call
    hung: set = field(default_factory=set)           # functions that ran out of time
    memo: dict = field(default_factory=dict)         # what checks share, e.g. one training run
    noted: set = field(default_factory=set)          # (event, cell, line) the audit hook saw
    nothing: dict = field(default_factory=dict)      # function -> a call that returned None
    _pid: int = None
    _fd: int = None
    _worker: int = None
    _counters: object = None
    _code: dict = field(default_factory=dict)
    _module: source.Module = None

    def call(self, function, *args, **kwargs):
        """Call a student function with plain arguments; returns its plain value."""
        return self.run(function, args, kwargs).value

    def run(self, function, args=(), kwargs=None, default_device=None, store=None,
            backward=None):
        """Call a student function; returns a Reply with value, args after, API usage.

        ``default_device`` sets torch's default device during the call (a trap for
        tensors created without ``device=``); ``store`` keeps the result under a
        name for ``ref``; ``backward`` back-propagates sum(result * backward). A call that
        involves the meta device is a dry run under CUDA's rules (sandbox/inside/dryrun.py).
        """
        call = describe_call(function, args, kwargs or {})
        if function in self.hung:
            raise _too_slow(call, self.limits.timeout)
        if self._fd is None:
            self.start()
        request = {"op": "call", "function": function, "args": list(args),
                   "kwargs": dict(kwargs or {}), "default_device": default_device,
                   "store": store, "count_nodes": self._counters is None,
                   "dry_run": default_device is not None or mentions_meta([args, kwargs])}
        before = self._count()
        reply = self._exchange(request, self.limits.timeout + GRACE, function, call)
        after = self._count()
        status = reply.get("status")
        if status == "missing":
            raise StudentError(NOT_DEFINED.text, function=function)
        if status == "not-callable":
            raise StudentError("{function} should be a function, but it is something else.",
                               function=function)
        if status == "raised" and reply.get("type") == "timeout":
            self.hung.add(function)
            self.problems.add(Status.TIMEOUT)
            raise _too_slow(call, self.limits.timeout)
        if status == "raised":
            raised = describe_error(function, call, reply, self.cells)
            raise StudentError(raised.text, **raised.params)
        usage = dict(reply.get("usage") or {})
        if before and after:  # read from outside the process: what it reported is moot
            usage.update({COUNTED[name]: after[name] - before[name] for name in after})
        args, backward_error = reply.get("args", []), None
        if backward is not None:
            then = self._exchange({"op": "backward", "weights": backward},
                                  self.limits.timeout + GRACE, function, call)
            args, backward_error = then.get("args", []), then.get("backward_error")
        value = decode(reply.get("value"))
        if value is None:  # no `return`, most likely: said on this function's failed checks
            self.nothing.setdefault(function, call)
        return Reply(value, [decode(a) for a in args], usage, backward_error, call)

    def code(self, function):
        """What ``function`` reaches in the submitted source (source.Code), read here in the
        grader from the notebook's text: nothing its process does can change it."""
        if function not in self._code:
            self._module = self._module or source.Module(self.cells)  # parsed once
            self._code[function] = self._module.reach(function)
        return self._code[function]

    def close(self):
        if self._counters is not None:
            self._counters.close()
            self._counters = None
        if self._pid is not None:
            self.spawner.release(self._pid)
            self._pid = self._fd = None

    def _watch(self):
        """Read the sandbox's autograd counters from outside it, where this machine lets
        the grader read its memory (counters.py); say so among the isolation layers."""
        if not getattr(self.spawner, "counters", None):
            return
        namespaced = any(layer["key"] == "namespaces" for layer in self.isolation)
        try:  # pid 1 of a namespace that has a holder is the holder's only child
            pid = self._worker or (counters.only_child(self._pid) if namespaced else self._pid)
            self._counters = counters.Reader(pid, self.spawner.counters)
        except (OSError, struct.error):
            return
        self.isolation.append({"key": "autograd counters",
                               "label": "autograd counted from outside"})

    def _count(self):
        if self._counters is None:
            return None
        try:
            return self._counters.read()
        except (OSError, struct.error):
            return None

    def start(self):
        """Run the notebook in a fresh sandbox, skipping cells that hung or crashed."""
        while True:
            self._check_budget(BUDGET_STARTING)
            self._pid, self._fd, self._worker = self.spawner.spawn(
                self.cells, self.skipped, self.limits.as_dict())
            pending = [index for index, _ in self.cells if index not in self.skipped]
            try:
                self.isolation = self._receive(self.limits.timeout + GRACE)["isolation"]
                self._watch()
                while pending:
                    message = self._receive(self.limits.timeout + GRACE)
                    if message.get("index") != pending[0]:
                        raise channel.ChannelError("unexpected message")
                    if message.get("error"):
                        self._record_cell_error(pending[0], message["error"])
                    if isinstance(message.get("skipped"), str):
                        self.imports[pending[0]] = message["skipped"]
                    pending.pop(0)
                self._receive(self.limits.timeout + GRACE)
                return
            except channel.ChannelTimeout:
                self._skip(pending, Status.TIMEOUT)
            except channel.ChannelError:
                self._skip(pending, Status.CRASHED)

    def _skip(self, pending, problem):
        """The first unfinished cell hung or crashed: leave it out next time."""
        self.close()
        self.problems.add(problem)
        if not pending:
            raise StudentCrashed("Your notebook's process stopped unexpectedly.")
        self.skipped[pending[0]] = problem

    def _record_cell_error(self, index, error):
        self.cell_errors[index] = error
        if error.get("type") == "SyntaxError":
            self.problems.add(Status.SYNTAX_ERROR)
        elif error.get("type") == "timeout":
            self.problems.add(Status.TIMEOUT)

    def _exchange(self, request, seconds, function, call):
        try:
            channel.send(self._fd, request)
            return self._receive(seconds)
        except channel.ChannelTimeout:
            self.close()
            self.hung.add(function)
            self.problems.add(Status.TIMEOUT)
            raise _too_slow(call, self.limits.timeout) from None
        except (channel.ChannelError, OSError) as error:
            self.close()
            self.problems.add(Status.CRASHED)
            raise StudentCrashed("{call} ended or crashed the Python process ({why}). Do "
                                 "not call exit(), os._exit() or use huge amounts of memory.",
                                 call=call, why=str(error)) from None

    def _receive(self, seconds):
        self._check_budget(BUDGET_RUNNING)
        start = time.monotonic()
        left = self.limits.budget - self.spent
        try:
            message = channel.receive(self._fd, deadline=start + min(seconds, left))
            self._note(message)
            return message
        finally:
            took = time.monotonic() - start
            self.spent += took
            self.slowest = max(self.slowest, took)

    def _note(self, message):
        """Keep the (event, cell, line) notes a message carries (sandbox/inside/audit.py)."""
        noted = message.get("noted") if isinstance(message, dict) else None
        for note in noted if isinstance(noted, list) else ():
            if (isinstance(note, (tuple, list)) and [type(n) for n in note] == [str, int, int]
                    and len(self.noted) < 32):
                self.noted.add((note[0][:60], *note[1:]))

    def _check_budget(self, doing):
        if self.spent >= self.limits.budget:
            self.problems.add(Status.TIMEOUT)
            raise StudentTimeout(doing, seconds=self.limits.budget)


BUDGET_STARTING = ("Time ran out while starting your notebook: the whole submission may use "
                   "{seconds:g} seconds.")
BUDGET_RUNNING = ("Time ran out while running your code: the whole submission may use "
                  "{seconds:g} seconds.")


def _too_slow(call, seconds):
    return StudentTimeout(TOO_SLOW.text, call=call, seconds=seconds)
