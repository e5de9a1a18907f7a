"""Everything written for people: the gradebook, the class report, per-student results
and feedback pages (rendered from the store at report time), and what the terminal shows.

Writing one student's files never stops another's: a failure is reported and the rest
are still written; every file is replaced atomically.
"""
import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import pages
from .feedback import feedback, gradescope_results
from .gradebook import gradebook


def write_reports(out, records, questions, run=None, log=print, lang="en"):
    """grades.csv and report.html; results/<student>.json, feedback/<student>.md and
    feedback/<student>.html for every record, in ``lang``. ``run`` describes the grading
    run for the report: assignment, when, seconds, jobs, isolation."""
    out = Path(out)
    for record in records:
        stem = file_stem(record.student)
        for path, text in ((out / "results" / f"{stem}.json",
                            lambda: json.dumps(gradescope_results(record, lang), indent=2,
                                               ensure_ascii=False)),
                           (out / "feedback" / f"{stem}.md", lambda: feedback(record, lang)),
                           (out / "feedback" / f"{stem}.html",
                            lambda: pages.feedback(record, lang))):
            try:
                atomic_write(path, text())
            except (OSError, ValueError, UnicodeError) as error:
                log(f"warning: could not write {path.name!a}: {error}")
    atomic_write(out / "grades.csv", gradebook(records, questions))
    atomic_write(out / "report.html", pages.report(records, questions, run or {}, file_stem,
                                                     lang))


def file_stem(student):
    """The student id as a file name: as it is, unless it is too long for a file system or
    holds a path separator; then shortened and made unique with a digest."""
    if len(os.fsencode(student)) <= 200 and "/" not in student and "\0" not in student:
        return student
    digest = hashlib.sha256(os.fsencode(student)).hexdigest()[:12]
    return student.replace("/", "_").replace("\0", "_")[:100] + "-" + digest


def atomic_write(path, content, encoding="utf-8"):
    """Write ``content`` (text, or bytes) to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        binary = isinstance(content, bytes)
        with (os.fdopen(handle, "wb") if binary else
              os.fdopen(handle, "w", encoding=encoding, errors="replace", newline="")) as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
