"""The learning-management systems: their downloads in, their gradebook files out
(export.py), and grades published through their APIs (send.py, publish.py). One module per
LMS for its files and one for its API (``<lms>_api.py``); ``read`` recognises which LMS laid
out a download and hands it to that module's reader, and ``roster`` finds its gradebook
file beside the download by content."""
from dataclasses import dataclass, replace
from pathlib import Path
from zipfile import is_zipfile

from ..discovery import find, modules_beside, notebooks_in, printable
from . import blackboard, brightspace, canvas, gradescope, moodle
from .download import Budget, UnpackError, names, pick, unpack
from .export import absent, export, lms_of  # noqa: F401  (the pipeline's way out)
from .sheet import Sheet, SheetError

READERS = {"canvas": canvas, "moodle": moodle, "blackboard": blackboard,
           "brightspace": brightspace, "gradescope": gradescope}
ROSTERS = ("canvas", "blackboard", "moodle", "brightspace")  # those with a gradebook file
DEPTH = 3  # a zip inside a zip inside a zip at most
MAX_SHEET = 50 * 2**20  # bytes: a larger file beside the download is not a roster
WORKBOOKS = (".xlsx", ".xlsm", ".ods", ".numbers")  # saved by a spreadsheet program, not the LMS


class LayoutError(Exception):
    """What was given is not a class in a layout this reads; the message says what was
    found and what is expected."""


EXPECTED = ("expected an LMS's download (the zip as downloaded, or its folder), a folder of "
            "notebooks (one per student), or a folder per student (nbgrader's "
            "submitted/<student>/)")
NOISE = ("Thumbs.db", "desktop.ini")  # what Windows adds; macOS's start with "." or "__MACOSX"


def read(paths, assignment, workdir, log=print, roster=None):
    """Submissions (without keys) under ``paths``: LMS bulk downloads (folders, or zips left
    as downloaded, unpacked into ``workdir``; also unpacked into a folder of their own, or
    zipped again on a Mac), nbgrader folders and plain folders; named as the ``roster``
    (the LMS's gradebook file) names them. The output folder (``workdir``'s parent) is
    never read as a submission. Raises LayoutError when a path does not exist, holds a
    whole class as one student's folder, or is (or holds) a download that cannot be
    unpacked."""
    found, readable = [], roster if _sheet(roster) else None
    for path in map(Path, paths):
        if not (path.exists() or path.is_symlink()):
            raise LayoutError(f"{printable(str(path))} does not exist; nothing was graded")
        where = _Where(workdir, log, Budget(), readable)
        if _is_download(path):
            read_here = _unpacked(path, assignment, where, DEPTH)
        elif path.is_dir() and not path.is_symlink():
            read_here = _folder(path, assignment, where, DEPTH)
        else:
            read_here = find([path], log)
        lost = [s for s in read_here if s.path.is_dir() and _notebooks(s.path) > 1]
        if read_here and len(lost) == len(read_here):
            raise LayoutError(f"{printable(str(path))}: the layout is not recognised: found "
                              f"{', '.join(printable(s.path.name) for s in lost[:3])} holding "
                              f"{sum(_notebooks(s.path) for s in lost)} notebooks where one "
                              f"student's folder was expected; {EXPECTED}")
        read_here = [_one_notebook(s, assignment) for s in read_here]
        broken = [s.path for s in read_here if s.path.suffix.lower() == ".zip"
                  and s.path.is_file() and not names(s.path)]
        if broken and len(read_here) == 1:
            raise LayoutError(f"{printable(str(broken[0]))} " + (
                "is an empty zip: the download held no submissions" if is_zipfile(broken[0])
                else "is not a readable zip (a download cut short?): download it again")
                + "; nothing was graded")
        found += read_here
    return _named(found, roster)


@dataclass
class _Where:
    """What reading one path shares: where zips unpack, the log, the download's caps and
    the roster sheet (or None)."""
    workdir: Path
    log: object
    budget: Budget
    roster: object


