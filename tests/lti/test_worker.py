"""The grading worker survives an error of its own (a sandbox zygote that died): the
attempt is graded once more on a fresh backend, and fails with its cause only if that
fails too."""
import contextlib
import threading
import time
import types

import pytest

from autograder.lti import worker
from autograder.lti.attempts import Attempts
from autograder.records import Record, Status

LAUNCH = {"assignment": "tensor_shapes", "issuer": "i", "client_id": "c", "context": "x",
          "user": "u1", "name": "Ada", "lineitem": ""}


@pytest.mark.parametrize("failures, status", [(1, "graded"), (2, "failed")])
def test_an_error_of_ours_gets_one_more_try_on_a_fresh_backend(tmp_path, monkeypatch,
                                                               failures, status):
    backends, calls = [], []

    def backend(jobs, scheduler):
        backends.append(object())
        return contextlib.nullcontext(backends[-1])

    def grade(name, paths, out, **options):
        calls.append(options["backend"])
        if len(calls) <= failures:
            raise BrokenPipeError("the zygote is gone")
        return [Record("u1", name, "p", Status.GRADED, None, 13, 13, {})]

    monkeypatch.setattr(worker, "make_backend", backend)
    monkeypatch.setattr(worker, "derive_limits", lambda *args, **kwargs: None)
    monkeypatch.setattr(worker, "grade", grade)
    monkeypatch.setattr(worker.signal, "signal", lambda *args: None)  # not the main thread
    queue = Attempts(tmp_path / "data")
    attempt = queue.add(b"{}", ".ipynb", LAUNCH)
    stop = threading.Event()
    settings = types.SimpleNamespace(tool_config=lambda: types.SimpleNamespace(
        find_registration_by_params=lambda *args: None))
    thread = threading.Thread(target=worker.run, args=(settings, tmp_path / "data",
                                                       tmp_path / "out", "en", stop))
    thread.start()
    deadline = time.monotonic() + 20
    while queue.get(attempt)["status"] not in ("graded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    found = queue.get(attempt)
    assert found["status"] == status and len(calls) == 2
    assert calls[0] is not calls[1]  # the second try on a fresh backend
    assert status == "graded" or found["error"] == "internal error: BrokenPipeError"
