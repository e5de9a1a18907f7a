"""Confinement applied to a sandboxed submission before any student code runs.

Each primitive is tried in turn; ``confine`` returns the names of those that
took effect so the grader can say what protects a run on this machine.
"""
import ctypes
import os
import resource
import signal

CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """Ask the kernel to SIGKILL this process when its parent ends (Linux only)."""
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except AttributeError:
        pass


def new_namespaces():
    """Enter new pid and network namespaces; the next fork becomes pid 1 there.

    When that pid 1 ends, the kernel kills everything left in the namespace,
    daemons included; no network namespace means no network, loopback too.
    """
    for flags, name in ((CLONE_NEWPID | CLONE_NEWNET, "pid+net namespaces"),
                        (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET, "user+pid+net namespaces")):
        if hasattr(_libc, "unshare") and _libc.unshare(flags) == 0:
            return [name]
    return []


def apply_limits(memory_bytes, cpu_seconds, file_bytes, open_files=256):
    """Set rlimits on address space growth, CPU time, file size and open files."""
    active = []
    current = _address_space()
    limits = [
        (resource.RLIMIT_AS, current + memory_bytes, "memory"),
        (resource.RLIMIT_CPU, int(cpu_seconds) + 1, "cpu time"),
        (resource.RLIMIT_FSIZE, file_bytes, "file size"),
        (resource.RLIMIT_NOFILE, open_files, "open files"),
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


def _address_space():
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_READ = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read file, read dir
_PR_SET_NO_NEW_PRIVS = 38


def restrict_files(readable, writable):
    """Landlock: afterwards only ``readable`` paths can be read, ``writable`` written.

    Hidden checks, solutions, other submissions and the grade database lie outside
    both lists, so student code cannot open them. Linux 5.13+ on x86-64 only.
    """
    if os.uname().machine != "x86_64":
        return []
    syscall = _libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return []
    handled = (1 << 13) - 1 | ((1 << 13) if abi >= 2 else 0) | ((1 << 14) if abi >= 3 else 0)
    attr = ctypes.c_uint64(handled)
    ruleset = syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(8),
                      ctypes.c_uint32(0))
    if ruleset < 0:
        return []
    try:
        for paths, access in ((readable, _READ), (writable, handled)):
            for path in paths:
                _allow(ruleset, path, access)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return []
    finally:
        os.close(ruleset)
    return [f"landlock (abi {abi})"]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _allow(ruleset, path, access):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14)  # file rights only
        rule = _PathBeneath(access, fd)
        _libc.syscall(_SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1),
                      ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)
