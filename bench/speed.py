"""How fast torchgrade grades, against otter run and nbgrader autograde on the same notebooks.

    .venv/bin/python bench/speed.py [--assignments all] [--sample 3] [--class-size 100]
                                    [--total 1000] [--scaling 10,100,1000] [--readme]

For each assignment it builds a class (the reference, the stub and the realistic wrong
solutions of tests/corpus.py, in turn), each a notebook all three tools accept, and prints
in one run:

1. per assignment: seconds per notebook for ``python -m autograder grade`` over the class
   (isolation on, 2 jobs, the whole command timed), for ``otter run`` on an autograder.zip
   made by ``otter assign`` and for nbgrader's ``autograde`` on a sample of the same notebooks,
   the ratios, the overhead per submission beyond the student's own code (100 stubs on one
   job, less the command's time with nothing left to grade; the median of three such runs,
   and their range), and peak memory per worker;
2. the time for ``--total`` submissions of every assignment, graded on all cores;
3. optionally (``--scaling``) torchgrade's scaling curve for char_model.

``--readme`` writes the table of 1. and 2. into README.md between its bench markers.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from autograder.assignments import NAMES, questions  # noqa: E402
from corpus import WRONG  # noqa: E402

BIN = Path(sys.executable).parent
OVERHEAD_REPEATS = 3


def code_sources(path):
    cells = json.loads(Path(path).read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def notebook(sources, assignment):
    """A notebook torchgrade, otter and nbgrader all accept: nbgrader metadata on the
    solution cells, and one locked nbgrader test cell per question at the end."""
    cells = []
    for index, source in enumerate(sources):
        meta = {}
        if "### BEGIN SOLUTION" in source or "# YOUR CODE HERE" in source:
            meta = {"nbgrader": {"solution": True, "grade": False, "locked": False,
                                 "grade_id": f"answer{index}", "schema_version": 3}}
        cells.append({"cell_type": "code", "source": source, "metadata": meta, "outputs": [],
                      "execution_count": None})
    for qid, points in questions(assignment).items():
        cells.append({"cell_type": "code", "source": f"assert callable({qid})", "outputs": [],
                      "execution_count": None,
                      "metadata": {"nbgrader": {"solution": False, "grade": True, "locked": True,
                                                "points": points, "grade_id": f"test_{qid}",
                                                "schema_version": 3}}})
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"}}}


def build_submissions(assignment, count, folder, stubs_only=False):
    solution = code_sources(ROOT / "solutions" / f"{assignment}.ipynb")
    stub = code_sources(ROOT / "assignments" / f"{assignment}.ipynb")
    variants = [solution, stub] + [solution + [code] for _, _, _, code in WRONG[assignment]]
    variants = [stub] if stubs_only else variants
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"s{i:04d}.ipynb"
        path.write_text(json.dumps(notebook(variants[i % len(variants)], assignment)))
    return sorted(folder.glob("*.ipynb"))


class MemorySampler(threading.Thread):
    """Every 50 ms: the PSS of the grading command's own process; per job, the PSS of every
    process below it (graders, the zygote, spawners and sandboxes) divided by the jobs; and
    the largest RSS of any one process."""

    def __init__(self, pid, jobs):
        super().__init__(daemon=True)
        self.pid, self.jobs, self.running = pid, jobs, True
        self.main = self.worker = self.rss = 0

    def run(self):
        while self.running:
            self.main = max(self.main, _memory(self.pid)["Pss"])
            below = [_memory(pid) for pid in _tree(self.pid)[1:]]
            self.worker = max(self.worker, sum(m["Pss"] for m in below) / self.jobs)
            self.rss = max([self.rss, *(m["Rss"] for m in below)])
            time.sleep(0.05)


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def _tree(pid):
    found, stack = [], [pid]
    while stack:
        found.append(stack.pop())
        stack.extend(_children(found[-1]))
    return found


def _memory(pid):
    sizes = {"Pss": 0, "Rss": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                key = line.split(":")[0]
                if key in sizes:
                    sizes[key] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return sizes


def torchgrade(assignment, folder, jobs, out, fresh=True):
    """Grade ``folder``; returns (seconds, the memory sampler)."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", assignment,
                                str(folder), "--out", str(out), "--jobs", str(jobs)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = MemorySampler(process.pid, jobs)
    sampler.start()
    _, stderr = process.communicate()
    sampler.running = False
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"torchgrade failed: {stderr.decode()[-2000:]}")
    return seconds, sampler