def roster(assignment, course, download=None, log=print):
    """The LMS's gradebook file for ``assignment``: course.yaml's, else the spreadsheet
    beside the submissions that reads as one (a Canvas export, a Blackboard Grade Centre
    download, a Moodle grading worksheet or a Brightspace grades export): in the
    ``download`` folder, or in the folder of the download zip; else None, with a warning
    for a workbook there (saved from Excel: not the LMS's text file). Several there:
    LayoutError (which one is never guessed)."""
    for path in (assignment.roster, course.roster):
        if path:
            return Path(path)
    folder = Path(download) if download else None
    if folder and not folder.is_dir():
        folder = folder.parent  # the download zip's folder
    if not (folder and folder.is_dir()):
        return None
    found = [path for path in sorted(folder.iterdir())
             if path.suffix.lower() in (".csv", ".xls", ".tsv", ".txt") and path.is_file()
             and not path.is_symlink() and path.stat().st_size < MAX_SHEET
             and (sheet := _sheet(path))
             and any(READERS[kind].is_roster(sheet) for kind in ROSTERS)]
    if len(found) > 1:
        raise LayoutError(f"{len(found)} gradebook files beside the download in {folder.resolve()} "
                          f"({', '.join(p.name for p in found[:5])}): keep the one for "
                          f"{assignment.name} there, or name it in course.yaml (roster:)")
    books = [] if found else [path.name for path in sorted(folder.iterdir()) if _workbook(path)]
    if books:
        log(f"warning: {printable(', '.join(books))} beside the download: a workbook (Excel, "
            "LibreOffice) is not read. Download the gradebook from the LMS again as CSV (or "
            "save it as CSV UTF-8) to get its import file")
    return found[0] if found else None


def _workbook(path):
    """Whether ``path`` is a spreadsheet program's own file (Blackboard's .xls is text)."""
    suffix = path.suffix.lower()
    if suffix not in (*WORKBOOKS, ".xls") or not path.is_file() or path.is_symlink():
        return False
    with open(path, "rb") as handle:  # Excel 97's own .xls starts with the OLE2 signature
        return suffix in WORKBOOKS or handle.read(4) == b"\xd0\xcf\x11\xe0"


def _sheet(path):
    try:
        return Sheet(path) if path else None
    except SheetError:
        return None


def _named(found, path):
    """``found`` with each student's name as the roster at ``path`` shows it."""
    kind = lms_of(found)
    if not path or kind not in ROSTERS:
        return found
    try:
        shown = READERS[kind].names(path)
    except SheetError:
        return found
    return [replace(s, identity=replace(s.identity, name=shown[s.identity.user_id]))
            if s.identity.lms == kind and shown.get(s.identity.user_id) else s for s in found]


def _one_notebook(submission, assignment):
    """A student's folder holding several notebooks (a draft, the stub, the answers): the
    one ``pick`` chooses, the others named as not graded."""
    folder = submission.path
    if not folder.is_dir() or folder.is_symlink():
        return submission
    chosen, others, _ = pick(notebooks_in(folder), assignment)
    if chosen is None:
        return submission
    return replace(submission, path=chosen, beside=modules_beside(chosen),
                   identity=replace(submission.identity, ignored=[
                       *submission.identity.ignored,
                       *(str(p.relative_to(folder)) for p in others)]))


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


def _folder(folder, assignment, where, depth):
    for reader in READERS.values():
        if reader.detect(folder):
            return reader.read(folder, assignment, where.log, where.roster)
    output = where.workdir.parent.resolve()  # a run's own output (--out inside what it reads)
    entries = [p for p in _entries(folder) if p.resolve() != output]
    downloads = [p for p in entries if _is_download(p)]
    wrapped = [p for p in entries if p.is_dir() and _holds_class(p, depth - 1)]
    found = []
    for download in downloads:
        found += _unpacked(download, assignment, where, depth)
    for inner in wrapped:
        found += _folder(inner, assignment, where, depth - 1)
    taken = downloads + wrapped
    if not taken or any(p.suffix.lower() in (".ipynb", ".zip") or p.is_dir()
                        for p in entries if p not in taken):
        found += find([folder], where.log, skip=[*taken, output])
    return found


def _unpacked(download, assignment, where, depth):
    if depth == 0:
        where.log(f"warning: {download.name}: zips nested too deep; not unpacked")
        return []
    try:
        folder = unpack(download, where.workdir, where.log, where.budget)
    except UnpackError as error:
        if depth == DEPTH:  # the download itself: the class would be lost
            raise LayoutError(f"{printable(str(download))}: {error}; nothing was graded")
        where.log(f"warning: {download.name}: {error}; nothing in it was graded")
        return []
    inner = _entries(folder)
    if len(inner) == 1 and inner[0].is_dir():  # the download's files sit in one folder
        folder = inner[0]
    return _folder(folder, assignment, where, depth - 1)


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
    return any(canvas.ANONYMOUS.fullmatch(part) or canvas.NAME.fullmatch(part)
               or moodle.NAME.fullmatch(part)
               or blackboard.NAME.fullmatch(part) or brightspace.NAME.fullmatch(part)
               or part == gradescope.METADATA
               for part in parts[:3])
