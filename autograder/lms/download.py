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

from ..assignments import questions
from ..discovery import SCRIPT, SUBMITTED
from ..notebook.answers import answered

MAX_TOTAL = 4 * 2**30   # bytes unpacked from one download, zips inside it included
MAX_ENTRIES = 50_000    # files unpacked from one download, likewise


class UnpackError(Exception):
    """The download cannot be unpacked; the message says why in one line."""


class Budget:
    """What is left of one download's caps, shared by the zips inside it."""

    def __init__(self):
        self.bytes, self.entries = MAX_TOTAL, MAX_ENTRIES


def names(path):
    """The entry names of a zip (decoded as the LMS wrote them), or [] if it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            return [_name(info, _legacy(infos)) for info in infos]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []


def unpack(path, parent, log=print, budget=None):
    """Unpack the zip at ``path`` into a folder under ``parent`` named after its content
    (so a re-run finds the same files), counting what it writes against ``budget`` (the
    whole download's); returns that folder."""
    budget = budget or Budget()
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
            budget.entries -= len(infos)
            if budget.entries < 0:
                raise UnpackError(f"the download holds more than {MAX_ENTRIES} files")
            legacy = _legacy(infos)
            for info in infos:
                skipped = _extract(archive, info, _name(info, legacy), target, budget)
                if skipped:
                    log(f"warning: {Path(path).name}: {_name(info, legacy)!a} not unpacked: "
                        f"{skipped}")
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise UnpackError(f"not a readable zip ({error})") from None
    except OSError as error:
        raise UnpackError(f"could not unpack ({error.strerror or error})") from None
    (target / ".unpacked").touch()
    return target


def pick(files, assignment, on_disk=None):
    """(the file to grade, [the others], {name: file} of the Python files beside it, which it
    may import) among one student's files (``on_disk`` maps a name to the file that holds
    it; by default each is its own file). The notebook named after
    the assignment (Canvas appends ``-N`` to a re-upload: the highest N wins) when it holds
    answers; else the one answering most of the questions (a draft, a copy of the stub and
    the answers, in any order); else the only notebook or zip, else the first in name
    order; never Jupyter's autosaved copy in .ipynb_checkpoints. With no notebook, a Python
    script (a notebook downloaded as .py) is chosen the same way. None when there is none."""
    def of(kinds):
        return sorted((f for f in files if f.suffix.lower() in kinds
                       and not f.name.startswith(".") and f.parent.name != ".ipynb_checkpoints"),
                      key=lambda f: (f.suffix.lower() != ".ipynb", f.name))
    gradable = of(SUBMITTED) or of((SCRIPT,))
    if len(gradable) < 2:  # nothing to choose: nothing read
        return _beside(gradable[0] if gradable else None, files, on_disk)

    def upload(file):
        match = re.fullmatch(rf"{re.escape(assignment)}(?:-(\d+))?", file.stem)
        return int(match.group(1) or 0) if match else None

    named = sorted((f for f in gradable if upload(f) is not None), key=upload)
    functions = list(questions(assignment))
    answers = {f: answered((on_disk or {}).get(f, f), functions) for f in gradable}
    if any(answers[f] for f in named):
        chosen = max((f for f in named if answers[f]), key=upload)
    elif any(answers.values()):
        chosen = max(gradable, key=answers.get)  # the first of those answering most
    else:
        chosen = named[-1] if named else gradable[0]
    return _beside(chosen, files, on_disk)


def _beside(chosen, files, on_disk):
    """(chosen, the other files, the Python files in its folder): modules it may import, as
    from the notebook's folder in Jupyter, not files left ungraded."""
    modules = {f.name: (on_disk or {}).get(f, f) for f in files if chosen is not None
               and f != chosen and f.parent == chosen.parent and f.suffix == SCRIPT}
    return chosen, sorted(f for f in files if f != chosen and f.name not in modules), modules


# Letters of the course's languages that the DOS code pages put at different bytes
LETTERS = set("áéíóöőúüűąćęłńśźżÁÉÍÓÖŐÚÜŰĄĆĘŁŃŚŹŻ")
LEGACY = ("cp437", "cp852", "cp949")  # zip's default; Central European and Korean Windows


def _legacy(infos):
    """The encoding of the entry names written without the UTF-8 flag: UTF-8 if they all
    are (as LMSs write them), else the DOS code page (Windows' "compressed folder" uses
    the system's) under which they read most as words of the course's languages."""
    raw = b"\n".join(info.filename.encode("cp437") for info in infos
                     if not info.flag_bits & 0x800)
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass

    def score(encoding):
        text = raw.decode(encoding, "replace")
        return (sum(c in LETTERS or "\uac00" <= c <= "\ud7a3" for c in text)
                - sum(not (c.isalnum() or c in " ._-()',&+/\n") for c in text))
    return max(LEGACY, key=score)


def _name(info, legacy):
    """An entry's name: as written with the UTF-8 flag, else in the ``legacy`` encoding."""
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode(legacy, "replace")


def _extract(archive, info, name, target, budget):
    """Write one entry below ``target`` as ``name``; returns why it was skipped, or None."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
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
            budget.bytes -= len(chunk)
            if budget.bytes < 0:
                raise UnpackError(f"the download unpacks to more than {MAX_TOTAL / 2**30:.3g} GiB")
            out.write(chunk)
    return None