def otter(assignment, sample, work):
    """Seconds per notebook for ``otter run`` with an autograder.zip from ``otter assign``."""
    master = notebook(code_sources(ROOT / "solutions" / f"{assignment}.ipynb"), assignment)
    cells = [{"cell_type": "raw", "metadata": {}, "source":
              "# ASSIGNMENT CONFIG\nrequirements: null\nexport_cell: false\ninit_cell: false\n"
              "check_all_cell: false\nrun_tests: false\ngenerate: true"}]
    cells += [c for c in master["cells"] if "grade" not in c["metadata"].get("nbgrader", {})
              or not c["metadata"]["nbgrader"]["grade"]]
    for qid, points in questions(assignment).items():
        for text in (f"# BEGIN QUESTION\nname: {qid}\npoints: {points}", "# BEGIN TESTS"):
            cells.append({"cell_type": "raw", "metadata": {}, "source": text})
        cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": f"assert callable({qid})"})
        for text in ("# END TESTS", "# END QUESTION"):
            cells.append({"cell_type": "raw", "metadata": {}, "source": text})
    (work / "master.ipynb").write_text(json.dumps({**master, "cells": cells}))
    subprocess.run([BIN / "otter", "assign", "master.ipynb", "dist"], cwd=work, check=True,
                   capture_output=True)
    archive = next((work / "dist" / "autograder").glob("*.zip"))
    times = []
    for path in sample:
        out = work / "results" / path.stem
        out.mkdir(parents=True)
        start = time.perf_counter()
        subprocess.run([BIN / "otter", "run", "-a", archive, "-o", out, path], cwd=work,
                       capture_output=True)
        times.append(time.perf_counter() - start)
        if not (out / "results.json").exists():
            raise SystemExit(f"otter run wrote no results for {path.name}")
    return sum(times) / len(times)


