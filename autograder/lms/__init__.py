"""The learning-management systems: their downloads in, their gradebook files out, and
grades published through their APIs. One module per LMS; ``read`` recognises which LMS laid
out a download and hands it to that module's reader."""
from pathlib import Path

from ..discovery import find, printable
from ..reports import atomic_write
from ..reports.feedback import comment
from ..reports.pages import feedback
from . import blackboard, canvas, gradescope, moodle
from .download import UnpackError, names, unpack
from .sheet import SheetError

READERS = {"canvas": canvas, "moodle": moodle, "blackboard": blackboard,
           "gradescope": gradescope}
DEPTH = 3  # a zip inside a zip inside a zip at most


class LayoutError(Exception):
    """What was given is not a class in a layout this reads; the message says what was
    found and what is expected."""


EXPECTED = ("expected an LMS's download (the zip as downloaded, or its folder), a folder of "
            "notebooks (one per student), or a folder per student (nbgrader's "
            "submitted/<student>/)")
NOISE = ("Thumbs.db", "desktop.ini")  # what Windows adds; macOS's start with "." or "__MACOSX"


def read(paths, assignment, workdir, log=print):
    """Submissions (without keys) under ``paths``: LMS bulk downloads (folders, or zips left
    as downloaded, unpacked into ``workdir``; also unpacked into a folder of their own, or
    zipped again on a Mac), nbgrader folders and plain folders. Raises LayoutError when a
    path holds a whole class as one student's folder."""
    found = []
    for path in map(Path, paths):
        if _is_download(path):
            read_here = _unpacked(path, assignment, workdir, log, DEPTH)
        elif path.is_dir() and not path.is_symlink():
            read_here = _folder(path, assignment, workdir, log, DEPTH)
        else:
            read_here = find([path], assignment, log)
        lost = [s for s in read_here if s.path.is_dir() and _notebooks(s.path) > 1]
        if read_here and len(lost) == len(read_here):
            raise LayoutError(f"{printable(str(path))}: the layout is not recognised: found "
                              f"{', '.join(printable(s.path.name) for s in lost[:3])} holding "
                              f"{sum(_notebooks(s.path) for s in lost)} notebooks where one "
                              f"student's folder was expected; {EXPECTED}")
        found += read_here
    return found


def _notebooks(folder):
    return sum(1 for p in folder.rglob("*.ipynb") if "__MACOSX" not in p.parts
               and not p.name.startswith("."))


def _entries(folder):
    """What a folder holds, less what operating systems add (.DS_Store, __MACOSX/, ...)."""
    return [p for p in sorted(folder.iterdir())
            if not p.name.startswith((".", "__MACOSX")) and p.name not in NOISE]


def _holds_class(folder, depth):
    """Whether ``folder`` is a download unpacked into a folder of its own (or nested in
    single folders, ``depth`` deep at most): an LMS's layout, or downloads, inside."""
    if depth == 0 or folder.is_symlink() or not folder.is_dir():
        return False
    entries = _entries(folder)
    return (any(reader.detect(folder) for reader in READERS.values())
            or any(_is_download(p) for p in entries)
            or (len(entries) == 1 and _holds_class(entries[0], depth - 1)))


def lms_of(submissions):
    """The LMS most of these submissions came from, or "none"."""
    kinds = [s.identity.lms for s in submissions if s.identity.lms]
    return max(set(kinds), key=kinds.count) if kinds else "none"


