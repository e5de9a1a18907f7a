"""Kernel primitives behind the confinement (see inside/confine.py for the order they apply in).

Each is tried and returns the names of what took effect, so the grader can say what
protects a run on this machine. Files are confined by ``landlock.py``, process trees by
``cgroup.py`` and system calls by ``seccomp.py``.
"""
import ctypes
import gc
import os
import resource
import signal

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x2000000, 0x4000000, 0x8000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS = 1, 4, 8
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
CAP_DAC_READ_SEARCH = 2
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000

libc = ctypes.CDLL(None, use_errno=True)  # the C library, shared by landlock.py and seccomp.py


def die_with_parent():
    """Ask the kernel to SIGKILL this process when its parent ends (Linux only)."""
    try:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except AttributeError:
        pass


def pid_namespace():
    """A handle on this process's pid namespace (for new_pid_namespace_for_next_child)."""
    try:
        return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def new_pid_namespace_for_next_child(own):
    """Make the next fork pid 1 of a new pid namespace; returns whether that worked.

    A process makes one such namespace per unshare, so it first goes back to ``own``.
    When that pid 1 ends, the kernel kills everything left in the namespace, daemons too.
    """
    return (own is not None and hasattr(libc, "setns") and libc.setns(own, CLONE_NEWPID) == 0
            and libc.unshare(CLONE_NEWPID) == 0)


def new_namespaces(pid_one):
    """Enter new mount and network namespaces (and, unless this process is already pid 1 of
    its own, a pid namespace, which the next fork enters as its pid 1). Returns (the
    CLONE_NEW* flags that took effect, their name), or (0, None).

    No network namespace of its own means no network, loopback included.
    """
    pid = 0 if pid_one else CLONE_NEWPID
    for flags, name in ((pid | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC,
                         "mount+pid+net namespaces"),
                        (pid | CLONE_NEWNET, "pid+net namespaces"),
                        (CLONE_NEWUSER | pid | CLONE_NEWNET, "user+pid+net namespaces")):
        if hasattr(libc, "unshare") and libc.unshare(flags) == 0:
            return flags, name
    return 0, None


def private_mounts(workdir, disk_bytes, uid):
    """In a mount namespace of its own: a size-capped tmpfs on ``workdir`` and a /proc
    that shows only the sandbox's own processes. Returns ([disk label], [proc label]),
    each empty where it failed.

    Both vanish with the namespace; the tmpfs stops disk bombs at ``disk_bytes`` in all,
    and nothing on it can be mapped as code (noexec): a notebook that writes out a
    compiled extension module cannot load it.
    """
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return [], []
    options = f"size={disk_bytes},mode=0700,uid={uid},gid={uid}".encode()
    disk = libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      options) == 0
    proc = libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) == 0
    return ([f"private disk ({disk_bytes // 2**20} MB)"] if disk else [],
            ["private /proc"] if proc else [])


def wipe_initial_environment():
    """Erase the environment the interpreter started with from this process's memory.

    Clearing ``os.environ`` is not enough: Python keeps a copy (``posix.environ``) and the
    kernel keeps the original strings, readable through ``/proc/self/environ``.
    """
    try:
        import posix
        posix.environ.clear()
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # env_start, env_end (proc(5))
        if 0 < start < end:
            ctypes.memset(start, 0, end - start)
    except (ImportError, OSError, IndexError, ValueError):
        pass


def apply_limits(memory_bytes, cpu_seconds, file_bytes, tasks, open_files=256):
    """Set rlimits on memory growth, CPU time, file size, open files and tasks.

    Memory is capped with RLIMIT_DATA (private writable memory, which is what allocations
    use) rather than RLIMIT_AS: CUDA reserves tens of GB of address space it never fills.

    The task limit counts all of a uid's processes and threads and is not enforced
    for root, so it protects only after ``drop_privileges`` or for a non-root grader.
    """
    active = []
    limits = [
        (resource.RLIMIT_DATA, _private_memory() + memory_bytes, "memory"),
        (resource.RLIMIT_CPU, int(cpu_seconds) + 1, "cpu time"),
        (resource.RLIMIT_FSIZE, file_bytes, "file size"),
        (resource.RLIMIT_NOFILE, open_files, "open files"),
        (resource.RLIMIT_NPROC, tasks + (0 if os.geteuid() == 0 else _tasks_of_my_uid()),
         None if os.geteuid() == 0 else "processes"),
        (resource.RLIMIT_CORE, 0, None),
    ]
    for which, value, name in limits:
        try:
            resource.setrlimit(which, (value, value))
            if name:
                active.append(name)
        except (ValueError, OSError):
            pass
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversized writes fail instead of killing
    return ["rlimits (" + ", ".join(active) + ")"] if active else []


def _private_memory():
    """Bytes of private writable memory this process has now (VmData, proc(5))."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmData:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        return 0


def _tasks_of_my_uid():
    """Processes and threads this uid already runs, which RLIMIT_NPROC also counts."""
    count, uid = 0, str(os.getuid())
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        try:
            with open(f"/proc/{pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if fields["Uid"].split()[0] == uid:
                count += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            pass
    return count


def drop_privileges(uid):
    """As root, become ``uid`` (unprivileged, unique to this sandbox) for good.

    The only capability kept is reading files, so an interpreter under /root still
    imports; Landlock decides which files. The task rlimit then applies to ``uid``.
    """
    if os.geteuid() != 0:
        return []
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            last = int(handle.read())
        for cap in range(last + 1):
            if cap != CAP_DAC_READ_SEARCH:
                libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
        os.setresuid(uid, uid, uid)
    except OSError:
        if os.geteuid() == 0:
            return []
        os._exit(70)  # half-dropped: never run student code in an unknown state
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = 1 << CAP_DAC_READ_SEARCH
    libc.capset(ctypes.byref(header), data)
    return ["separate uid"]


def undumpable():
    """Make this process not dumpable: the kernel then gives its own /proc files to root, so
    it cannot write its memory through ``/proc/<pid>/mem`` or change its settings there, even
    where Landlock lets it write to that folder (CUDA's); a process of the same ordinary
    user can no longer read it either. Seccomp keeps it so (a change of uid resets it)."""
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


MADV_COLLAPSE, HUGE = 25, 2 << 20


def compact_for_fork():
    """Make forking this process cheap: freeze the heap out of the collector (children need
    not scan, and so copy, it), give free memory back, and map private memory in 2 MB pages
    (Linux 6.1+), so fork and exit handle an entry per 2 MB instead of one per 4 kB."""
    for _ in compaction():
        pass


def compaction(step=2 * HUGE):
    """compact_for_fork for a process with requests to answer meanwhile: freezes and gives
    back at once, then returns the mapping in 2 MB pages as steps of ``step`` bytes (an
    iterator: one step per ``next``)."""
    gc.freeze()
    try:
        libc.malloc_trim(0)
        madvise = libc.madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as maps:
            lines = [line.split() for line in maps]
    except (AttributeError, OSError):
        return iter(())
    ranges = []
    for fields in lines:
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue
        start, end = (int(address, 16) for address in fields[0].split("-"))
        start, end = -(-start // HUGE) * HUGE, end // HUGE * HUGE
        ranges += [(chunk, min(step, end - chunk)) for chunk in range(start, end, step)]
    # best effort: fails on old kernels
    return (madvise(start, size, MADV_COLLAPSE) for start, size in ranges)
