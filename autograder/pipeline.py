"""The grading pipeline, top to bottom:

1. discover  -- find the submitted notebooks; a student's id is the file stem
2. skip      -- leave out those graded before with the same notebook and checks
3. execute and check -- each in its own forked grader (grading.py, sandbox.py)
4. score     -- points per question (scoring.py)
5. record    -- commit each result to SQLite as soon as it is known (store.py)
6. report    -- grades.csv, results/*.json, feedback/*.md (report.py)
"""
import gc
import hashlib
import json
import os
import select
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import assignments, cgroup, isolation
from .grading import grade_notebook
from .report import write_reports
from .scoring import score
from .store import Store
from .terminal import Progress, class_summary
from .sandbox import GROUP_PREFIX, Spawner, warm_up
from .student import Limits, Student


@dataclass
class Submission:
    student: str
    path: Path
    key: str


def grade(assignment, paths, out, jobs=None, limits=None, log=print, live=False):
    """Grade every notebook under ``paths``; returns the records in student order.

    ``live`` shows a progress bar when writing to a terminal.
    """
    limits = limits or Limits()
    jobs = max(1, jobs or os.cpu_count() or 1)
    questions = assignments.questions(assignment)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store = Store(out / "grades.sqlite")
    digest = assignments.checks_digest(assignment)
    submissions = discover(paths, assignment, digest, limits, log)
    log(isolation_summary())
    todo = [s for s in submissions if store.get(assignment, s.student, s.key) is None]
    if len(todo) < len(submissions):
        log(f"{len(submissions) - len(todo)} submission(s) already graded; skipping them.")
    started = time.monotonic()
    progress = Progress(len(todo), log, live=None if live else False)
    try:
        for submission, result in _run_all(assignment, todo, jobs, limits):
            record = _record(assignment, submission, result, questions)
            store.put(record, submission.key)
            progress.update(record)
    finally:
        progress.close()
    records = [store.get(assignment, s.student, s.key) for s in submissions]
    store.close()
    write_reports(out, records, questions)
    log(class_summary(records, questions, len(todo), time.monotonic() - started, jobs))
    return records


def isolation_summary():
    """One line naming the confinement this machine gives a sandbox (and what it lacks)."""
    spawner = Spawner()
    student = Student([], Limits(), spawner)
    try:
        student.start()
    finally:
        student.close()
        spawner.close()
    active = ", ".join(student.isolation) or "none"
    missing = [why for name, why in _PROTECTIONS if not any(name in item for item in student.isolation)]
    warning = f"\nwarning: weaker isolation here: {'; '.join(missing)}. Grade untrusted work " \
        "on Linux as root for full protection." if missing else ""
    return f"isolation: separate process, {active}{warning}"


_PROTECTIONS = (  # (name in the summary, what its absence means)
    ("namespaces", "no namespaces, so submissions can use the network and leave processes behind"),
    ("landlock", "no landlock, so submissions can read files the grader can read"),
    ("rlimits", "no rlimits, so memory, CPU time and file size are unbounded"),
    ("separate uid", "no separate uid, so submissions run as the grader's user"),
    ("seccomp", "no seccomp (install pyseccomp and libseccomp), so all system calls are open"),
    ("cgroup", "no cgroup, so the memory of a submission's child processes is not capped in total"),
    ("private disk", "no private disk, so only the size of each file a submission writes is capped"),
)


SUBMITTED = (".ipynb", ".zip")  # a notebook, or the zip otter's grader.export() makes


def discover(paths, assignment, digest, limits, log=print):
    """One submission per student, found in one of three layouts:

    - a notebook (or export zip) named on the command line: the student id is its stem;
    - a folder of notebooks: likewise, one per file;
    - a folder of folders, one per student, as nbgrader's ``submitted/<student>/<assignment>/``
      and LMS bulk downloads lay them out: the student id is the folder's name.
    """
    found = {}
    for path in map(Path, paths):
        if path.is_dir():
            entries = sorted(path.iterdir())
            candidates = [(p.stem, p) for p in entries if p.suffix.lower() in SUBMITTED]
            if not candidates:
                candidates = [(p.name, _notebook_in(p, assignment)) for p in entries
                              if p.is_dir() and not p.name.startswith((".", "__"))]
        elif path.exists():
            candidates = [(path.stem, path)]
        else:
            log(f"warning: {path} does not exist; skipped")
            continue
        for name, candidate in candidates:
            student = "".join(c if c.isprintable() else "?" for c in name)
            if student in found:
                log(f"warning: {candidate} has the same student id as {found[student].path}; "
                    "only the first is graded")
                continue
            found[student] = Submission(student, candidate, _key(candidate, digest, limits))
    return sorted(found.values(), key=lambda s: s.student)


