"""The sandbox's main thread, where the notebook's own code runs and nothing else does.

The runner thread (runner.py) hands over one job at a time: run a cell, or call a function.
A job leaves its outcome in a list the runner reads once the job is done; whatever a
notebook does here can change only what its own code returns, never how the runner
describes it. The in-process counts below (``Usage``) stand in for autograd's counters only
where the grader cannot read those from outside (counters.py).
"""
import ast
import inspect
import linecache
import signal
import sys
import traceback
from collections import deque
from operator import call

import torch
from torch._functorch import predispatch
from torch.autograd.variable import Variable

from ...jupyter import python_source, written_file
from . import stand_ins
from .dryrun import DryRun

# Bound at import: a notebook that rebinds builtins breaks its own code, not these reports.
_isinstance, _callable, _type, _str, _int = isinstance, callable, type, str, int
_name_of = type.__dict__["__name__"].__get__
_ImportError = ImportError
OPTIONS = ("default_device", "dry_run", "count_nodes")  # of a call (see invoke)


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
    """Execute one code cell; ``out`` gets None or what went wrong, then, if any, the
    imports skipped. A top-level import of a module the grader lacks is skipped and the
    rest of the cell runs, as it ran where the module was installed (code that uses the
    module fails there). An ``await`` at the top of a cell runs as in Jupyter: the cell is
    a coroutine, run to its end."""
    signal.signal(signal.SIGALRM, _on_alarm)
    written = written_file(source)
    if written is not None:  # %%writefile
        try:
            stand_ins.write_file(index, source, *written)
            out.append(None)
        except BaseException as caught:
            out.append(error_info(caught))
        return
    name, skipped, body = f"<code cell {index + 1}>", [], None
    python = python_source(source)[0]
    linecache.cache[name] = (len(python), None, python.splitlines(True), name)  # as IPython
    try:
        code = compile(python, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        out.append({"type": "SyntaxError", "message": f"line {error.lineno}: {error.msg}"})
        return
    except Exception as error:
        out.append({"type": _name_of(_type(error)), "message": safe_str(error)})
        return
    while True:
        try:
            if code.co_flags & inspect.CO_COROUTINE:
                import asyncio
                asyncio.run(eval(code, namespace))
            else:
                exec(code, namespace)
            error = None
        except BaseException as caught:  # the cell may raise anything, SystemExit included
            error, failed = error_info(caught), None
            if _isinstance(caught, _ImportError):
                body = body or ast.parse(python, name).body
                failed = _import_statement(body, caught, name)
            if failed is not None:
                skipped.append(f"line {failed.lineno}: {error['message']}")
                body = [node for node in body if node.lineno > failed.end_lineno]
                if body:
                    code = _compiled(body, name)
                    continue
                error = None
        break
    out.append(error)
    if skipped:
        out.append("; ".join(skipped))


def _compiled(body, name):
    return compile(ast.Module(body, []), name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _import_statement(body, error, name):
    """The top-level import statement of the cell ``name`` (its statements: ``body``) that
    raised the ImportError ``error``, or None when it came from elsewhere."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == name]
    if not frames or frames[-1].name != "<module>":
        return None
    return next((node for node in body if _isinstance(node, (ast.Import, ast.ImportFrom))
                 and node.lineno <= frames[-1].lineno <= node.end_lineno), None)


def invoke(namespace, name, args, kwargs, options, usage, out):
    """Call a student function; ``out`` gets ("missing",), ("not-callable", value),
    ("raised", error info) or ("returned", result, in-process counts and ``grad_off``: 1
    when it left gradient recording off). ``options`` are the
    request's: ``default_device``, ``dry_run`` and ``count_nodes`` (see call_context
    and Usage)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    function = namespace.get(name)
    if function is None:
        out.append(("missing",))
        return
    if not _callable(function):
        out.append(("not-callable", function))
        return
    nodes = options.get("count_nodes")
    before = usage.snapshot(nodes)
    try:
        with call_context(options.get("default_device"), options.get("dry_run")):
            result = function(*args, **kwargs)
            grad_off = int(not torch.is_grad_enabled())  # left for the notebook's next cells
    except BaseException as error:  # student code may raise anything
        out.append(("raised", error_info(error)))
        return
    out.append(("returned", result, {**usage.since(before, nodes), "grad_off": grad_off}))


class Usage:
    """Counts in the notebook's own process: backward passes (autograd's engine), dual
    levels entered (forward-mode AD: forward_ad, torch.func.jvp) and, when asked, the
    autograd nodes a call made on this thread (``graph``: what the grader reads from
    outside where this machine lets it, counters.py). Nothing here slows torch's operations
    down."""

    def __init__(self):
        self.counts = {"backward": 0, "forward_ad": 0}
        engine, enter, usage = Variable._execution_engine, torch._C._enter_dual_level, self

        class CountingEngine:
            def run_backward(self, *args, **kwargs):
                usage.counts["backward"] += 1
                return engine.run_backward(*args, **kwargs)

            def __getattr__(self, name):
                return getattr(engine, name)

        def enter_dual_level(*args, **kwargs):
            usage.counts["forward_ad"] += 1
            return enter(*args, **kwargs)

        Variable._execution_engine = CountingEngine()
        torch._C._enter_dual_level = predispatch._enter_dual_level_impl = enter_dual_level

    def snapshot(self, nodes):
        return {**self.counts, **({"graph": _next_node()} if nodes else {})}

    def since(self, before, nodes):
        """The counts since ``before`` (the second node probe is not the call's)."""
        now = self.snapshot(nodes)
        return {key: max(0, now[key] - before[key] - (key == "graph")) for key in now}


def _next_node():
    """The sequence number this thread's next autograd node gets (the probe takes it)."""
    with torch.enable_grad(), torch.inference_mode(False):
        node = (torch.zeros((), requires_grad=True) * 1).grad_fn
    return node._sequence_nr() if node is not None else 0


class call_context:
    """Grad mode on, optionally a default device that traps missing device=, and optionally
    the rules of a dry run on the meta device (dryrun.py)."""

    def __init__(self, default_device, dry_run):
        self.default_device = default_device
        self.dry_run = DryRun() if dry_run else None

    def __enter__(self):
        torch.set_grad_enabled(True)
        if self.default_device:
            torch.set_default_device(self.default_device)
        if self.dry_run is not None:
            self.dry_run.__enter__()

    def __exit__(self, *exc):
        if self.dry_run is not None:
            self.dry_run.__exit__(*exc)
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


def own_modules():
    """torchgrade's modules in ``sys.modules``, listed once by the zygote: going through
    ``sys.modules`` touches every module's name, which a sandbox would have to copy."""
    return [name for name in sys.modules if name.split(".")[0] == "autograder"]
