"""The sandbox's three threads, black-box: a notebook talks to one sandbox through Student and
reports what it could reach (sandbox/inside/runner.py)."""
import pytest
import torch

from autograder.checking.student import StudentError
from autograder.checking.values import ref, tensor

from conftest import started

PROBES = '''
import os, sys, threading, errno

def socket_writes():
    """errno of each way to the call socket, from the main thread and from a thread of its own."""
    def attempts():
        out = []
        for attempt in (lambda: os.write(3, b"x"), lambda: os.dup(3), lambda: os.dup2(0, 3),
                        lambda: os.read(3, 1), lambda: os.close(3)):
            try:
                attempt()
                out.append("done")
            except OSError as error:
                out.append(errno.errorcode[error.errno])
        return out
    seen = {}
    worker = threading.Thread(target=lambda: seen.update(thread=attempts()))
    worker.start()
    worker.join()
    return [attempts(), seen["thread"]]

def frame_names():
    """Every function on the stack below this one, down to the process's first frame."""
    names, frame = [], sys._getframe()
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return names

seen_by_hook = []

def hooked(W):
    def hook(grad):
        try:
            sys._getframe()
            seen_by_hook.append("frame")
        except PermissionError:
            seen_by_hook.append("refused")
        try:
            os.write(3, b"x")
            seen_by_hook.append("wrote")
        except OSError:
            seen_by_hook.append("no write")
        return grad
    W.register_hook(hook)
    return W * 2

def what_the_hook_saw():
    return list(seen_by_hook)
'''


@pytest.fixture(scope="module")
def sandbox():
    with started(PROBES) as student:
        yield student


def test_the_notebook_threads_cannot_touch_the_call_socket(sandbox):
    if not any(layer["key"] == "runner thread" for layer in sandbox.isolation):
        pytest.skip("no seccomp on this machine")
    main, thread = sandbox.call("socket_writes")
    assert main == thread == ["EPERM"] * 5


def test_no_frame_of_the_notebook_reaches_the_runner_thread(sandbox):
    names = sandbox.call("frame_names")
    assert "invoke" in names  # the main thread's job, below the function
    assert not {"_serve_requests", "_answer", "_run", "describe"} & set(names)


def test_code_of_the_notebook_run_by_the_runner_thread_gets_no_frame_and_no_socket(sandbox):
    reply = sandbox.run("hooked", [tensor(torch.ones(3), requires_grad=True)],
                        backward=torch.ones(3))
    assert reply.backward_error is None and reply.args[0].grad.data.tolist() == [2.0] * 3
    assert sandbox.call("what_the_hook_saw") == ["refused", "no write"]


def test_a_request_the_runner_cannot_serve_gets_an_answer(sandbox):
    with pytest.raises(StudentError, match="KeyError"):
        sandbox.call("hooked", ref("never stored"))
    assert "invoke" in sandbox.call("frame_names")  # and it is still serving


FORGER = '''
import functools, socket, sys

def forge():
    """Try everything of the runner's that a frame on this stack holds: rebind the reply
    builder in any function's globals, and queue a forged reply on any queue."""
    def fake(*args, **kwargs):
        return {"forged": True}
    tried, frame = [], sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
            space = getattr(value, "__globals__", None)
            if isinstance(space, dict) and "describe" in space:
                space["describe"] = fake
                tried.append("globals")
            if hasattr(value, "put") and hasattr(value, "get"):
                make = frame.f_globals.get("frame") or (lambda message: b"")
                forged = make({"status": "returned", "value": {"forged": True}})
                value.put(functools.partial(socket.socket(fileno=3).sendall, forged))
                tried.append("queue")
        frame = frame.f_back
    return len(tried)

def ident(x):
    return x
'''


def test_nothing_of_the_runner_thread_is_left_on_the_notebooks_stack():
    """Its private globals and its reply queue stay in frames the notebook cannot walk to."""
    with started(FORGER) as student:
        try:
            student.call("forge")
        except StudentError:  # a forged reply the grader refused is fine too
            pass
        reply = student.run("ident", [tensor(torch.ones(2))])
        assert reply.value.data.tolist() == [1.0, 1.0]
        assert reply.args[0].data.tolist() == [1.0, 1.0]
