"""Hostile notebooks: each gets the honest outcome, and the batch around it is unharmed.

Each attack is appended to (or replaces parts of) the tensor_shapes reference solution, whose
honest score is 7/7 (make_tensor 2, to_nchw 3, flatten_images 2).
"""
import socket
import subprocess
import threading

from autograder.assignments import ROOT

from conftest import solution_cells, stub_cells

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
        "'/tmp/**/grades.sqlite'):\n"
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
}

CHEATS_TOO = {"patched_comparisons", "patched_probe_and_pytest", "fake_results_and_planted_files"}

EXPECTED = {  # student: (score, status, question that must lose points or None)
    "patched_comparisons": (5, None, "make_tensor"),
    "always_equal_object": (5, "graded", "make_tensor"),
    "lying_subclass": (5, "graded", "make_tensor"),
    "patched_probe_and_pytest": (5, None, "make_tensor"),
    "fake_results_and_planted_files": (5, "graded", "make_tensor"),
    "reads_hidden_checks": (5, "graded", "make_tensor"),
    "sys_exit_at_top": (7, "graded", None),
    "os_exit_at_top": (7, "crashed", None),
    "exit_in_function": (5, "crashed", "make_tensor"),
    "kills_everything_it_can": (7, "graded", None),
    "memory_bomb": (4, None, "to_nchw"),
    "huge_tensor": (4, None, "to_nchw"),
    "ignores_alarm_and_loops": (4, "timeout", "to_nchw"),
    "swallows_timeouts": (4, "timeout", "to_nchw"),
    "hostile_exception": (4, "timeout", "to_nchw"),
    "file_bomb": (4, "graded", "to_nchw"),
    "daemon_left_behind": (7, "graded", None),
    "magics_and_shell": (7, "graded", None),
}


def test_attacks_gain_nothing_and_harm_no_one(grade_many):
    solution = solution_cells(A)
    notebooks = {"honest": solution, "stub": stub_cells(A)}
    for name, code in ATTACKS.items():
        if "top" in name or name.startswith("kills"):
            notebooks[name] = solution[:2] + [code] + solution[2:]
        else:
            cheat = [CHEAT] if name in CHEATS_TOO else []
            notebooks[name] = solution + cheat + [code]
    records = grade_many(A, notebooks)
    assert records["honest"]["score"] == 7 and records["honest"]["status"] == "graded"
    assert records["stub"]["score"] == 0
    problems = []
    for name, (score, status, question) in EXPECTED.items():
        record = records[name]
        if record["score"] != score or (status and record["status"] != status):
            problems.append(f"{name}: {record['score']} {record['status']} "
                            f"{ {q: e['failed'] for q, e in record['questions'].items()} }")
        if question and record["questions"][question]["score"] > 0:
            problems.append(f"{name}: points on {question}")
    assert not problems, "\n".join(problems)
    leaked = str(records["reads_hidden_checks"])
    assert "def test_" not in leaked and "LEAK:[]" in leaked
    assert subprocess.run(["pgrep", "-f", "sleep 987.654"], capture_output=True).returncode == 1
    assert (ROOT / "autograder" / "checks" / "conftest.py").read_text() != "x"


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
    assert record["questions"]["make_tensor"]["score"] == 0
