"""The sandbox's three threads, black-box: a notebook talks to one sandbox through Student and
reports what it could reach (runner.py)."""
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
