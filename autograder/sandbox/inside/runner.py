"""Inside the sandbox, after confinement: run the notebook's cells, then answer the grader's
calls until killed.

Three threads keep what the grader is told out of the notebook's reach:

- the **main thread** runs student code and nothing else (main_thread.py): the cells, then each
  call. A seccomp filter keeps it, and every thread it starts, off the call socket;
- the **runner thread** reads requests, builds arguments, hands jobs to the main thread and
  describes what came back (probe.py). Its functions run on private copies of their modules'
  globals and of builtins, made before any student code runs (``_private``), so rebinding
  anything in torch, builtins or torchgrade's modules changes nothing it does. It keeps
  every object it gets back alive, so no finaliser of a notebook runs in it; code of a
  notebook that runs there all the same (a tensor hook during ``backward``) can reach none
  of its frames and cannot write to the call socket;
- the **writer thread** moves finished replies to the socket and runs no Python code once
  started; it is the only one that can write there.
"""
import _thread
import builtins
import signal
import sys
import types
from _queue import SimpleQueue
from _socket import socket as _socket
from collections import deque as _deque
from functools import partial as _partial
from operator import call as _call
from os import _exit

from .. import channel, seccomp
from . import audit, main_thread, probe, stand_ins
from ..channel import ChannelError, frame, load_trusted, read_frame
from .main_thread import OPTIONS, invoke, run_cell
from .probe import backward, build, describe, type_name

_allocate_lock, _setitimer, _ITIMER_REAL = _thread.allocate_lock, signal.setitimer, \
    signal.ITIMER_REAL
_sigmask, _SIG_BLOCK, _SIGNALS = signal.pthread_sigmask, signal.SIG_BLOCK, \
    signal.valid_signals()
_keep_off, _message = seccomp.keep_off, BaseException.__str__
_str = str.__str__
LAYER = {"key": "runner thread", "label": "replies made and sent beyond the notebook's reach"}


def serve(fd, timeout, active, own_modules):
    """Start the writer and runner threads, seal the process, then run jobs for ever: the
    notebook's cells, which the grader sends first, then its calls. ``own_modules`` are
    torchgrade's modules in ``sys.modules`` (see main_thread.own_modules)."""
    main_thread.loop(_start(fd, timeout, active, own_modules))


def _start(fd, timeout, active, own_modules):
    """Start the threads and seal; returns the main thread's job queue. Student code can
    walk the main thread's frames, so the runner's queue and private globals live only in
    this frame, which is gone by then."""
    jobs, replies, ready, go, layers = SimpleQueue(), SimpleQueue(), _lock(), _lock(), []
    noted = _deque(maxlen=32)  # (event, cell, line) the audit hook saw student code cause
    serve_requests = _private([sys.modules[__name__], probe, channel])["_serve_requests"]
    namespace = stand_ins.main_namespace(own_modules)
    writer = _thread.start_new_thread(_write_replies, (replies,))
    runner = _thread.start_new_thread(serve_requests, (
        fd, jobs, replies, ready, go, layers, timeout, active, namespace, main_thread.Usage(),
        noted))
    ready.acquire()  # the runner thread has its own filter
    layers.append(_keep_off(fd, True))
    audit.seal({writer, runner}, noted)
    go.release()
    return jobs


def _lock():
    lock = _allocate_lock()
    lock.acquire()
    return lock


def _private(modules):
    """The modules' functions, rebuilt on private copies of the modules' globals and of
    builtins, which nothing but these functions refers to; returns the first one's."""
    spaces = {id(module.__dict__): dict(module.__dict__) for module in modules}
    own_builtins = dict(builtins.__dict__)
    for space in spaces.values():
        space["__builtins__"] = own_builtins
        for name, value in list(space.items()):
            if type(value) is types.FunctionType and id(value.__globals__) in spaces:
                space[name] = types.FunctionType(value.__code__, spaces[id(value.__globals__)],
                                                 value.__name__, value.__defaults__,
                                                 value.__closure__)
    return spaces[id(modules[0].__dict__)]


def _write_replies(replies):
    """The writer thread: run what the runner puts in ``replies``, each a C-level chain that
    sends one frame whole and says so (``_post``)."""
    _sigmask(_SIG_BLOCK, _SIGNALS)
    _deque(map(_call, iter(replies.get, None)), 0)


# Everything below runs in the runner thread, on private globals (see _private).

