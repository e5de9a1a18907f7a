"""A run whose sandboxes' zygote ends (killed from outside) starts a new one and grades
again what the old one was running, each row once and graded; one whose zygotes keep
ending stops with a line that says so."""
import os
import signal
import threading
import time

import pytest

from autograder.backends import local
from autograder.backends.local import LocalBackend
from autograder.records import Status, Submission

from conftest import FAST, solution_cells, write_notebook

A = "tensor_shapes"


def _slow_class(folder, count):
    cells = solution_cells(A)
    return [Submission(f"s{index}", write_notebook(
        folder / f"s{index}.ipynb", [cells[0], "import time\ntime.sleep(0.5)", *cells[1:]]))
        for index in range(count)]


def _kill_zygotes(backend, times, stop):
    """Kill the run's zygote ``times`` times, each once it has started a sandbox."""
    for _ in range(times):
        while not stop.is_set():
            zygote = backend._zygote
            if zygote is not None and zygote.ended() is None and _children(zygote.pid):
                os.kill(zygote.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
        while not stop.is_set() and backend._zygote is zygote:
            time.sleep(0.05)


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return handle.read().split()
    except OSError:
        return []


@pytest.mark.parametrize("kills, restarts", [(1, 3), (2, 1)])
def test_a_zygote_that_ends_is_replaced_and_its_notebooks_graded_again(tmp_path, capfd,
                                                                        monkeypatch, kills,
                                                                        restarts):
    monkeypatch.setattr(local, "RESTARTS", restarts)
    submissions = _slow_class(tmp_path, 4)
    stop, outcomes = threading.Event(), []
    with LocalBackend(jobs=1) as backend:
        killer = threading.Thread(target=_kill_zygotes, args=(backend, kills, stop))
        killer.start()
        try:
            for submission, outcome in backend.run(A, submissions, FAST):
                outcomes.append((submission.student, outcome.status))
        except RuntimeError as error:
            outcomes.append(str(error))
        finally:
            stop.set()
            killer.join()
    warnings = capfd.readouterr().err
    if kills <= restarts:
        assert sorted(outcomes) == [(f"s{i}", Status.GRADED) for i in range(4)]
        assert warnings.count("the sandboxes' zygote ended (killed by signal 9); a new one "
                              "was started") == kills
    else:
        assert outcomes[-1] == ("the sandboxes' zygote ended 2 times (the last killed by "
                                "signal 9): what was graded is kept; run the command again")
        assert all(status == Status.GRADED for _, status in outcomes[:-1])
