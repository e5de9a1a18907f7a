"""The sandbox's main thread, where the notebook's own code runs and nothing else does.

The runner thread (runner.py) hands over one job at a time: run a cell, or call a function.
A job leaves its outcome in a list the runner reads once the job is done; whatever a
notebook does here can change only what its own code returns, never how the runner
describes it. The in-process counts below (``Usage``) stand in for autograd's counters only
where the grader cannot read those from outside (counters.py).
"""
import signal
import traceback
from collections import deque
from operator import call

import torch
from torch.autograd.variable import Variable

from ..notebook import python_source

# Bound at import: a notebook that rebinds builtins breaks its own code, not these reports.
_isinstance, _callable, _type, _str, _int = isinstance, callable, type, str, int
_name_of = type.__dict__["__name__"].__get__


class CellTimeout(BaseException):
    """Raised in the main thread when a cell or call runs past its time limit."""


def loop(jobs):
    """Run the jobs the runner puts in ``jobs``, one after another, for ever."""
    while True:
        try:
            deque(map(call, iter(jobs.get, None)), 0)
        except BaseException:  # an alarm between jobs, or one a job let out
            continue


def run_cell(index, source, namespace, out):
    """Execute one code cell; ``out`` gets None or what went wrong."""
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        code = compile(python_source(source)[0], f"<code cell {index + 1}>", "exec")
    except SyntaxError as error:
        out.append({"type": "SyntaxError", "message": f"line {error.lineno}: {error.msg}"})
        return
    except Exception as error:
        out.append({"type": _name_of(_type(error)), "message": safe_str(error)})
        return
    try:
        exec(code, namespace)
    except BaseException as error:  # the cell may raise anything, SystemExit included
        out.append(error_info(error))
        return
    out.append(None)


def invoke(namespace, name, args, kwargs, default_device, usage, out):
    """Call a student function; ``out`` gets ("missing",), ("not-callable", value),
    ("raised", error info) or ("returned", result, in-process counts)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    function = namespace.get(name)
    if function is None:
        out.append(("missing",))
        return
    if not _callable(function):
        out.append(("not-callable", function))
        return
    before = usage.snapshot()
    try:
        with call_context(default_device, usage):
            result = function(*args, **kwargs)
    except BaseException as error:  # student code may raise anything
        out.append(("raised", error_info(error)))
        return
    after = usage.snapshot()
    out.append(("returned", result, {key: after[key] - before[key] for key in after}))


class Usage:
    """Counts autograd passes (backward and forward-mode) and operations that recorded
    autograd history (``graph``, counted while ``recording()`` is active)."""

    def __init__(self):
        self.counts = {"backward": 0, "forward_ad": 0, "graph": 0}
        engine = Variable._execution_engine
        usage = self

        class CountingEngine:
            def run_backward(self, *args, **kwargs):
                usage.counts["backward"] += 1
                return engine.run_backward(*args, **kwargs)

            def __getattr__(self, name):
                return getattr(engine, name)

        Variable._execution_engine = CountingEngine()

    def snapshot(self):
        return dict(self.counts)


class _CallMode(torch.overrides.TorchFunctionMode):
    """Counts operations whose result joined an autograd graph, and makes a generator on
    another device than an operation's result fail on the meta device as it does on CUDA."""

    def __init__(self, counts):
        super().__init__()
        self.counts = counts

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        items = result if _type(result) in (tuple, list) else (result,)
        tensors = [item for item in items if _isinstance(item, torch.Tensor)]
        if any(item.grad_fn is not None for item in tensors):
            self.counts["graph"] += 1
        if func is torch._make_dual:  # forward-mode AD (forward_ad, torch.func.jvp)
            self.counts["forward_ad"] += 1
        generator = kwargs.get("generator")
        if _isinstance(generator, torch.Generator) and tensors:
            made, drew = tensors[0].device.type, generator.device.type
            if made == "meta" and drew != "meta":  # what CUDA says for a CPU generator
                raise RuntimeError(f"Expected a '{made}' device type for generator but found "
                                   f"'{drew}'")
        return result


class call_context:
    """Grad mode on, autograd history counted, and optionally a default device that traps
    missing device=."""

    def __init__(self, default_device, usage):
        self.default_device, self.mode = default_device, _CallMode(usage.counts)

    def __enter__(self):
        torch.set_grad_enabled(True)
        if self.default_device:
            torch.set_default_device(self.default_device)
        self.mode.__enter__()

    def __exit__(self, *exc):
        self.mode.__exit__(*exc)
        torch.set_default_device(None)
        torch.set_grad_enabled(True)


def _on_alarm(signum, frame):
    raise CellTimeout()


def error_info(error):
    """Plain data on an exception from student code: type, message, and the cell and line
    it came from."""
    if _isinstance(error, CellTimeout):
        return {"type": "timeout", "message": "ran past the time limit"}
    if _isinstance(error, MemoryError):
        return {"type": "MemoryError", "message": "ran out of memory"}
    info = {"type": _name_of(_type(error)), "message": safe_str(error)}
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if frame.filename.startswith("<code cell ")]
        if frames:
            info["cell"] = _int(frames[-1].filename[len("<code cell "):-1])
            info["line"] = frames[-1].lineno
    except Exception:
        pass
    return info


def safe_str(error):
    try:
        text = _str.__str__(_str(error))
    except BaseException:
        text = ""
    return text[:500]