def _serve_requests(fd, jobs, replies, ready, go, layers, timeout, active, namespace, usage,
                    noted):
    _sigmask(_SIG_BLOCK, _SIGNALS)  # alarms are for the main thread
    own = _keep_off(fd, False)
    ready.release()
    go.acquire()
    sealed = [LAYER] if own and layers[0] else []
    send = _socket(fileno=fd).sendall  # called by the writer thread: only it may
    _post(replies, send, {"event": "started", "isolation": [*active, *sealed]})
    kept = []  # everything student code handed over: it is never freed in this thread
    try:
        notebook = load_trusted(read_frame(fd))
    except ChannelError:  # the grader has gone
        _exit(0)
    for index, source in notebook["cells"]:
        if index not in notebook["skip"]:
            out = _run(jobs, timeout, kept, run_cell, index, source, namespace)
            _post(replies, send, {"event": "cell", "index": index,
                                  "error": _error(out[0] if out else _unfinished()),
                                  "skipped": _str(out[1])[:500] if len(out) > 1 and
                                  type(out[1]) is str else None})
    _post(replies, send, {"event": "ready", "noted": _taken(noted)})
    names, last = {}, None
    while True:
        try:
            request = load_trusted(read_frame(fd))
        except ChannelError:  # the grader has gone
            _exit(0)
        try:
            if request["op"] == "backward":
                reply = _backward(request, last, names)
            else:
                reply, last = _answer(request, jobs, timeout, namespace, names, usage, kept)
        except BaseException as error:  # an argument it kept no longer there, a value no
            reply, last = _failed(error), None  # getter can read: an answer all the same
        reply["noted"] = _taken(noted)
        _post(replies, send, reply)


def _post(replies, send, message):
    """Have the writer thread send a message; return once it is sent (a cell that ends the
    process must not take the report on the cell before it along)."""
    _hand(replies, _partial(send, frame(message)))


def _hand(queue, step):
    """Put ``step`` in another thread's queue and wait until that thread has run it. It says
    so through a lock held only by the C-level chain, out of reach of any Python frame."""
    done = _lock()
    queue.put(_partial(_deque, map(_call, (step, done.release)), 0))
    done.acquire()


def _taken(noted):
    """What the audit hook noted since last asked."""
    return [noted.popleft() for _ in range(len(noted))]


def _unfinished():  # a function, not a shared dict: the original module's dict is reachable
    return {"type": "timeout", "message": "did not finish"}


def _run(jobs, seconds, kept, function, *args):
    """Have the main thread run ``function(*args, out)`` within ``seconds``; returns out."""
    out = []
    kept.append(out)
    _setitimer(_ITIMER_REAL, seconds)
    _hand(jobs, _partial(function, *args, out))
    _setitimer(_ITIMER_REAL, 0)
    return out


def _answer(request, jobs, seconds, namespace, names, usage, kept):
    """Call a student function; returns (reply, (result, tensors built for the call))."""
    built = []
    args, kwargs = build(request["args"], names, built), build(request["kwargs"], names, built)
    kept.append(built)
    options = {key: request.get(key) for key in OPTIONS}
    out = _run(jobs, seconds, kept, invoke, namespace, request["function"], args, kwargs,
               options, usage)
    outcome = out[0] if out and type(out[0]) is tuple and out[0] else ("raised", _unfinished())
    status = outcome[0] if type(outcome[0]) is str else "raised"
    if status == "missing":
        return {"status": "missing"}, None
    if status == "not-callable" and len(outcome) > 1:
        return {"status": "not-callable", "type": type_name(outcome[1])}, None
    if status == "returned" and len(outcome) > 2:
        result = outcome[1]
        if request.get("store"):
            names[request["store"]] = result
        return {"status": "returned", "value": describe(result, built),
                "args": [describe(tensor, built) for tensor in built],
                "usage": _counts(outcome[2])}, (result, built)
    return {"status": "raised", **_error(outcome[1] if len(outcome) > 1 else {})}, None


def _backward(request, last, names):
    """Back-propagate sum(last result * weights); describe the call's tensors after it."""
    if last is None:
        return {"args": [], "backward_error": "nothing to back-propagate"}
    result, built = last
    error = None
    try:
        backward(result, build(request["weights"], names, []))
    except BaseException as caught:  # student code (hooks, custom Functions) may raise anything
        error = _text(caught) or type_name(caught)
    return {"args": [describe(tensor, built) for tensor in built], "backward_error": error}


def _failed(error):
    """A reply, to a call or a backward request alike, saying the request failed."""
    text = _text(error)
    return {"status": "raised", "type": type_name(error), "message": text, "args": [],
            "backward_error": text or type_name(error)}


def _error(info):
    """An error report from the main thread, kept to plain fields: what a notebook puts there
    can change only how its own failure reads."""
    if info is None:
        return None
    if type(info) is not dict:
        return {"type": "Exception", "message": ""}
    fields = {"type": str, "message": str, "cell": int, "line": int}
    return {key: value for key, value in info.items()
            if type(key) is str and key in fields and type(value) is fields[key]}


def _counts(usage):
    if type(usage) is not dict:
        return {}
    return {key: value for key, value in usage.items() if type(key) is str
            and type(value) is int}


def _text(error):
    try:
        return _str(_message(error))[:500]
    except BaseException:
        return ""
