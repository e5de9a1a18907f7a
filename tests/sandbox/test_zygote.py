"""The Zygote's bookkeeping, black-box through /proc: each sandbox is forked one request
ahead, a released one is reaped with its files and group, and a grader's connection that
closes takes its own sandboxes along, never another grader's or the one forked ahead; a
warmed-up zygote maps its memory in 2 MB pages a step at a time, answering meanwhile; the
work folders of a run killed outright are deleted by the next."""
import glob
import os
import subprocess
import sys
import tempfile
import time

import pytest

from autograder.config import ROOT, Limits
from autograder.sandbox import cgroup, channel
from autograder.sandbox.spawner import Zygote

LIMITS = Limits(timeout=5).as_dict()


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return {int(child) for child in handle.read().split()}


def _gone(pid, seconds=5):
    """Whether ``pid`` has exited and been reaped within ``seconds``."""
    deadline = time.monotonic() + seconds
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.01)
    return not os.path.exists(f"/proc/{pid}")


def _started(spawner):
    """Spawn a sandbox running one cell; returns its pid once it has run the cell."""
    pid, fd, _ = spawner.spawn([(0, "x = 1")], set(), LIMITS)
    messages = [channel.receive(fd, deadline=time.monotonic() + 10) for _ in range(3)]
    assert [m.get("event") for m in messages] == ["started", "cell", "ready"]
    return pid


@pytest.fixture
def zygote():
    zygote = Zygote()
    yield zygote
    zygote.close()
    assert not os.path.exists(zygote.workdir), "its files are deleted when it closes"


def test_each_sandbox_is_forked_one_request_ahead(zygote):
    spawner = zygote.spawner()
    first = _started(spawner)
    ahead = _children(zygote.pid) - {first}
    assert len(ahead) == 1, "one sandbox waits for the next request"
    second = _started(spawner)
    assert {second} == ahead
    spawner.close()


def test_a_released_sandbox_is_reaped_with_its_files_and_group(zygote):
    spawner = zygote.spawner()
    pid = _started(spawner)
    directories = set(os.listdir(zygote.workdir))
    spawner.release(pid)
    assert _gone(pid)
    deadline = time.monotonic() + 5
    while len(os.listdir(zygote.workdir)) >= len(directories) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(os.listdir(zygote.workdir)) == len(directories) - 1, "its directory is deleted"
    group = cgroup._groups(cgroup.sandbox_group(pid))
    assert not any(os.path.isdir(directory) for directory, _ in group.values())
    spawner.close()


def test_a_closed_connection_takes_only_its_own_sandboxes(zygote):
    mine, theirs = zygote.spawner(), zygote.spawner()
    my_pid, their_pid = _started(mine), _started(theirs)
    ahead = _children(zygote.pid) - {my_pid, their_pid}
    theirs.release(my_pid)  # not its own: nothing happens
    assert os.path.exists(f"/proc/{my_pid}") and not _gone(my_pid, 0.2)
    mine.close()
    assert _gone(my_pid)
    assert os.path.exists(f"/proc/{their_pid}") and ahead <= _children(zygote.pid)
    theirs.close()
    assert _gone(their_pid)


def _huge_mb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        line = next(line for line in rollup if line.startswith("AnonHugePages:"))
    return int(line.split()[1]) // 1024


@pytest.mark.skipif(tuple(map(int, os.uname().release.split(".")[:2])) < (6, 1),
                    reason="MADV_COLLAPSE came in Linux 6.1")
def test_a_warmed_up_zygote_spawns_while_it_maps_its_memory_in_2mb_pages(zygote):
    spawner = zygote.spawner()
    _started(spawner)  # the zygote has started and answers
    before = _huge_mb(zygote.pid)
    zygote.warm_up()  # imports some 800 modules, then maps them in 2 MB pages a step at a time
    _started(spawner)  # answered whether or not the steps are done
    deadline = time.monotonic() + 30
    while _huge_mb(zygote.pid) < before + 32 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _huge_mb(zygote.pid) >= before + 32
    spawner.close()


def test_a_zygote_started_early_is_the_next_one_taken():
    Zygote.start_early()
    early = Zygote._early
    taken, later = Zygote.take(), Zygote.take()
    assert taken is early and later is not early, "nothing is left to take: a new one"
    for zygote in (taken, later):
        zygote.close()


def _zygotes():
    found = subprocess.run(["pgrep", "-f", "autograder.sandbox.zygote"], capture_output=True)
    return set(found.stdout.split())


def test_a_command_that_ends_early_leaves_no_zygote_and_no_traceback():
    """A grading command starts its zygote before it reads its arguments' meaning."""
    pattern = os.path.join(tempfile.gettempdir(), "torchgrade-*")
    directories, zygotes = set(glob.glob(pattern)), _zygotes()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "no_such_assignment"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 2 and run.stderr.startswith("error: unknown assignment")
    assert "Traceback" not in run.stderr
    assert set(glob.glob(pattern)) <= directories
    assert _zygotes() <= zygotes, "no zygote outlives its command"


def test_work_folders_of_a_run_killed_with_sigkill_are_deleted_by_the_next():
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid no process has now
    stale = tempfile.mkdtemp(prefix=f"torchgrade-{gone.pid}-")
    os.mkdir(os.path.join(stale, "sandbox-x"))
    alive = Zygote()
    try:
        Zygote.remove_stale()
        assert not os.path.exists(stale) and os.path.isdir(alive.workdir)
    finally:
        alive.close()


def test_a_zygote_starts_with_only_the_environment_torch_needs(monkeypatch):
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", "s3cret")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    zygote = Zygote()
    try:
        zygote.spawner().close()  # it has started: it answered
        with open(f"/proc/{zygote.pid}/environ", "rb") as handle:
            names = {item.split(b"=", 1)[0] for item in handle.read().split(b"\0") if item}
    finally:
        zygote.close()
    assert b"TORCHGRADE_LMS_TOKEN" not in names
    assert {b"PATH", b"CUDA_VISIBLE_DEVICES", b"PYTHONPATH"} <= names
