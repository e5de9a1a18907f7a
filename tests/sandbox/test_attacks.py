"""Hostile notebooks: each gets the honest outcome, and the batch around it is unharmed.

Each attack is appended to (or replaces parts of) the tensor_shapes reference solution, whose
honest score is 13/13 (make_tensor 2, to_nchw 3, flatten_images 2, image_to_batch 3,
batch_to_image 3).
"""
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import threading

import pytest

from autograder.config import ROOT
from autograder.records import Status
from autograder.sandbox.inside.confine import beside

from conftest import failures, grade_folder, said, solution_cells, stub_cells, write_notebook

pytestmark = pytest.mark.slow  # left out by make test-fast

A = "tensor_shapes"
CHEAT = "def make_tensor(shape, device='cpu'):\n    return torch.ones(shape)\n"  # fails both checks

ATTACKS = {
    # cheating on values
    "patched_comparisons": (
        "torch.allclose = torch.equal = lambda *a, **k: True\n"
        "torch.isclose = lambda a, b, *x, **k: torch.ones_like(a, dtype=torch.bool)\n"
        "torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)\n"
        "torch.Tensor.all = lambda self, *a: torch.tensor(True)\n"
        "import builtins; builtins.abs = lambda x: 0; builtins.isinstance = lambda *a: True\n"),
    "always_equal_object": (
        "class Anything:\n    shape = (2, 3)\n    dtype = torch.float32\n"
        "    def __eq__(self, other): return True\n    def __getattr__(self, name): return self\n"
        "def make_tensor(shape, device='cpu'):\n    return Anything()\n"),
    "lying_subclass": (
        "class Liar(torch.Tensor):\n    @property\n    def shape(self): return torch.Size([2, 3])\n"
        "def make_tensor(shape, device='cpu'):\n    return torch.ones(2, 3).as_subclass(Liar)\n"),
    "patched_probe_and_pytest": (
        "import sys\nfor name in list(sys.modules):\n"
        "    if name.startswith(('autograder', '_pytest', 'pytest')):\n"
        "        m = sys.modules[name]\n"
        "        for attr in dir(m):\n"
        "            try: setattr(m, attr, None)\n            except Exception: pass\n"),
    # faking output and planting files
    "fake_results_and_planted_files": (
        "print('tensor_shapes: 7/7 passed\\n===== 13 passed =====')\n"
        "for name in ('results.json', 'grades.csv', 'conftest.py', 'pytest.ini', 'torch.py',"
        " 'sitecustomize.py'):\n"
        "    open(name, 'w').write('import os; os._exit(0)\\n{\"score\": 100}')\n"
        f"for target in ('{ROOT}/autograder/checks/conftest.py', '../grades.csv'):\n"
        "    try: open(target, 'w').write('x')\n    except OSError: pass\n"),
    # reading what it must not
    "reads_hidden_checks": (
        "import glob, os\nfound = []\n"
        f"for pattern in ('{ROOT}/**/test_*.py', '{ROOT}/solutions/*', '/tmp/**/*.ipynb', "
        "'/tmp/**/grades.sqlite', '/etc/shadow', '/etc/ssh/*key'):\n"
        "    try: found += [open(p).read()[:300] for p in glob.glob(pattern, recursive=True)[:3]]\n"
        "    except OSError: pass\n"
        "def make_tensor(shape, device='cpu'):\n    raise ValueError('LEAK:' + repr(found))\n"),
    # taking the process down
    "sys_exit_at_top": "import sys\nsys.exit('bye')\n",
    "os_exit_at_top": "import os\nos._exit(3)\n",
    "exit_in_function": "import os\ndef make_tensor(shape, device='cpu'):\n    os._exit(0)\n",
    "kills_everything_it_can": "import os, signal\nos.kill(-1, signal.SIGKILL)\n",
    "memory_bomb": ("def to_nchw(b):\n    hog = [bytearray(2**30) for _ in range(64)]\n"
                    "    return b.permute(0, 3, 1, 2)\n"),
    "huge_tensor": "def to_nchw(b):\n    return torch.empty(2**38, dtype=torch.uint8)\n",
    "ignores_alarm_and_loops": ("import signal\ndef to_nchw(b):\n"
                                "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                "    while True:\n        pass\n"),
    "swallows_timeouts": ("def to_nchw(b):\n    while True:\n        try:\n"
                          "            while True: pass\n        except BaseException:\n"
                          "            pass\n"),
    "hostile_exception": ("class Evil(Exception):\n    def __str__(self):\n        while True: pass\n"
                          "def to_nchw(b):\n    raise Evil()\n"),
    "file_bomb": ("def to_nchw(b):\n    with open('big', 'wb') as f:\n"
                  "        for _ in range(10**4): f.write(b'x' * 2**20)\n"
                  "    return b.permute(0, 3, 1, 2)\n"),
    "daemon_left_behind": ("import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                           "        os.execv('/bin/sleep', ['sleep', '987.654'])\n    os._exit(0)\n"),
    "magics_and_shell": "%matplotlib inline\n!rm -rf /\nx = 1\n",
    # bombs that must hit a wall and report how far they got
    "fork_bomb": ("import os, time\ntry:\n    while True:\n        if os.fork() == 0:\n"
                  "            while True:\n                try: os.fork()\n"
                  "                except OSError: time.sleep(0.01)\nexcept OSError:\n    pass\n"),
    "counts_forks": ("import os, time\ndef to_nchw(b):\n    n = 0\n    try:\n"
                     "        while n < 5000:\n            if os.fork() == 0:\n"
                     "                time.sleep(60); os._exit(0)\n            n += 1\n"
                     "    except OSError:\n        pass\n    raise ValueError(f'FORKED {n}')\n"),
    "thread_bomb": ("import threading, time\nthreads = []\ntry:\n    while len(threads) < 5000:\n"
                    "        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
                    "        t.start(); threads.append(t)\nexcept RuntimeError:\n    pass\n"),
    "forked_memory_bomb": (
        "import os, time\ndef to_nchw(b):\n    r, w = os.pipe()\n    for _ in range(6):\n"
        "        if os.fork() == 0:\n            hog = b'x' * 2**30\n            os.write(w, b'+')\n"
        "            time.sleep(60); os._exit(0)\n    time.sleep(1.5)\n    os.set_blocking(r, False)\n"
        "    try: got = len(os.read(r, 100))\n    except BlockingIOError: got = 0\n"
        "    raise ValueError(f'ALLOCATED {got}')\n"),
    "disk_bomb": ("def to_nchw(b):\n    n = 0\n    try:\n        while n < 100:\n"
                  "            with open(f'f{n}', 'wb') as f: f.write(b'x' * 60 * 2**20)\n"
                  "            n += 1\n    except OSError:\n        pass\n"
                  "    raise ValueError(f'WROTE {n}')\n"),
    "stack_overflow": ("import sys\ndef to_nchw(b):\n    sys.setrecursionlimit(10**8)\n"
                       "    nested = []\n    for _ in range(10**6): nested = [nested]\n"
                       "    return repr(nested)\n"),  # C recursion: segfaults
    "blocks_alarm_and_sleeps": ("import signal, time\ndef to_nchw(b):\n"
                                "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
                                "    time.sleep(10**6)\n"),
    # reaching past the sandbox
    "privileged_calls": (
        "import ctypes, os\ndone = []\n"
        "def load_native():  # a compiled extension copied to its own disk, then imported\n"
        "    import glob, shutil, sys, sysconfig\n"
        "    folder = sysconfig.get_paths(vars={'platbase': sys.base_prefix})['platstdlib']\n"
        "    folder += '/lib-dynload/'\n"
        "    name = next(n for n in ('xxlimited', 'xxlimited_35', '_xxtestfuzz', '_lsprof')\n"
        "                if glob.glob(folder + n + '.*') and n not in sys.modules)\n"
        "    shutil.copy(glob.glob(folder + name + '.*')[0], '.')\n"
        "    sys.path.insert(0, os.getcwd())\n"
        "    assert __import__(name).__file__.startswith(os.getcwd())\n"
        "try:\n    libc = ctypes.CDLL(None, use_errno=True)\n"
        "except OSError:  # refused by the sandbox's audit hook\n    libc = None\n"
        "tries = {'sethostname': lambda: libc.sethostname(b'pwned', 5),\n"
        "    'settimeofday': lambda: libc.settimeofday(ctypes.byref((ctypes.c_long * 2)(0, 0)), None),\n"
        "    'unshare_user': lambda: libc.unshare(0x10000000),\n"
        "    'mount': lambda: libc.mount(b'none', b'/mnt', b'tmpfs', 0, None),\n"
        "    'setuid0': lambda: os.setuid(0),\n    'chroot': lambda: os.chroot('/'),\n"
        "    'shm': lambda: open('/dev/shm/note', 'w').write('x'),\n"
        "    'sysrq': lambda: open('/proc/sysrq-trigger', 'w').write('h'),\n"
        "    'ptrace': lambda: libc.ptrace(16, 1, None, None),\n"
        "    'memfd': lambda: os.close(os.memfd_create('code')),\n"
        "    'native_code_it_wrote': load_native}\n"
        "for name, attempt in tries.items():\n    try:\n        if attempt() in (0, 1, None):\n"
        "            done.append(name)\n    except (OSError, AttributeError, ImportError):\n"
        "        pass\n"
        "def make_tensor(shape, device='cpu'):\n    raise ValueError(f'DID {done}')\n"),
    "kills_the_grader": ("import os, signal\nfor pid in (PYTEST_PID, os.getppid()):\n"
                         "    for sig in (signal.SIGKILL, signal.SIGTERM):\n"
                         "        try: os.kill(pid, sig)\n        except OSError: pass\n"),
    "reads_environment": (
        "import os, posix\ndef make_tensor(shape, device='cpu'):\n"
        "    stat = open('/proc/self/stat').read().rsplit(')', 1)[1].split()\n"
        "    with open('/proc/self/mem', 'rb') as mem:\n"
        "        mem.seek(int(stat[47]))\n"
        "        memory = mem.read(int(stat[48]) - int(stat[47]))\n"
        "    raise ValueError('ENV ' + repr([dict(os.environ), posix.environ, memory,\n"
        "                                    open('/proc/self/environ', 'rb').read()]))\n"),
    "scans_memory": (  # what follows each "s3cret-" and "gr4der-" in all it can read
        "def make_tensor(shape, device='cpu'):\n    seen = set()\n"
        "    for line in open('/proc/self/maps'):\n        fields = line.split()\n"
        "        start, end = (int(x, 16) for x in fields[0].split('-'))\n"
        "        if fields[1][0] != 'r' or end - start > 2**30: continue\n"
        "        try:\n            with open('/proc/self/mem', 'rb', buffering=0) as mem:\n"
        "                mem.seek(start); data = mem.read(end - start)\n"
        "        except OSError: continue\n        for prefix in (b's3cret-', b'gr4der-'):\n"
        "            at = data.find(prefix)\n            while at >= 0:\n"
        "                seen.add(data[at + 7:at + 12].hex()); at = data.find(prefix, at + 1)\n"
        "    raise ValueError(f'SCANNED {sorted(seen)}')\n"),
    "sees_other_processes": ("import os\ndef make_tensor(shape, device='cpu'):\n"
                             "    raise ValueError(f'PIDS {sorted(int(p) for p in os.listdir(\"/proc\")"
                             " if p.isdigit())}')\n"),
    # lying in what comes back
    "escape_codes_and_fake_summary": (
        "def make_tensor(shape, device='cpu'):\n"
        "    raise ValueError('\\x1b[2J\\x1b[32m===== 13 passed =====\\r\\u202eSCORE 7/7\\x1b[0m')\n"),
    "nan_and_meta_results": ("def make_tensor(shape, device='cpu'):\n"
                             "    return torch.full(shape, float('nan'))\n"
                             "def to_nchw(b):\n    return torch.empty(b.shape[0], b.shape[3], b.shape[1],"
                             " b.shape[2], device='meta')\n"),
    "pickle_payload_and_hostile_repr": (
        "import os\nclass Payload:\n    shape = (2, 3)\n"
        "    def __reduce__(self): return (os.system, ('touch /tmp/torchgrade-pwned',))\n"
        "    def __repr__(self): return 'x' * 10**8\n"
        "def make_tensor(shape, device='cpu'):\n    return Payload()\n"),
    "writes_fake_frames": ("import os, pickle\nfor junk in (b'\\xff' * 64, (2**31).to_bytes(8, 'big'),"
                           " pickle.dumps({'event': 'ready'})):\n"
                           "    try: os.write(3, junk)\n    except OSError: pass\n"),
    # unusual values and sizes
    "returns_sparse": "def make_tensor(shape, device='cpu'):\n    return torch.zeros(shape).to_sparse()\n",
    "returns_generator": "def to_nchw(b):\n    return torch.Generator()\n",
    "returns_huge_view": "def to_nchw(b):\n    return torch.zeros(1).expand(2**40)\n",
    "huge_code_cell": "# " + "x" * (17 * 2**20) + "\n",
    # small, but millions of statements for the grader to parse (2 KB each): gigabytes
    "millions_of_statements": "a = 1\n" + "a\n" * (3 * 2**20),
}

TOP_LEVEL = {"fork_bomb", "thread_bomb", "writes_fake_frames"}
CHEATS_TOO = {"patched_comparisons", "patched_probe_and_pytest", "fake_results_and_planted_files",
              "privileged_calls", "kills_the_grader", "reads_environment", "scans_memory",
              "sees_other_processes",
              "escape_codes_and_fake_summary"}

# student: (score, status, question that must lose points or None). A status given as a tuple
# lists the outcomes that depend on the machine's memory pressure, each of them acceptable.
EXPECTED = {
    # what it broke, it broke for itself (to_nchw too: its dry run on the meta device goes
    # through torch's Python dispatch, which the rebound isinstance breaks)
    "patched_comparisons": (8, "graded", "make_tensor"),
    "always_equal_object": (11, "graded", "make_tensor"),
    "lying_subclass": (11, "graded", "make_tensor"),
    "patched_probe_and_pytest": (11, "graded", "make_tensor"),  # finds no torchgrade module
    "fake_results_and_planted_files": (11, "graded", "make_tensor"),
    "reads_hidden_checks": (11, "graded", "make_tensor"),
    "sys_exit_at_top": (13, "graded", None),
    "os_exit_at_top": (13, "crashed", None),
    "exit_in_function": (11, "crashed", "make_tensor"),
    "kills_everything_it_can": (13, "graded", None),
    "memory_bomb": (10, ("graded", "timeout"), "to_nchw"),
    "huge_tensor": (10, "graded", "to_nchw"),
    "ignores_alarm_and_loops": (10, "timeout", "to_nchw"),
    "swallows_timeouts": (10, "timeout", "to_nchw"),
    "hostile_exception": (10, "graded", "to_nchw"),  # its __str__ runs out of time: no message
    "file_bomb": (10, "graded", "to_nchw"),
    "daemon_left_behind": (13, "graded", None),
    "magics_and_shell": (13, "graded", None),
    "fork_bomb": (13, "graded", None),
    "counts_forks": (10, "graded", "to_nchw"),
    "thread_bomb": (13, "graded", None),
    "forked_memory_bomb": (10, ("graded", "timeout"), "to_nchw"),
    "disk_bomb": (10, "graded", "to_nchw"),
    "stack_overflow": (10, "crashed", "to_nchw"),
    "blocks_alarm_and_sleeps": (10, "timeout", "to_nchw"),
    "privileged_calls": (11, "graded", "make_tensor"),
    "kills_the_grader": (13, "graded", None),
    "reads_environment": (11, "graded", "make_tensor"),
    "scans_memory": (11, "graded", "make_tensor"),
    "sees_other_processes": (11, "graded", "make_tensor"),
    "escape_codes_and_fake_summary": (11, "graded", "make_tensor"),
    "nan_and_meta_results": (8, "graded", "make_tensor"),
    "pickle_payload_and_hostile_repr": (11, "graded", "make_tensor"),
    "writes_fake_frames": (13, "graded", None),  # the call socket refuses its writes
    "returns_sparse": (11, "graded", "make_tensor"),
    "returns_generator": (10, "graded", "to_nchw"),
    "returns_huge_view": (10, "graded", "to_nchw"),
    "huge_code_cell": (0, "invalid-notebook", "make_tensor"),
    "millions_of_statements": (0, "invalid-notebook", "make_tensor"),
}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Every attack graded once, in one batch beside an honest notebook and the stub."""
    os.environ["TORCHGRADE_TEST_SECRET"] = "s3cret-token"
    grader_only = "gr4der-" + "ABCDE"  # made at run time: in this process's memory only
    hostname = socket.gethostname()
    solution = solution_cells(A)
    notebooks = {"honest": solution, "stub": stub_cells(A)}
    for name, code in ATTACKS.items():
        code = code.replace("PYTEST_PID", str(os.getpid()))
        if "top" in name or name.startswith("kills") or name in TOP_LEVEL:
            notebooks[name] = solution[:2] + [code] + solution[2:]
        else:
            cheat = [CHEAT] if name in CHEATS_TOO else []
            notebooks[name] = solution + cheat + [code]
    root = tmp_path_factory.mktemp("attacks")
    try:
        records = grade_folder(A, notebooks, root)
    finally:
        del os.environ["TORCHGRADE_TEST_SECRET"]
    assert grader_only
    return records, root / "out", hostname


def test_the_honest_neighbours_are_unharmed(attacked):
    records = attacked[0]
    assert (records["honest"].score, records["honest"].status) == (13, Status.GRADED)
    assert records["stub"].score == 0


@pytest.mark.parametrize("name", EXPECTED)
def test_attack_gets_its_honest_outcome(attacked, name):
    score, status, question = EXPECTED[name]
    record = attacked[0][name]
    statuses = status if isinstance(status, tuple) else (status,)
    assert record.score == score and record.status.value in statuses, said(record)
    if question:
        assert record.questions[question].score == 0, failures(record, question)


def _said(attacked, name):
    return said(attacked[0][name])


@pytest.mark.parametrize("name, words", [("returns_sparse", "dense tensor"),
                                         ("returns_generator", "it is a Generator"),
                                         ("returns_huge_view", "far more than this question needs"),
                                         ("huge_code_cell", "more than 16 MB"),
                                         ("millions_of_statements",
                                          "or more than 200,000 words and symbols")])
def test_unusual_values_get_a_clear_reason(attacked, name, words):
    assert words in _said(attacked, name) and "internal" not in _said(attacked, name)


def test_hidden_checks_and_secrets_are_unreadable(attacked):
    leaked = _said(attacked, "reads_hidden_checks")
    assert "def test_" not in leaked and "LEAK:[]" in leaked


def test_bombs_hit_their_walls(attacked):
    assert _number(_said(attacked, "counts_forks"), "FORKED") < 64
    forked = _said(attacked, "forked_memory_bomb")  # refused outright where the hook is on
    assert "os.fork is not available" in forked or _number(forked, "ALLOCATED") <= 2  # GiB
    assert _number(_said(attacked, "disk_bomb"), "WROTE") <= 4  # 60 MB files, 256 MB disk


def test_privileged_calls_fail_and_the_host_is_unchanged(attacked):
    assert "DID []" in _said(attacked, "privileged_calls")
    assert socket.gethostname() == attacked[2]


def test_the_environment_and_other_processes_are_invisible(attacked):
    environment = _said(attacked, "reads_environment")
    assert "s3cret" not in environment and "ENV [{" in environment
    assert "PIDS [1]" in _said(attacked, "sees_other_processes")


def test_nothing_of_the_grading_process_is_in_a_sandbox_s_memory(attacked):
    """Not its environment, nor anything it read or made before: only code and the notebook."""
    scanned = _said(attacked, "scans_memory")
    assert "SCANNED [" in scanned
    assert b"token".hex() not in scanned and b"ABCDE".hex() not in scanned


def test_control_characters_reach_no_output(attacked):
    out = attacked[1]
    gradebook = (out / "grades.csv").read_text()
    feedback = (out / "feedback" / "escape_codes_and_fake_summary.md").read_text()
    said_text = _said(attacked, "escape_codes_and_fake_summary")
    assert "13 passed" in said_text and "13 passed" in feedback  # the text, made harmless
    for text in (said_text, gradebook, feedback):
        assert not any(c in text for c in "\x1b\r\u202e")


def test_nothing_outlives_or_escapes_the_sandbox(attacked):
    assert not os.path.exists("/tmp/torchgrade-pwned")
    assert subprocess.run(["pgrep", "-f", "sleep 987.654"], capture_output=True).returncode == 1
    assert (ROOT / "autograder" / "checks" / "conftest.py").read_text() != "x"


def test_an_installed_torchgrade_is_unreadable_from_the_sandbox(tmp_path):
    """Installed into site-packages, the hidden checks sit beside what the sandbox must read."""
    site = tmp_path / "site-packages"
    for folder in ("numpy", "autograder/checks", "otter"):
        (site / folder).mkdir(parents=True)
    readable = beside(str(site), str(site / "autograder"))
    assert sorted(readable) == [str(site / "numpy"), str(site / "otter")]
    assert beside(str(site / "numpy"), str(site / "autograder")) == [str(site / "numpy")]


def _number(text, label):
    match = re.search(label + r" (\d+)", text)
    assert match, f"{label} not reported in {text[:300]}"
    return int(match.group(1))


def test_no_network_not_even_loopback(grade_many):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(10)
    port, received = server.getsockname()[1], []

    def accept():
        try:
            received.append(server.accept())
        except OSError:
            pass
    thread = threading.Thread(target=accept)
    thread.start()
    code = ("import socket\ndef make_tensor(shape, device='cpu'):\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'x')\n"
            "    return torch.zeros(shape, device=device)\n")
    record = grade_many(A, {"net": solution_cells(A) + [code]})["net"]
    server.close()
    thread.join()
    assert not received
    assert record.questions["make_tensor"].score == 0


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_without_root_grading_still_works_and_warns(tmp_path):
    """As an ordinary user (who may read the Python install): weaker, named, still graded."""
    folder = tmp_path / "subs"
    folder.mkdir()
    write_notebook(folder / "honest.ipynb", solution_cells(A))
    write_notebook(folder / "forks.ipynb", solution_cells(A) + [ATTACKS["counts_forks"]])
    write_notebook(folder / "net.ipynb", solution_cells(A) + [
        "import socket\ndef make_tensor(shape, device='cpu'):\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
        "    return torch.zeros(shape, device=device)\n"])
    out = tmp_path / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search",
         sys.executable, "-m", "autograder", "grade", A, str(folder), "--out", str(out),
         "--timeout", "3"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "warning: weaker isolation here: no separate uid" in result.stdout
    assert "landlock" in result.stdout and "processes" in result.stdout
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert rows["honest"]["score"] == "13"
    assert rows["forks"]["to_nchw"] == "0"
    # RLIMIT_NPROC counts all of the user's tasks: bounded, though not at exactly 64
    assert _number((out / "feedback" / "forks.md").read_text(), "FORKED") < 1000
    assert rows["net"]["make_tensor"] == "0"


# What reaches for the machinery the verdicts on *how* are observed with is flagged for
# review with its lines (checking/flags.py); the rest gets no more than its plain shortcut.
FLAGGED = {"patched_comparisons", "patched_probe_and_pytest", "daemon_left_behind",
           "fork_bomb", "counts_forks", "thread_bomb", "forked_memory_bomb", "privileged_calls",
           "reads_environment", "scans_memory", "pickle_payload_and_hostile_repr"}


def test_attacks_on_the_machinery_are_flagged_for_review(attacked):
    records = attacked[0]
    assert not records["honest"].flags and not records["stub"].flags
    assert {name for name in ATTACKS if records[name].flags} == FLAGGED
