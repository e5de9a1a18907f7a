"""A sandbox is born from a process that never held a hidden check or another student's
data: a notebook that reads all of its own memory finds neither."""
import base64
import subprocess
import sys

from autograder.assignments import check_file
from autograder.config import ROOT

from conftest import solution_cells, write_notebook

A = "tensor_shapes"
CANARY = ("CANARY-", "4f1c9e7a2b")  # put together only inside the classmate's sandbox


def _needles():
    """(name, first half, second half): distinct lines of the hidden checks; a line of the
    scanning student's own notebook, which must be found (the scanner works); the canary."""
    lines = [line.strip() for line in check_file(A).read_text().splitlines()
             if len(line.strip()) > 40 and '"' in line][:12]
    needles = [(f"check line {i}", line[: len(line) // 2], line[len(line) // 2:])
               for i, line in enumerate(lines)]
    own = "return batch_hwc.permute(0, 3, 1, 2)"
    return needles + [("own notebook", own[:15], own[15:]), ("canary", *CANARY)]


SCANNER = '''
import base64
NEEDLES = [(name, base64.b64decode(a), base64.b64decode(b)) for name, a, b in {needles!r}]

def _scan():
    found = set()
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for fields in regions:
            if not fields[1].startswith("r") or fields[-1] in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            position = start
            while position < end:
                try:
                    mem.seek(position)
                    chunk = mem.read(min(8 << 20, end - position) + 4096)
                except (OSError, ValueError, OverflowError):
                    break
                for name, first, second in NEEDLES:
                    at = chunk.find(first)
                    while at != -1:
                        if chunk[at + len(first): at + len(first) + len(second)] == second:
                            found.add(name)
                        at = chunk.find(first, at + 1)
                position += 8 << 20
    return sorted(found)

def make_tensor(shape, device="cpu"):
    raise ValueError("FOUND " + repr(_scan()))
'''


def test_a_sandbox_holds_no_hidden_check_and_no_classmates_data(tmp_path):
    """Graded by ``python -m autograder`` in a fresh process, as an instructor runs it: this
    test process has read the hidden checks itself, and a zygote forked from it would not
    prove anything about the real command."""
    encoded = [(name, base64.b64encode(a.encode()).decode(), base64.b64encode(b.encode()).decode())
               for name, a, b in _needles()]
    classmate = solution_cells(A) + [
        "def make_tensor(shape, device='cpu'):\n"
        f"    raise ValueError({CANARY[0]!r} + {CANARY[1]!r})\n"]
    scanner = solution_cells(A) + [SCANNER.format(needles=encoded)]
    folder = tmp_path / "submissions"
    folder.mkdir()
    write_notebook(folder / "aaa.ipynb", classmate)
    write_notebook(folder / "zzz.ipynb", scanner)
    subprocess.run([sys.executable, "-m", "autograder", "grade", A, str(folder), "--out",
                    str(tmp_path / "out"), "--jobs", "1", "--timeout", "60"], cwd=ROOT,
                   check=True, capture_output=True)
    feedback = tmp_path / "out" / "feedback"
    assert "".join(CANARY) in (feedback / "aaa.md").read_text()  # it did reach the grader
    report = (feedback / "zzz.md").read_text()
    assert "FOUND ['own notebook']" in report, report[:2000]
