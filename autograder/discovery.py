"""Find the submissions under the paths an instructor names: one per student.

Plain layouts are read here (the LMSs' downloads in lms/):

- a notebook (or otter export zip) named on the command line: the student id is its stem;
- a folder of notebooks: likewise, one per file (a notebook downloaded as Python, ``.py``,
  too, and a PDF, HTML or Word file handed in in its place, unless a notebook has its name;
  a student's folder beside them, an upload unzipped, is that student's);
- a folder of folders, one per student, as nbgrader's ``submitted/<student>/<assignment>/``
  and LMS bulk downloads lay them out: the student id is the folder's name.
"""
import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path

from .records import Submission

SUBMITTED = (".ipynb", ".zip")  # a notebook, or the zip otter's grader.export() makes
SCRIPT = ".py"  # a notebook downloaded as Python: graded where a student sent no notebook
INSTEAD = (".pdf", ".html", ".htm", ".docx")  # a notebook exported, in its place


def find(paths, log=print, skip=()):
    """Submissions (without keys) in the plain layouts; ``skip`` lists paths to leave out."""
    found, skip = [], {Path(p).resolve() for p in skip}
    for path in map(Path, paths):
        if path.is_dir():
            entries = [p for p in sorted(path.iterdir()) if p.resolve() not in skip]
            candidates = [(p.stem, p) for p in entries if p.suffix.lower() in SUBMITTED]
            loose = bool(candidates)
            # a notebook downloaded as Python from a student with no notebook here, then what
            # is handed in in a notebook's place: a row that says what it is, never silence
            for kinds in ((SCRIPT,), INSTEAD):
                candidates += [(p.stem, p) for p in entries if p.suffix.lower() in kinds
                               and p.stem not in {stem for stem, _ in candidates}]
            for folder in (p for p in entries
                           if p.is_dir() and not p.name.startswith((".", "__"))):
                # beside the others' notebooks, a folder with one in it is a student's upload
                # unzipped; one with none is named, not graded
                if loose and not any(any(folder.glob(depth)) for depth in (
                        "*.ipynb", "*/*.ipynb", "*/*/*.ipynb")):
                    log(f"warning: {printable(str(folder))} holds no notebook; not graded")
                    continue
                candidates.append((folder.name, notebook_in(folder)))
        else:  # a file, a link or something else: read_cells says what it is
            candidates = [(path.stem, path)]
        # only in a student's own folder are the Python files beside a notebook its modules
        found += [Submission(name, candidate, beside=modules_beside(candidate)
                             if path not in (candidate, candidate.parent) else {})
                  for name, candidate in candidates]
    return found


def modules_beside(notebook):
    """{file name: path} of the Python files beside ``notebook`` in a student's own folder:
    the modules it may import."""
    folder = notebook.parent
    if notebook.is_dir() or not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.suffix == SCRIPT and p != notebook
            and p.is_file() and not p.is_symlink() and not p.name.startswith(".")}


def discover(found, assignment, grading_key, log=print):
    """The submissions to grade, one per student in student order, each with its regrade
    key and seed. A second submission with the same student id is not graded: the first's
    row lists it among what was not graded, and the log says so."""
    chosen = {}
    for submission in found:
        student = printable(submission.student)
        if student in chosen:
            first = chosen[student]
            log(f"warning: {printable(str(submission.path))} has the same student id as "
                f"{printable(str(first.path))}; only the first is graded")
            other = printable(submission.identity.attempt or submission.path.name)
            first.identity = replace(first.identity, ignored=[
                *first.identity.ignored, f"another submission for the same id: {other}"])
            continue
        chosen[student] = replace(submission, student=student,
                                  key=f"{files_digest(submission)}:{grading_key}",
                                  seed=seed_for(assignment, student))
    return sorted(chosen.values(), key=lambda s: s.student)


def printable(text):
    """``text`` with control characters (which could drive a terminal) shown as "?"."""
    return "".join(c if c.isprintable() else "?" for c in text)


def seed_for(assignment, student):
    """The seed of a student's check inputs: fixed per assignment and student."""
    digest = hashlib.sha256(f"{assignment}\0{student}".encode("utf-8", "replace")).digest()
    return int.from_bytes(digest[:4], "big")


def notebook_in(folder):
    """The notebook a student's folder holds, if it holds only one; otherwise the folder
    itself (lms.read picks among several; grading reports a folder with none)."""
    found = notebooks_in(folder)
    return found[0] if len(found) == 1 else folder


def notebooks_in(folder):
    """The notebooks and otter zips in a student's folder (with none, its Python scripts),
    three levels deep at most, less what is hidden (.ipynb_checkpoints, __MACOSX)."""
    files = [p for depth in ("*", "*/*", "*/*/*") for p in sorted(folder.glob(depth))
             if p.is_file() and not any(part.startswith((".", "__"))
                                        for part in p.relative_to(folder).parts)]
    return ([p for p in files if p.suffix.lower() in SUBMITTED]
            or [p for p in files if p.suffix.lower() == SCRIPT])


def files_digest(submission):
    """A digest of what a submission's grade depends on: its file, and the Python files
    handed in beside it."""
    digest = content_digest(submission.path)
    if not submission.beside:
        return digest
    parts = "".join(f"{name}\0{content_digest(path)}\0"
                    for name, path in sorted(submission.beside.items()))
    return f"{digest}+{hashlib.sha256(parts.encode('utf-8', 'replace')).hexdigest()[:16]}"


def content_digest(path):
    """A digest of a regular file's bytes; "unreadable" for links, folders and special
    files, which are never opened (a FIFO or /proc file would block or never end)."""
    content = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "unreadable"
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                content.update(chunk)
    except OSError:
        return "unreadable"
    return content.hexdigest()[:16]
