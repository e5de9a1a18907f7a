"""Control groups: one per sandbox, capping the tasks and memory of its whole process tree.

The group is created beneath the grader's own (cgroup v1 ``pids`` and ``memory``
hierarchies, or the v2 unified one), so limits set on the grader still apply.
Needs write access to the cgroup filesystem (root, or a delegated v2 subtree).
"""
import errno
import os
import signal
import time

_ROOT = "/sys/fs/cgroup"
PREFIX = "torchgrade-"
_LIMIT_FILES = {"pids": ("pids.max", "pids.max"), "memory": ("memory.limit_in_bytes", "memory.max")}


def _groups(name):
    """{controller: (directory, limit file)} for a group called ``name`` next to this process."""
    try:
        with open("/proc/self/cgroup") as handle:
            lines = [line.rstrip("\n").split(":", 2) for line in handle]
    except OSError:
        return {}
    found = {}
    for _, controllers, path in lines:
        for controller in controllers.split(","):
            if controller in _LIMIT_FILES and os.path.isdir(os.path.join(_ROOT, controller)):
                directory = os.path.join(_ROOT, controller, path.lstrip("/"), name)
                found[controller] = (directory, _LIMIT_FILES[controller][0])
    if not found:
        unified = [path for _, controllers, path in lines if controllers == ""]
        if unified and os.path.exists(os.path.join(_ROOT, "cgroup.controllers")):
            directory = os.path.join(_ROOT, unified[0].lstrip("/"), name)
            found = {c: (directory, files[1]) for c, files in _LIMIT_FILES.items()}
    return found


def sandbox_group(pid):
    """The group of the sandbox whose outermost process is ``pid``."""
    return f"{PREFIX}{pid}"


def join(name, max_tasks, memory_bytes):
    """Create the group ``name``, set its limits and move this process into it."""
    values = {"pids": max_tasks, "memory": memory_bytes}
    active = []
    for controller, (directory, limit) in _groups(name).items():
        try:
            if not os.path.isdir(directory):
                os.mkdir(directory, 0o700)
                _enable_controllers(os.path.dirname(directory))
            _write(os.path.join(directory, limit), values[controller])
            _write(os.path.join(directory, "cgroup.procs"), os.getpid())
            active.append({"pids": "tasks", "memory": "memory"}[controller])
        except OSError:
            pass
    return [f"cgroup ({', '.join(active)})"] if active else []


def remove(name):
    """Kill every process still in the group ``name``, then delete the group."""
    for directory in {directory for directory, _ in _groups(name).values()}:
        deadline = time.monotonic() + 2
        while os.path.isdir(directory):
            try:
                os.rmdir(directory)
            except OSError as error:
                if error.errno != errno.EBUSY or time.monotonic() > deadline:
                    break
                for pid in _members(directory):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.005)


def remove_stale():
    """Delete sandbox groups whose process is gone (left by a run that was killed)."""
    parents = {os.path.dirname(directory) for directory, _ in _groups("x").values()}
    for parent in parents:
        try:
            names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            pid = name[len(PREFIX):]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                remove(name)


def _enable_controllers(parent):
    """cgroup v2 only: let children of ``parent`` use the pids and memory controllers."""
    control = os.path.join(parent, "cgroup.subtree_control")
    if os.path.exists(control):
        try:
            _write(control, "+pids +memory")
        except OSError:
            pass


def _members(directory):
    try:
        with open(os.path.join(directory, "cgroup.procs")) as handle:
            return [int(line) for line in handle if line.strip()]
    except OSError:
        return []


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))