def _notebook_in(folder, assignment):
    """The notebook a student's folder holds: the only one, or the one named after the
    assignment. Otherwise the folder itself, which grading reports as not one notebook."""
    found = [p for depth in ("*", "*/*", "*/*/*") for p in sorted(folder.glob(depth))
             if p.suffix.lower() in SUBMITTED and p.is_file()
             and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts)]
    named = [p for p in found if p.stem == assignment]
    if len(named) == 1:
        return named[0]
    return found[0] if len(found) == 1 else folder


def _key(path, digest, limits):
    """What a result depends on: the file's content, the checks, the time limit."""
    content = hashlib.sha256()
    try:
        if not path.is_file():  # a FIFO or device would block a plain read forever
            raise OSError
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                content.update(chunk)
    except OSError:
        return f"unreadable:{digest}:{limits.timeout:g}"
    return f"{content.hexdigest()[:16]}:{digest}:{limits.timeout:g}"


def _run_all(assignment, submissions, jobs, limits):
    """Grade submissions in forked graders, ``jobs`` at a time; yields as each ends."""
    if not submissions:
        return
    queue, running = list(submissions), {}
    cgroup.remove_stale(GROUP_PREFIX)  # left by an earlier run that was killed
    warm_up()
    gc.freeze()  # forked graders need not scan (and so copy) the inherited heap
    hard_limit = limits.budget * 1.5 + 60
    with tempfile.TemporaryDirectory(prefix="torchgrade-") as workdir:
        while queue or running:
            while queue and len(running) < jobs:
                submission = queue.pop(0)
                fd, pid = _fork_grader(assignment, submission, limits, workdir)
                running[fd] = [submission, pid, time.monotonic(), b""]
            ready, _, _ = select.select(list(running), [], [], 1.0)
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                running[fd][3] += chunk
                if not chunk:
                    submission, pid, start, data = running.pop(fd)
                    yield submission, _finish(fd, pid, data, start)
            for fd, (submission, pid, start, data) in list(running.items()):
                if time.monotonic() - start > hard_limit:
                    running.pop(fd)
                    yield submission, _finish(fd, pid, b"", start, timed_out=True)


def _fork_grader(assignment, submission, limits, workdir):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.setpgid(0, 0)
        isolation.die_with_parent()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.stdout = sys.stderr = open(os.devnull, "w")
        torch.set_num_threads(1)  # one thread per submission; --jobs runs them side by side
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the instructor's plugins stay out
        try:
            result = grade_notebook(assignment, submission.path, limits, workdir)
        except BaseException as error:
            result = {"status": "error", "detail": f"internal grader error: {error!r}",
                      "checks": [], "notes": []}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    return read_end, pid


def _finish(fd, pid, data, start, timed_out=False):
    os.close(fd)
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.waitpid(pid, 0)
    result = None
    try:
        result = json.loads(data) if data else None
    except ValueError:
        pass
    if result is None:
        result = {"status": "timeout" if timed_out else "crashed",
                  "detail": "Grading this notebook took far too long and was stopped."
                  if timed_out else "The grader for this notebook ended unexpectedly.",
                  "checks": [], "notes": []}
    result["seconds"] = time.monotonic() - start
    return result


def _record(assignment, submission, result, questions):
    per_question = score(questions, result["checks"], result["detail"])
    return {
        "student": submission.student, "assignment": assignment,
        "path": str(submission.path), "status": result["status"], "detail": result["detail"],
        "score": round(sum(q["score"] for q in per_question.values()), 2),
        "max_score": float(sum(questions.values())),
        "questions": per_question, "notes": result["notes"],
        "seconds": result["seconds"], "isolation": result.get("isolation", []),
    }
