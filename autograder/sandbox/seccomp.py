"""seccomp: the system calls a sandbox may not make, as filters compiled once by the zygote
(libseccomp, through pyseccomp) and loaded by each sandbox with one system call."""
import ctypes
import errno
import functools
import os

from .primitives import (CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID,
                         CLONE_NEWUSER, CLONE_NEWUTS, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS,
                         libc)

try:
    import pyseccomp
except (ImportError, OSError):  # not Linux, or libseccomp missing
    pyseccomp = None

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2

# Calls a notebook never needs and an escape often does; they fail with EPERM.
_DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "mount", "umount2",
           "pivot_root", "chroot", "unshare", "setns", "init_module", "finit_module",
           "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
           "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime",
           "adjtimex", "acct", "quotactl", "bpf", "perf_event_open", "keyctl", "add_key",
           "request_key", "open_by_handle_at", "name_to_handle_at", "userfaultfd",
           "io_uring_setup", "io_uring_enter", "io_uring_register", "mknod", "mknodat",
           "iopl", "ioperm", "syslog", "fanotify_init", "personality",
           # Linux AIO: a request names its file descriptor inside a struct in memory, where
           # no filter can look, so it would reach the call socket past keep_off
           "io_setup", "io_submit", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
           # no program runs in a sandbox: whatever starts one (subprocess, os.system, or
           # _posixsubprocess called directly) fails at the system call
           "execve", "execveat")
# A file in memory, which could be mapped as code (the private disk is noexec): refused
# where there is no GPU, since the CUDA driver makes one when it starts.
_DENIED_WITHOUT_GPU = ("memfd_create",)
_NEW_NAMESPACE_FLAGS = (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                        CLONE_NEWPID, CLONE_NEWNET)

# By the file descriptor's position among a call's arguments: what writes to it, copies it or
# closes it, and (for the thread that must not read it either) what reads from it.
_WRITES = {"write": 0, "writev": 0, "pwrite64": 0, "pwritev": 0, "pwritev2": 0, "sendto": 0,
           "close": 0, "shutdown": 0, "dup": 0, "dup2": 0, "dup3": 0, "fcntl": 0, "ioctl": 0,
           "setsockopt": 0, "sendfile": 0, "splice": 2, "tee": 1, "copy_file_range": 2}
_READS = {"read": 0, "readv": 0, "pread64": 0, "preadv": 0, "preadv2": 0, "recvfrom": 0,
          "recvmsg": 0, "recvmmsg": 0, "splice": 0, "tee": 0, "sendfile": 1,
          "copy_file_range": 0}


def prepare(fd, gpu):
    """Compile every filter a sandbox whose call socket is ``fd`` loads (in the zygote, so
    that its sandboxes inherit them compiled); ``gpu``: whether CUDA may run there."""
    _denied(gpu), _kept_off(fd, True), _kept_off(fd, False)


def filter_syscalls(gpu):
    """Refuse kernel interfaces a notebook has no use for, new namespaces included, to this
    thread and every thread it starts later."""
    return ["seccomp"] if _load(_denied(gpu)) else []


def keep_off(fd, reads_too):
    """For the calling thread only (and the threads it starts): no writing to ``fd``, no
    copying, replacing or closing it, no passing any file over a socket (which could carry a
    copy of it), and with ``reads_too`` no reading from it either."""
    return ["call socket kept from student code"] if _load(_kept_off(fd, reads_too)) else []


@functools.cache
def _denied(gpu):
    def rules(add):
        for name in _DENIED + (() if gpu else _DENIED_WITHOUT_GPU):
            add(pyseccomp.ERRNO(errno.EPERM), name)
        for flag in _NEW_NAMESPACE_FLAGS:
            add(pyseccomp.ERRNO(errno.EPERM), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ,
                                                                       flag, flag))
        add(pyseccomp.ERRNO(errno.ENOSYS), "clone3")  # libc falls back to clone
        # made dumpable again, it could write its own memory where /proc/<pid> is writable
        add(pyseccomp.ERRNO(errno.EPERM), "prctl", pyseccomp.Arg(0, pyseccomp.EQ,
                                                                 PR_SET_DUMPABLE))
    return _compile(rules)


@functools.cache
def _kept_off(fd, reads_too):
    def rules(add):
        deny = pyseccomp.ERRNO(errno.EPERM)
        for name, position in [*_WRITES.items(), *(_READS.items() if reads_too else ())]:
            add(deny, name, pyseccomp.Arg(position, pyseccomp.EQ, fd))
        for name in ("dup2", "dup3"):
            add(deny, name, pyseccomp.Arg(1, pyseccomp.EQ, fd))
        add(deny, "close_range", pyseccomp.Arg(0, pyseccomp.LE, fd),
            pyseccomp.Arg(1, pyseccomp.GE, fd))
        for name in ("sendmsg", "sendmmsg", "pidfd_getfd"):
            add(deny, name)
    return _compile(rules)


def _compile(rules):
    """The BPF program of a filter that allows all but what ``rules`` adds; None where
    libseccomp is missing or refuses."""
    if pyseccomp is None:
        return None
    try:
        program = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
        rules(program.add_rule)
        out = os.memfd_create("seccomp")
        try:
            with open(out, "w+b", closefd=False) as handle:
                program.export_bpf(handle)
                handle.seek(0)
                return handle.read()
        finally:
            os.close(out)
    except (OSError, RuntimeError, ValueError, AttributeError):
        return None


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _load(program):
    """Install a compiled filter on the calling thread; returns whether it took effect."""
    if not program:
        return False
    code = ctypes.create_string_buffer(program, len(program))
    header = _Program(len(program) // 8, ctypes.addressof(code))
    return (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and
            libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(header), 0, 0) == 0)