def export(records, assignment, course, max_score, out, folder=None):
    """Write the gradebook files of the course's LMS (else of the LMS the submissions came
    from) into ``out``; returns lines for the summary: files written, roster students with
    no submission, graded students the roster lacks, late marks and files not graded."""
    kind = course.lms if course.lms != "none" else lms_of(records)
    roster = _roster(assignment, course, folder)
    lines, missing, unknown = [], [], []
    try:
        if kind == "canvas":
            text, missing, unknown = canvas.gradebook(records, assignment, course, max_score,
                                                      roster)
            lines.append(f"for canvas: {_write(out / 'canvas-import.csv', text)}")
        elif kind == "blackboard":
            text, missing, unknown = blackboard.upload(records, assignment, course, max_score,
                                                       roster)
            lines.append(f"for blackboard: {_write(out / 'blackboard-upload.csv', text)}")
        elif kind == "moodle":
            atomic_write(out / "moodle-feedback.zip", moodle.feedback_zip(
                records, lambda record: feedback(record, course.language)))
            lines.append(f"for moodle: {out / 'moodle-feedback.zip'}")
            if roster:
                text, encoding, missing, unknown = moodle.worksheet(
                    records, roster, lambda record: comment(record, course.language))
                lines.append(f"for moodle: {_write(out / 'moodle-worksheet.csv', text, encoding)}")
            else:
                lines.append("no Moodle grading worksheet found: download it (Grading action > "
                             f"Download grading worksheet) into {folder or 'submissions/<id>'}")
    except SheetError as error:
        lines.append(f"error: {error}")
    if roster is None and kind in ("canvas", "blackboard"):
        lines.append(f"no {kind} roster (gradebook export) found: only graded students are "
                     "listed, so students who did not submit are not marked")
    if missing:
        verdict = "given 0" if course.missing == "zero" else "left blank"
        lines.append(f"{len(missing)} in the roster with no submission ({verdict}): "
                     + ", ".join(missing))
    if unknown:
        lines.append(f"{len(unknown)} graded but not in the roster (not in the {kind} file): "
                     + ", ".join(unknown))
    late = [r.student for r in records if r.identity.late]
    if late:
        lines.append(f"{len(late)} marked late by {kind} (graded as usual; see grades.csv): "
                     + ", ".join(late))
    several = [r for r in records if r.identity.ignored]
    for record in several[:10]:
        graded = (f"graded {record.identity.attempt}" if record.identity.attempt
                  else "no notebook submitted")
        lines.append(f"{record.student}: {graded}; not graded: "
                     + "; ".join(record.identity.ignored))
    if len(several) > 10:
        lines.append(f"... and {len(several) - 10} more with files not graded (see grades.csv)")
    return [printable(line) for line in lines]


def _roster(assignment, course, folder):
    """The roster file: course.yaml's, else a spreadsheet dropped beside the submissions."""
    for path in (assignment.roster, course.roster):
        if path:
            return Path(path)
    if folder and Path(folder).is_dir():
        sheets = [p for p in sorted(Path(folder).iterdir()) if p.is_file()
                  and p.suffix.lower() in (".csv", ".xls", ".tsv", ".txt")]
        return sheets[0] if sheets else None
    return None


def _write(path, text, encoding="utf-8"):
    atomic_write(path, text, encoding)
    return path


def _folder(folder, assignment, workdir, log, depth):
    for reader in READERS.values():
        if reader.detect(folder):
            return reader.read(folder, assignment, log)
    entries = _entries(folder)
    downloads = [p for p in entries if _is_download(p)]
    wrapped = [p for p in entries if p.is_dir() and _holds_class(p, depth - 1)]
    found = []
    for download in downloads:
        found += _unpacked(download, assignment, workdir, log, depth)
    for inner in wrapped:
        found += _folder(inner, assignment, workdir, log, depth - 1)
    taken = downloads + wrapped
    if not taken or any(p.suffix.lower() in (".ipynb", ".zip") or p.is_dir()
                        for p in entries if p not in taken):
        found += find([folder], assignment, log, skip=taken)
    return found


def _unpacked(download, assignment, workdir, log, depth):
    if depth == 0:
        log(f"warning: {download.name}: zips nested too deep; not unpacked")
        return []
    try:
        folder = unpack(download, workdir, log)
    except UnpackError as error:
        log(f"warning: {download.name}: {error}; nothing in it was graded")
        return []
    inner = _entries(folder)
    if len(inner) == 1 and inner[0].is_dir():  # the download's files sit in one folder
        folder = inner[0]
    return _folder(folder, assignment, workdir, log, depth - 1)


def _is_download(path):
    """A zip that holds a class, not one student's notebook: it is in an LMS's layout, or
    it wraps other zips and no notebook (a download zipped again)."""
    if path.suffix.lower() != ".zip" or path.is_symlink() or not path.is_file():
        return False
    entries = names(path)
    notebooks = [n for n in entries if n.lower().endswith(".ipynb")]
    return bool(entries) and (
        any(_layout(n) for n in entries)
        or (not notebooks and any(n.lower().endswith(".zip") for n in entries)))


def _layout(name):
    """Whether an entry's name (at the top, or up to two folders down: a download unpacked
    into a folder, or that folder in another, and zipped again) is in an LMS's layout."""
    parts = [part for part in name.rstrip("/").split("/") if part != "__MACOSX"]
    return any(canvas.NAME.fullmatch(part) or moodle.NAME.fullmatch(part)
               or blackboard.NAME.fullmatch(part) or part == gradescope.METADATA
               for part in parts[:3])
