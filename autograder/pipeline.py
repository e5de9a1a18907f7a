"""The grading pipeline, top to bottom:

0. limits    -- unless given: the time limit per cell and call, from the reference
                solution's slowest one (measured once per version of the checks)
1. discover  -- read the LMS download or folder; one submission per student, with its key
2. skip      -- leave out those graded before with the same key
3. execute and check -- each in its own grader process, on an execution backend
4. score     -- points per question
5. record    -- commit each result to SQLite as soon as it is known
6. report    -- grades.csv, report.html, results/*.json, feedback/*.md and *.html,
                rendered from the store; pairs of students whose code is alike, on the
                report only
7. export    -- the LMS's gradebook files, checked against its roster

``grade_course`` runs these for every assignment with submissions in the course folder.
"""
import difflib
import json
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from . import assignments, lms
from .backends.cluster import ClusterBackend
from .backends.local import LocalBackend
from .config import DERIVED_FACTOR, DERIVED_FLOOR, ROOT, Limits
from .discovery import discover
from .reports import atomic_write, write_reports
from .reports.pages import similarity_page
from .reports.similarity import THRESHOLD, compare
from .reports.terminal import Progress, class_summary, isolation_summary, student_table
from .records import Status, Submission
from .sandbox.inside.confine import missing
from .scoring import record
from .store import Store


def grade(assignment, paths, out, jobs=None, limits=None, log=print, live=False, backend=None,
          found=None, lang="en", scheduler=None, roster=None, title=None, strict=False,
          similar=(THRESHOLD, ())):
    """Grade every submission under ``paths`` (or the Submissions ``found`` by an
    integration); returns the Records in student order, named as the LMS's ``roster``
    file names them. Feedback is written in ``lang``; the report is headed with ``title``
    and lists the roster's students with no submission, and pairs of students whose code
    is alike (``similar``: the threshold and base code files, or None). With ``strict``,
    nothing is graded where a layer of the sandbox cannot be set up (IsolationError names
    them).

    ``live`` shows a progress bar when writing to a terminal. The graders run on this
    machine, or on the Dask cluster whose scheduler is at ``scheduler``.
    """
    backend = backend or make_backend(jobs, scheduler)
    with backend:
        questions = assignments.questions(assignment)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        if found is None:  # first: a download that cannot be read stops before any work
            found = lms.read(paths, assignment, out / "downloads", log, roster)
        if limits is None:
            limits = derive_limits(backend, assignment, out, log)
        store = Store(out / "grades.sqlite")
        submissions = discover(found, assignment, assignments.grading_key(assignment, limits),
                               log)
        layers = backend.isolation(limits)
        if strict and missing(layers):
            raise IsolationError("isolation: strict, and a sandbox on this machine would have "
                                 f"{'; '.join(missing(layers))}: nothing was graded (run as "
                                 "root on Linux, or drop isolation: strict)")
        log(isolation_summary(layers))
        todo = [s for s in submissions if store.get(assignment, s.student, s.key) is None]
        if len(todo) < len(submissions):
            log(f"{len(submissions) - len(todo)} submission(s) already graded; skipping them.")
        started = time.monotonic()
        progress = Progress(len(todo), log, live=None if live else False)
        try:
            for submission, outcome in backend.run(assignment, todo, limits):
                graded = record(assignment, submission, outcome, questions)
                store.put(graded, submission.key)
                progress.update(graded)
        finally:
            progress.close()
        records = [replace(store.get(assignment, s.student, s.key), identity=s.identity)
                   for s in submissions]
        store.close()
    pairs = compare(records, assignment, similar[1], similar[0]) if similar else []
    write_reports(out, records, questions, {
        "similar": pairs, "threshold": similar[0] if similar else 0.0,
        "assignment": assignment, "title": title or assignment, "graded": len(todo),
        "absent": lms.absent(records, roster),
        "seconds": time.monotonic() - started, "jobs": backend.jobs, "timeout": limits.timeout,
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "isolation": list(dict.fromkeys(layer["key"] for layer in layers))}, log, lang)
    log(class_summary(records, questions, len(todo), time.monotonic() - started, backend.jobs))
    return records


