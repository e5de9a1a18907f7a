"""The system calls a sandbox is refused, tried in a fresh process that loads the filter:
Linux AIO and io_uring (which carry a file descriptor where seccomp cannot look), every
way of running a program, _posixsubprocess included, and (without a GPU, whose driver
needs it) a file in memory that could be mapped as code."""
import subprocess
import sys

import pytest

from autograder.config import ROOT

PROBE = r'''
import ctypes, errno, os, platform, sys, _posixsubprocess
from autograder.sandbox import seccomp
if not seccomp.filter_syscalls(gpu=sys.argv[1] == "gpu"):
    print("NO-SECCOMP"); raise SystemExit
libc = ctypes.CDLL(None, use_errno=True)
numbers = {"x86_64": {"io_setup": 206, "io_submit": 209, "io_uring_setup": 425},
           "aarch64": {"io_setup": 0, "io_submit": 2, "io_uring_setup": 425}}[platform.machine()]
context = ctypes.c_ulong(0)
results = {}
for name, args in (("io_setup", (8, ctypes.byref(context))), ("io_submit", (0, 0, 0)),
                   ("io_uring_setup", (8, 0))):
    ctypes.set_errno(0)
    code = libc.syscall(numbers[name], *args)
    results[name] = errno.errorcode.get(ctypes.get_errno(), "OK") if code < 0 else "OK"
r, w = os.pipe()
pid = _posixsubprocess.fork_exec(
    [b"/bin/sh", b"-c", b"echo ran > shell-ran"], [b"/bin/sh"], True, (w,), None, None,
    -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, None, -1, None, False)
os.close(w)
failed = os.read(r, 200)
os.waitpid(pid, 0)
results["fork_exec"] = "refused" if failed and not os.path.exists("shell-ran") else "ran"
try:
    os.execv("/bin/true", ["true"])
except OSError as error:
    results["execv"] = errno.errorcode[error.errno]
try:
    os.close(os.memfd_create("code"))
    results["memfd_create"] = "OK"
except OSError as error:
    results["memfd_create"] = errno.errorcode[error.errno]
print(sorted(results.items()))
'''


@pytest.mark.parametrize("machine", ["cpu", "gpu"])
def test_aio_io_uring_exec_and_memory_files_are_refused(tmp_path, machine):
    if sys.platform != "linux":
        pytest.skip("seccomp is Linux's")
    done = subprocess.run([sys.executable, "-c", PROBE, machine], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT)})
    if "NO-SECCOMP" in done.stdout:
        pytest.skip("no seccomp on this machine")
    assert done.stdout.strip() == str(sorted({
        "io_setup": "EPERM", "io_submit": "EPERM", "io_uring_setup": "EPERM",
        "fork_exec": "refused", "execv": "EPERM",
        "memfd_create": "OK" if machine == "gpu" else "EPERM"}.items())), done.stderr[-2000:]
    assert not (tmp_path / "shell-ran").exists()
