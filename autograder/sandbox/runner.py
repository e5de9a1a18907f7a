"""Inside the sandbox, after confinement: run the notebook's code cells one by one, report
each, then answer the grader's call requests until killed."""
import builtins
import signal
import sys
import traceback
import types

from ..notebook import python_source
from . import channel, probe


class _CellTimeout(BaseException):
    """Raised inside the sandbox when a cell or call runs past its time limit."""


def serve(fd, cells, skip, timeout, active):
    usage = probe.Usage()
    namespace = _seal()
    channel.send(fd, {"event": "started", "isolation": active})
    for index, source in cells:
        if index not in skip:
            channel.send(fd, {"event": "cell", "index": index,
                              "error": _run_cell(index, source, namespace, timeout)})
    channel.send(fd, {"event": "ready"})
    names, last = {}, None
    while True:
        request = channel.receive(fd, trusted=True)
        if request.get("op") == "backward":
            channel.send(fd, _backward(request, last, names, timeout))
        else:
            reply, last = _call(request, namespace, names, usage, timeout)
            channel.send(fd, reply)


# What no graded notebook needs, and what would let it reach this process's own workings:
# raw memory (ctypes), every object or frame in the interpreter, tracing, new processes.
REFUSED = ("ctypes.", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
           "sys.settrace", "sys.setprofile", "sys._current_frames", "os.fork", "os.forkpty",
           "os.posix_spawn", "os.spawn", "os.exec", "os.system", "subprocess.Popen")


def _seal():
    """Before any student code runs: the notebook gets a ``__main__`` module of its own,
    torchgrade's modules leave ``sys.modules`` (a notebook that rewrites every module it
    can import finds none of them), and an audit hook, which Python code cannot remove,
    refuses REFUSED. Returns the notebook's namespace."""
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    for name in [name for name in sys.modules if name.split(".")[0] == "autograder"]:
        del sys.modules[name]

    def refuse(event, args, refused=REFUSED, starts=str.startswith, error=PermissionError):
        if starts(event, refused):
            raise error(f"{event} is not available to a graded notebook")

    sys.addaudithook(refuse)
    return main.__dict__


def _run_cell(index, source, namespace, timeout):
    try:
        code = compile(python_source(source)[0], f"<code cell {index + 1}>", "exec")
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


def _call(request, namespace, names, usage, timeout):
    """Call a student function; returns (reply, (result, tensors built for the call))."""
    function = namespace.get(request["function"])
    if function is None:
        return {"status": "missing"}, None
    if not callable(function):
        return {"status": "not-callable", "type": probe.describe(function)}, None
    built = []
    before = usage.snapshot()
    try:
        args = probe.build(request["args"], names, built)
        kwargs = probe.build(request["kwargs"], names, built)
        with _time_limit(timeout), probe.call_context(request.get("default_device"), usage):
            result = function(*args, **kwargs)
        if request.get("store"):
            names[request["store"]] = result
        after = usage.snapshot()
        return {"status": "returned",
                "value": probe.describe(result, built),
                "args": [probe.describe(tensor, built) for tensor in built],
                "usage": {key: after[key] - before[key] for key in after}}, (result, built)
    except BaseException as error:  # student code may raise anything
        return {"status": "raised", **_error_info(error)}, None


def _backward(request, last, names, timeout):
    """Back-propagate sum(last result * weights); describe the call's tensors after it."""
    if last is None:
        return {"args": [], "backward_error": "nothing to back-propagate"}
    result, built = last
    error = None
    try:
        with _time_limit(timeout):
            probe.backward(result, probe.build(request["weights"], names, []))
    except BaseException as caught:  # student code (hooks, custom Functions) may raise anything
        error = _safe_str(caught) or probe.type_name(caught)
    return {"args": [probe.describe(tensor, built) for tensor in built], "backward_error": error}


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
    info = {"type": probe.type_name(error), "message": _safe_str(error)}
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if frame.filename.startswith("<code cell ")]
        if frames:
            info["cell"] = int(frames[-1].filename[len("<code cell "):-1])
            info["line"] = frames[-1].lineno
    except Exception:
        pass
    return info


def _safe_str(error):
    try:
        text = str.__str__(str(error))
    except BaseException:
        text = ""
    return text[:500]