def nbgrader(assignment, sample, work):
    """Seconds per notebook for nbgrader's autograde, one student at a time (as it runs)."""
    source = work / "source" / assignment
    source.mkdir(parents=True)
    master = notebook(code_sources(ROOT / "solutions" / f"{assignment}.ipynb"), assignment)
    (source / f"{assignment}.ipynb").write_text(json.dumps(master))
    (work / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(work)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{work}/gradebook.db'\n")
    for path in sample:
        target = work / "submitted" / path.stem / assignment
        target.mkdir(parents=True)
        shutil.copy(path, target / f"{assignment}.ipynb")
    script = (
        "import sys, time, json\nfrom nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config import Config\nconfig = Config()\n"
        f"config.CourseDirectory.root = {str(work)!r}\n"
        f"config.CourseDirectory.db_url = 'sqlite:///{work}/gradebook.db'\n"
        "api = NbGraderAPI(config=config)\n"
        f"result = api.generate_assignment({assignment!r})\n"
        "assert result['success'], result['log'][-3000:]\ntimes = []\n"
        f"for student in {[p.stem for p in sample]!r}:\n"
        "    start = time.perf_counter()\n"
        f"    result = api.autograde({assignment!r}, student)\n"
        "    times.append(time.perf_counter() - start)\n"
        "    assert result['success'], result['log'][-3000:]\n"
        "print(json.dumps(times))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=work, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    if done.returncode:
        raise SystemExit(f"nbgrader failed: {done.stderr[-2000:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    return sum(times) / len(times)


def measure(assignment, args, work):
    """One assignment's row: torchgrade, otter and nbgrader seconds per notebook, overhead,
    memory per worker."""
    work.mkdir()
    sample = build_submissions(assignment, args.sample, work / "sample")
    seconds, _ = torchgrade(assignment, work / "sample", 2, work / "out-sample")
    ours_sample = seconds / len(sample)
    many = build_submissions(assignment, args.class_size, work / "class")
    seconds, memory = torchgrade(assignment, work / "class", 2, work / "out-class")
    (work / "otter").mkdir()
    otter_each = otter(assignment, sample, work / "otter")
    (work / "nbgrader").mkdir()
    nbgrader_each = nbgrader(assignment, sample, work / "nbgrader")
    stubs = build_submissions(assignment, 100, work / "stubs", stubs_only=True)
    overheads, startups = [], []
    for _ in range(OVERHEAD_REPEATS):  # this machine's timings vary by a few ms per stub
        graded, _ = torchgrade(assignment, work / "stubs", 1, work / "o")
        startups.append(torchgrade(assignment, work / "stubs", 1, work / "o", fresh=False)[0])
        overheads.append((graded - startups[-1]) / len(stubs))
    return {"assignment": assignment, "ours": seconds / len(many), "sample": ours_sample,
            "otter": otter_each, "nbgrader": nbgrader_each,
            "overhead": statistics.median(overheads), "overheads": overheads,
            "startup": statistics.median(startups), "worker": memory.worker / 2**20}


def table(rows, total):
    """The Markdown table README shows."""
    lines = ["| assignment | torchgrade s/notebook | `otter run` | nbgrader `autograde` | "
             "overhead per submission (median; range of 3 runs) | memory per worker |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['assignment']} | {row['ours']:.3f} | {row['otter']:.2f} "
                     f"({row['otter'] / row['ours']:.0f}x) | {row['nbgrader']:.2f} "
                     f"({row['nbgrader'] / row['ours']:.0f}x) | {row['overhead']:.3f} s "
                     f"({min(row['overheads']):.3f}-{max(row['overheads']):.3f}) | "
                     f"{row['worker']:.0f} MB |")
    if total:
        count, jobs, seconds = total
        lines += ["", f"{count} submissions ({count // len(rows)} of each assignment) on "
                      f"{jobs} jobs: **{seconds:.0f} s** ({count / seconds:.1f} notebooks per "
                      "second)."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assignments", default="all")
    parser.add_argument("--sample", type=int, default=3, help="notebooks for otter and nbgrader")
    parser.add_argument("--class-size", type=int, default=100,
                        help="notebooks per assignment for torchgrade's seconds per notebook")
    parser.add_argument("--total", type=int, default=1000,
                        help="submissions of each assignment for the total (0: skip)")
    parser.add_argument("--scaling", default="", help="class sizes for char_model's scaling "
                        "curve, e.g. 10,100,1000")
    parser.add_argument("--readme", action="store_true",
                        help="write the table into README.md between its bench markers")
    args = parser.parse_args()
    names = (list(NAMES) if args.assignments == "all"
             else args.assignments.split(","))
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="torchgrade-bench-") as tmp:
        work = Path(tmp)
        print(f"{jobs} cores, python {sys.version.split()[0]}; seconds per notebook, "
              f"torchgrade over {args.class_size} notebooks on 2 jobs (whole command), otter "
              f"and nbgrader on {args.sample} of them", flush=True)
        rows = []
        for name in names:
            rows.append(measure(name, args, work / name))
            row = rows[-1]
            print(f"  {name:<16} torchgrade {row['ours']:.3f} (sample {row['sample']:.3f})  "
                  f"otter {row['otter']:.2f} ({row['otter'] / row['ours']:.0f}x)  nbgrader "
                  f"{row['nbgrader']:.2f} ({row['nbgrader'] / row['ours']:.0f}x)  overhead "
                  f"{row['overhead']:.3f} s ({' '.join(f'{o:.3f}' for o in row['overheads'])};"
                  f" startup {row['startup']:.1f} s)  worker "
                  f"{row['worker']:.0f} MB", flush=True)
        total = None
        if args.total:
            start = time.perf_counter()
            for name in names:
                folder = work / f"total-{name}"
                build_submissions(name, args.total, folder)
                torchgrade(name, folder, jobs, work / f"out-total-{name}")
            total = (args.total * len(names), jobs, time.perf_counter() - start)
            print(f"\n{total[0]} submissions on {jobs} jobs: {total[2]:.0f} s", flush=True)
        text = table(rows, total)
        print("\n" + text)
        if args.readme:
            readme = (ROOT / "README.md").read_text()
            head, rest = readme.split("<!-- bench:start -->\n", 1)
            tail = rest.split("<!-- bench:end -->", 1)[1]
            (ROOT / "README.md").write_text(f"{head}<!-- bench:start -->\n{text}\n"
                                            f"<!-- bench:end -->{tail}")
        if args.scaling:
            scaling(args, work)


def scaling(args, work):
    sizes = [int(size) for size in args.scaling.split(",")]
    many = build_submissions("char_model", max(sizes), work / "scaling")
    print("\nscaling, char_model (isolation on; memory in MB: PSS of the main process, peak "
          "PSS per job = everything below the command / jobs, peak RSS of any one process)")
    print(f"  {'notebooks':>9}  {'jobs':>4}  {'seconds':>8}  {'per nb':>7}  {'nb/s':>6}  "
          f"{'main':>5}  {'worker':>6}  {'rss':>5}")
    for size in sizes:
        folder = work / f"size{size}"
        for path in many[:size]:
            folder.mkdir(exist_ok=True)
            os.link(path, folder / path.name)
        for jobs in (1, 2):
            seconds, memory = torchgrade("char_model", folder, jobs, work / "o")
            print(f"  {size:>9}  {jobs:>4}  {seconds:>8.1f}  {seconds / size:>7.3f}  "
                  f"{size / seconds:>6.1f}  {memory.main / 2**20:>5.0f}  "
                  f"{memory.worker / 2**20:>6.0f}  {memory.rss / 2**20:>5.0f}", flush=True)


if __name__ == "__main__":
    main()
