"""Where there is a GPU, a sandbox may write to its own /proc entry (CUDA does), yet never
to its own memory there: it is not dumpable, so the kernel gives those files to root, and
seccomp refuses making it dumpable again. Tried on this machine with /dev/null standing in
for /dev/nvidia*, through the same confinement a sandbox enters."""
import os
import subprocess
import sys

import pytest

from autograder.config import ROOT

PROBE = r'''
import ctypes, os, tempfile
import numpy as np
from autograder.config import Limits
from autograder.sandbox.inside import confine
confine.glob.glob = lambda pattern: ["/dev/null"]  # as if /dev/nvidia* were there
confine.cgroup.join = lambda *args: []  # no cgroup left behind by a test
active = confine.enter(os.dup(1), tempfile.mkdtemp(), Limits().as_dict(),
                       confine.readable_paths(), False)
results = {"layers": sorted(item["key"] for item in active)}
values = np.zeros(4, dtype=np.uint8)
try:
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        memory.seek(values.__array_interface__["data"][0])
        memory.write(b"\x07")
    results["memory"] = f"written: {values[0]}"
except OSError as error:
    results["memory"] = error.strerror
try:
    with open("/proc/thread-self/comm", "w") as name:
        name.write("renamed")
    results["thread name"] = "written"
except OSError as error:
    results["thread name"] = error.strerror
libc = ctypes.CDLL(None, use_errno=True)
results["dumpable again"] = "refused" if libc.prctl(4, 1, 0, 0, 0) else "allowed"
os.write(3, repr(results).encode())
'''


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs Linux and root")
def test_on_a_gpu_machine_a_sandbox_cannot_write_its_own_memory():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    results = eval(done.stdout)  # a dict literal this test's own probe printed
    if not {"landlock", "seccomp", "separate uid"} <= set(results["layers"]):
        pytest.skip(f"this machine lacks a layer: {results['layers']}")
    assert results["memory"] == "Permission denied"
    assert results["thread name"] == "written"  # what CUDA needs of its /proc entry
    assert results["dumpable again"] == "refused"
