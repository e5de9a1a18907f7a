"""Canvas: the "Download Submissions" zip in; the gradebook import CSV out; grades and
comments published through Canvas's REST API with canvasapi."""
import re

from ..records import Identity, Submission
from .download import pick
from .sheet import clean, read_table, write_csv

# <sortable name>[_LATE]_<user id>_<submission id>_<original name>
NAME = re.compile(r"(?P<name>.+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)",
                  re.IGNORECASE)
IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
POINTS = "    Points Possible"


def detect(folder):
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return bool(files) and sum(bool(NAME.fullmatch(p.name)) for p in files) * 2 > len(files)


def read(folder, assignment, log=print):
    """One Submission per Canvas user id, its display name the sortable name."""
    students = {}
    for path in sorted(folder.iterdir()):
        match = NAME.fullmatch(path.name)
        if match and path.is_file():
            entry = students.setdefault(match["user"], {"files": {}, "late": False,
                                                       "name": match["name"]})
            entry["files"][path.parent / match["file"]] = path
            entry["late"] |= bool(match["late"])
    found = []
    for user, entry in students.items():
        chosen, others = pick(list(entry["files"]), assignment)
        path = entry["files"][chosen] if chosen else folder / f"{user}-no-notebook"
        found.append(Submission(user, path, identity=Identity(
            entry["name"], "canvas", user, entry["late"], chosen.name if chosen else "",
            [f.name for f in others])))
    return found


def gradebook(records, assignment, course, max_score, roster=None):
    """The Canvas gradebook import CSV: the roster's identity columns, then one column
    ``<Title> (<assignment id>)`` after a ``Points Possible`` row. With a roster (the
    gradebook export) every student in it gets a row; else every graded student.
    Returns (csv text, [roster ids with no submission], [graded ids not in the roster])."""
    graded = {r.identity.user_id or r.student: r for r in records}
    header, rows, _ = read_table(roster) if roster else (list(IDENTITY[:2]), [], None)
    ids = [h for h in header if h in IDENTITY] or ["Student", "ID"]
    title = _column(header, assignment)
    table = [ids + [title], [POINTS] + [""] * (len(ids) - 1) + [_points(max_score)]]
    seen, missing = set(), []
    for row in rows:
        values = dict(zip(header, row))
        user = values.get("ID", "").strip()
        if not user or values.get("Student", "").strip() == "Points Possible":
            continue
        seen.add(user)
        if user not in graded:
            missing.append(user)
        table.append([clean(values.get(h, "")) for h in ids] + [_grade(graded.get(user), course)])
    if not roster:
        for user, record in sorted(graded.items()):
            seen.add(user)
            table.append([clean(record.identity.name or record.student), clean(user)]
                         + [_grade(record, course)])
    return write_csv(table), missing, sorted(set(graded) - seen)


def _column(header, assignment):
    """The roster's column for this assignment (matched by its Canvas id), else a new one."""
    if assignment.lms_id:
        for name in header:
            if name.strip().endswith(f"({assignment.lms_id})"):
                return name
        return f"{assignment.title} ({assignment.lms_id})"
    return assignment.title


def _grade(record, course):
    if record is None:
        return "0" if course.missing == "zero" else ""
    return _points(record.score)


def _points(value):
    return f"{round(value, 2):g}"
