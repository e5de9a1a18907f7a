"""The learning-management systems: their downloads in, their gradebook files out, and
grades published through their APIs. One module per LMS; ``read`` recognises which LMS laid
out a download and hands it to that module's reader."""
from pathlib import Path

from ..discovery import find
from . import blackboard, canvas, gradescope, moodle
from .download import UnpackError, names, unpack

READERS = {"canvas": canvas, "moodle": moodle, "blackboard": blackboard,
           "gradescope": gradescope}
DEPTH = 3  # a zip inside a zip inside a zip at most


def read(paths, assignment, workdir, log=print):
    """Submissions (without keys) under ``paths``: LMS bulk downloads (folders, or zips left
    as downloaded, unpacked into ``workdir``), nbgrader folders and plain folders."""
    found = []
    for path in map(Path, paths):
        if _is_download(path):
            found += _unpacked(path, assignment, workdir, log, DEPTH)
        elif path.is_dir() and not path.is_symlink():
            found += _folder(path, assignment, workdir, log, DEPTH)
        else:
            found += find([path], assignment, log)
    return found


def lms_of(submissions):
    """The LMS most of these submissions came from, or "none"."""
    kinds = [s.identity.lms for s in submissions if s.identity.lms]
    return max(set(kinds), key=kinds.count) if kinds else "none"


def _folder(folder, assignment, workdir, log, depth):
    for reader in READERS.values():
        if reader.detect(folder):
            return reader.read(folder, assignment, log)
    downloads = [p for p in sorted(folder.iterdir()) if _is_download(p)]
    found = []
    for download in downloads:
        found += _unpacked(download, assignment, workdir, log, depth)
    if not downloads or any(p.suffix.lower() in (".ipynb", ".zip") or p.is_dir()
                            for p in folder.iterdir() if p not in downloads):
        found += find([folder], assignment, log, skip=downloads)
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
    inner = [p for p in folder.iterdir() if not p.name.startswith(".")]
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
    """Whether an entry's name (at the top, or one folder down) is in an LMS's layout."""
    parts = name.rstrip("/").split("/")
    return any(canvas.NAME.fullmatch(part) or moodle.NAME.fullmatch(part)
               or blackboard.NAME.fullmatch(part) or part == gradescope.METADATA
               for part in parts[:2])
