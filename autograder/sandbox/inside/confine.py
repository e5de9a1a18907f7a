"""The confinement a sandbox enters before any student code runs, in order.

Every layer that took effect is reported as data, ``{"key": ..., "label": ...}``; LAYERS
says what the absence of each means, so the grader can warn about what is missing.
"""
import glob
import os
import sys
import tempfile

import torch

from .. import cgroup, landlock, primitives, seccomp

LAYERS = {  # key: what its absence means
    "namespaces": "no namespaces, so submissions can use the network and leave processes behind",
    "landlock": "no landlock, so submissions can read files the grader can read",
    "rlimits": "no rlimits, so memory, CPU time and file size are unbounded",
    "separate uid": "no separate uid, so submissions run as the grader's user",
    "seccomp": "no seccomp (install pyseccomp and libseccomp), so all system calls are open",
    "cgroup": "no cgroup, so the memory of a submission's child processes is not capped in total",
    "private disk": "no private disk, so only the size of each file a submission writes is capped",
    "runner thread": "no seccomp, so a notebook could write replies of its own to the grader",
    "autograd counters": "autograd is counted inside the submission's process, where a notebook "
                         "could fake the counts (the grader cannot read its memory here)",
}
SANDBOX_UID_BASE = 1_000_000_000  # plus the sandbox's pid: a uid no other process has
DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]


def layer(key, labels):
    """Layer records for what a primitive reported (an empty list: it did not apply)."""
    return [{"key": key, "label": label} for label in labels]


def missing(active):
    """What the absence of each layer in LAYERS that is not in ``active`` means."""
    keys = {item["key"] for item in active}
    return [why for key, why in LAYERS.items() if key not in keys]


def enter(fd, workdir, limits, readable, pid_one):
    """Confine this process (a fresh child of the zygote, ``pid_one`` of a pid namespace of
    its own or not); returns the active layers.

    ``fd`` is the call socket, which becomes fd 3; every other file is closed.
    """
    os.setsid()
    primitives.die_with_parent()
    me = _pid_outside()
    active = layer("cgroup", cgroup.join(cgroup.sandbox_group(me), limits["tasks"],
                                         limits["memory"] + limits["disk"]))
    flags, namespaces = primitives.new_namespaces(pid_one)
    if flags & primitives.CLONE_NEWPID and os.fork():
        # The namespace holder: wait for pid 1 of the new namespace, then leave.
        os.wait()
        os._exit(0)
    primitives.die_with_parent()
    active += layer("namespaces", [namespaces] if namespaces else [])
    uid = SANDBOX_UID_BASE + me  # unique among running sandboxes
    if flags & primitives.CLONE_NEWNS:
        disk, proc = primitives.private_mounts(workdir, limits["disk"], uid)
        active += layer("private disk", disk) + layer("private /proc", proc)
    if os.geteuid() == 0:
        os.chown(workdir, uid, uid)
    os.chdir(workdir)
    torch.set_num_threads(1)  # parallelism comes from grading submissions side by side
    _close_inherited_files(fd)
    _clear_environment(workdir)
    gpus = cuda_files()
    active += layer("landlock", landlock.restrict(readable, [workdir, *DEVICES, *gpus]))
    active += layer("rlimits", primitives.apply_limits(limits["memory"], limits["budget"],
                                                       limits["file_size"], limits["tasks"]))
    separate = primitives.drop_privileges(uid)
    active += layer("separate uid", separate)
    primitives.die_with_parent()  # a change of uid cleared it
    if gpus or separate:
        # Its /proc files go to root: its memory is never writable there. The grader reads
        # its counters as root; as an ordinary user (no separate uid) it could not.
        primitives.undumpable()
    active += layer("seccomp", seccomp.filter_syscalls(gpu=bool(gpus)))
    return active


def cuda_files():
    """What CUDA writes, where there is a GPU: its device files, and this process's own
    /proc entry as the /proc it sees names it (tested on an H100)."""
    devices = glob.glob("/dev/nvidia*")
    return [*devices, "/proc/self"] if devices else []


def _pid_outside():
    """This process's pid as the zygote knows it (/proc is still the zygote's /proc)."""
    try:
        return int(os.readlink("/proc/self"))
    except (OSError, ValueError):
        return os.getpid()


def readable_paths():
    """The Python installation and system libraries; not the project, not the submissions,
    not secrets in /etc, and not torchgrade itself where it was installed into site-packages
    (its hidden checks would be readable there)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(torch.__path__[0]),
             "/usr", "/lib", "/lib64", "/bin", "/sys", "/proc"}
    etc = ["/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/hosts",
           "/etc/nsswitch.conf", "/etc/host.conf", "/etc/mime.types", "/etc/os-release"]
    hidden = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    readable = set(etc)
    for root in roots:
        readable.update(beside(os.path.realpath(root), hidden))
    return sorted(readable)


def beside(root, hidden):
    """``root`` itself, or, if ``hidden`` lies inside it, everything in it but ``hidden``."""
    if os.path.commonpath([root, hidden]) != root:
        return [root]
    if root == hidden:
        return []
    try:
        entries = [os.path.join(root, name) for name in os.listdir(root)]
    except OSError:
        return []
    return [path for entry in entries for path in beside(entry, hidden)]


def _clear_environment(workdir):
    """Drop the grader's environment variables (they may hold tokens) but the basics."""
    kept = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "MPLBACKEND",
                                             "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            if key in os.environ}
    os.environ.clear()
    os.environ.update(kept, HOME=workdir, TMPDIR=workdir)
    tempfile.tempdir = workdir
    primitives.wipe_initial_environment()


def _close_inherited_files(fd):
    """Standard streams go to /dev/null, the call socket becomes fd 3, nothing else stays
    open; Python's own streams are rebuilt on fds 0-2 (the inherited ones may be a test
    runner's capture files, closed here)."""
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.dup2(fd, 3)
    os.closerange(4, 65536)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