def compare_graded(assignment, results, course, threshold):
    """The pairs of students graded into ``results`` whose code is alike from ``threshold``,
    and similarity.html written there; returns (pairs, the page's path)."""
    store = Store(results / "grades.sqlite")
    records = store.records(assignment)
    store.close()
    pairs = compare(records, assignment, course.base_code, threshold)
    atomic_write(results / "similarity.html",
                 similarity_page(records, pairs, threshold, course.language))
    return pairs, results / "similarity.html"


class IsolationError(RuntimeError):
    """Strict isolation was asked for and a sandbox layer cannot be set up here."""


def make_backend(jobs=None, scheduler=None):
    """Where graders run: this machine's ``jobs`` cores, or the Dask cluster whose scheduler
    is at ``scheduler``. Enter it around several ``grade`` calls to share its start-up."""
    return ClusterBackend(scheduler) if scheduler else LocalBackend(jobs)


def derive_limits(backend, assignment, out, log=print):
    """Limits whose per-call time limit comes from the reference solution's slowest cell or
    call (Limits.derived), measured by grading it once and remembered in ``out`` for as long
    as the checks and the engine are the same."""
    version = assignments.grading_key(assignment, Limits())
    memory = out / "reference-timing.json"
    try:
        slowest = json.loads(memory.read_text())[version]
    except (OSError, ValueError, KeyError, TypeError):
        reference = Submission("reference", ROOT / "solutions" / f"{assignment}.ipynb")
        outcome = [o for _, o in backend.run(assignment, [reference], Limits())][0]
        if outcome.status != Status.GRADED:
            log(f"the reference solution could not be timed ({outcome.status}): using the "
                f"default time limit, {Limits.timeout:g} s")
            return Limits()
        slowest = outcome.slowest
        memory.write_text(json.dumps({version: slowest}))
    limits = Limits.derived(slowest)
    log(f"time limit per cell and call: {limits.timeout:g} s (the reference solution's "
        f"slowest took {slowest:.2f} s; {DERIVED_FACTOR}x that, at least {DERIVED_FLOOR:g} s; "
        "--timeout sets it)")
    return limits


def strays(course):
    """A line for each folder in the course's submissions/ that is not one of its
    assignments (a misspelt name is never skipped in silence), with the name meant."""
    folder = Path(course.submissions)
    if not folder.is_dir():
        return []
    lines = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.name.startswith(".") and \
                entry.name not in course.assignments:
            close = difflib.get_close_matches(entry.name, list(course.assignments), 1, 0.6)
            lines.append(f"{entry} is not an assignment of this course, so nothing in it is "
                         "graded: " + (f"did you mean {close[0]}?" if close else
                                       f"its assignments are {', '.join(course.assignments)}"))
    return lines


def grade_course(course, names, out, jobs=None, limits=None, log=print, live=False,
                 scheduler=None):
    """Grade ``submissions/<assignment>/`` for each of ``names`` that has anything in it,
    into ``out/<assignment>/`` in the course's language, and write the LMS's files;
    returns {assignment: Records}."""
    for line in strays(course):
        log(f"warning: {line}")
    graded = {}
    with make_backend(jobs, scheduler) as backend:  # one for every assignment
        for name in names:
            folder = Path(course.submissions) / name
            if not folder.is_dir() or not any(p for p in folder.iterdir()
                                              if not p.name.startswith(".")):
                continue
            log(f"== {name}: {folder}")
            roster = lms.roster(course.assignments[name], course, folder, log)
            graded[name] = grade(name, [folder], Path(out) / name, jobs, limits, log, live,
                                 backend, lang=course.language, roster=roster,
                                 title=course.assignments[name].title,
                                 strict=course.isolation == "strict", similar=course.similar)
            if graded[name]:
                log(student_table(graded[name]) if len(graded[name]) <= 30 else
                    f"every student's score: {Path(out) / name / 'grades.csv'}")
            questions = assignments.questions(name)
            for line in lms.export(graded[name], course.assignments[name], course,
                                   float(sum(questions.values())), Path(out) / name, roster):
                log(line)
    return graded
