"""What every LMS reader shares: unpacking a bulk download safely (nothing is written
outside the target folder, no links are made, a zip bomb stops at a byte budget), and
choosing the one file to grade among a student's files."""
import hashlib
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_TOTAL = 4 * 2**30   # bytes unpacked from one download
MAX_ENTRIES = 50_000


class UnpackError(Exception):
    """The download cannot be unpacked; the message says why in one line."""


def names(path):
    """The entry names of a zip (decoded as the LMS wrote them), or [] if it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [_name(info) for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []


def unpack(path, parent, log=print):
    """Unpack the zip at ``path`` into a folder under ``parent`` named after its content
    (so a re-run finds the same files); returns that folder."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    target = Path(parent) / f"{Path(path).stem[:80]}-{digest.hexdigest()[:10]}"
    if (target / ".unpacked").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)  # a run stopped while unpacking
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise UnpackError(f"it holds {len(infos)} files, more than {MAX_ENTRIES}")
            budget = [MAX_TOTAL]
            for info in infos:
                skipped = _extract(archive, info, target, budget)
                if skipped:
                    log(f"warning: {Path(path).name}: {_name(info)!a} not unpacked: {skipped}")
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise UnpackError(f"not a readable zip ({error})") from None
    except OSError as error:
        raise UnpackError(f"could not unpack ({error.strerror or error})") from None
    (target / ".unpacked").touch()
    return target


GRADABLE = (".ipynb", ".zip")


def pick(files, assignment):
    """(the file to grade, [the others]) among one student's files: the notebook named after
    the assignment (Canvas appends ``-N`` to a re-upload: the highest N wins), else the only
    notebook or zip, else the first in name order. None when there is none."""
    gradable = sorted((f for f in files if f.suffix.lower() in GRADABLE),
                      key=lambda f: (f.suffix.lower() != ".ipynb", f.name))
    if not gradable:
        return None, sorted(files)

    def upload(file):
        match = re.fullmatch(rf"{re.escape(assignment)}(?:-(\d+))?", file.stem)
        return int(match.group(1) or 0) if match else None

    named = sorted((f for f in gradable if upload(f) is not None), key=upload)
    chosen = named[-1] if named else gradable[0]
    return chosen, sorted(f for f in files if f != chosen)


def _name(info):
    """Entry name: zips without the UTF-8 flag are read as cp437, but LMSs write UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _extract(archive, info, target, budget):
    """Write one entry below ``target``; returns why it was skipped, or None."""
    parts = PurePosixPath(_name(info).replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or any("\0" in p for p in parts):
        return "its path leads outside the download"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "it is a symbolic link"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    destination = target.joinpath(*parts)
    if info.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return None
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return "another entry has the same name"
    except OSError as error:
        return f"the name cannot be used here ({error.strerror})"
    with os.fdopen(fd, "wb") as out, archive.open(info) as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UnpackError(f"it unpacks to more than {MAX_TOTAL >> 30} GiB")
            out.write(chunk)
    return None
