"""Canvas's files: the "Download Submissions" zip in, the gradebook import CSV out
(its REST API: canvas_api.py)."""
import re

from ..records import Identity, Submission
from .download import pick
from .sheet import Sheet, SheetError, clean, scale, table

# <sortable name>[_LATE]_<user id>_<attachment id>_<original name>; with anonymous grading,
# [LATE_]anon_<anonymous id>_<attachment id>_<original name> (lib/content_zipper.rb)
NAME = re.compile(r"(?P<name>.+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)",
                  re.IGNORECASE)
ANONYMOUS = re.compile(r"(?P<late>LATE_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<sub>\d+)_(?P<file>.+)")
# A text entry or a website URL submitted instead of a file: <prefix>_text.html, _link.html
ONLINE = re.compile(r"(?:(?P<name>.+?)(?P<late>_LATE)?_(?P<user>\d+)|(?P<anon>LATE_)?"
                    r"(?P<anon_user>anon_[A-Za-z0-9]+))_(?:text|link)\.html", re.IGNORECASE)
# The exporter's columns before the assignments' (a name, or LastName and FirstName when the
# gradebook splits names), in its order; the importer needs them through Section.
IDENTITY = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID",
            "Integration ID", "Root Account", "Section")
HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS = "    Points Possible"
ASSIGNMENT = re.compile(r"(.+) \((\d+)\)")  # an assignment's column: "<title> (<id>)"
UNGRADED = ("EX", "N/A")  # excused, not assigned: the teacher's decision, kept
NUMBER = re.compile(r"-|-?\d+(?:[.,]\d+)?")  # a grade kept as it is ("-": none): no formula


def detect(folder):
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return bool(files) and sum(bool(_match(p.name)) for p in files) * 2 > len(files)


def _match(name):
    return ANONYMOUS.fullmatch(name) or NAME.fullmatch(name) or ONLINE.fullmatch(name)


def anonymous(user):
    """Whether a Canvas id is an anonymous grading id (the download names no user)."""
    return (user or "").startswith("anon_")


def is_roster(sheet):
    columns = set(sheet.header)
    return "ID" in columns and ("Student" in columns or {"LastName", "FirstName"} <= columns)


def read(folder, assignment, log=print, roster=None):
    """One Submission per Canvas user id (or anonymous id), its display name the sortable
    name (none when anonymous); a text entry or a link is a row with no notebook."""
    students = {}
    for path in sorted(folder.iterdir()):
        match = _match(path.name)
        if match and path.is_file():
            found = match.groupdict()
            user = found.get("anon_user") or match["user"]
            entry = students.setdefault(user, {"files": {}, "late": False,
                                               "name": found.get("name") or ""})
            entry["files"][path.parent / (found.get("file") or path.name)] = path
            entry["late"] |= bool(match["late"] or found.get("anon"))
    found = []
    for user, entry in students.items():
        chosen, others, modules = pick(list(entry["files"]), assignment, entry["files"])
        path = entry["files"][chosen] if chosen else folder / f"{user}-no-notebook"
        found.append(Submission(user, path, identity=Identity(
            entry["name"], "canvas", user, entry["late"], chosen.name if chosen else "",
            [f.name for f in others]), beside=modules))
    return found


def gradebook(records, assignment, course, max_score, roster=None):
    """The Canvas gradebook import CSV: the identity columns through ``Section`` (the
    roster's, else blank but for Student and ID), then the assignment's column after a
    ``Points Possible`` row. With a roster (the gradebook export) every student in it gets
    a row, in the export's own column for the assignment and on its points possible (a
    full score is worth all of them), and one not graded here keeps the value the export
    shows (Canvas's importer would delete a grade for a blank; with ``missing: zero``, an
    empty one becomes 0); else every graded student. One the export shows excused (EX) or
    not assigned (N/A) keeps that, graded or not: a score would undo it. Returns (csv
    text, [roster ids with no submission], [graded ids not in the roster], [graded ids
    kept EX or N/A]). Anonymous submissions are left out (Canvas imports no grade for
    them), and beside them no one is known to have no submission: no one gets a 0."""
    graded = {r.identity.user_id or r.student: r for r in records
              if not anonymous(r.identity.user_id)}
    unknown_who = any(anonymous(r.identity.user_id) for r in records)  # who submitted?
    sheet = Sheet(roster) if roster else None
    header, rows = (sheet.header, sheet.rows) if sheet else (HEADER, [])
    if "ID" not in header:
        raise SheetError(f"{roster.name}: no ID column; export the Canvas gradebook "
                         "(Grades > Export > CSV) and put that file here")
    ids = [h for h in header if h in IDENTITY]
    title = _column(header, assignment, roster)
    kept = header.index(title) if title in header else None  # the export's own grades
    factor = scale(next((row[kept] for row in rows if kept is not None
                         and row[0].strip() == "Points Possible"), ""), max_score)
    rows_out = [ids + [title], [POINTS] + [""] * (len(ids) - 1) + [_points(max_score * factor)]]
    seen, missing, kept_as_is = set(), [], []
    for row in rows:
        values = dict(zip(header, row))
        user = values.get("ID", "").strip()
        if not user or row[0].strip() == "Points Possible":
            continue
        seen.add(user)
        if user not in graded and not unknown_who:
            missing.append(user)
        current = row[kept].strip() if kept is not None else ""
        if user in graded and current.upper() in UNGRADED:
            kept_as_is.append(user)
        rows_out.append([clean(values.get(h, "")) for h in ids] + [
            _points(graded[user].score * factor)
            if user in graded and current.upper() not in UNGRADED
            else "0" if course.missing == "zero" and not unknown_who and current in ("", "-")
            else current if NUMBER.fullmatch(current) else clean(current)])
    if not sheet:
        for user, record in sorted(graded.items()):
            seen.add(user)
            rows_out.append([clean(record.identity.name or record.student), clean(user)]
                            + [""] * (len(ids) - 2) + [_points(record.score)])
    return table(rows_out), missing, sorted(set(graded) - seen), kept_as_is


def names(roster):
    """{user id: the name the roster shows ("Nguyễn, Thị Hồng"; split names joined so)}."""
    sheet = Sheet(roster)
    found = {}
    for row in sheet.rows:
        values = {key: value.strip() for key, value in zip(sheet.header, row)}
        split = ", ".join(filter(None, (values.get("LastName"), values.get("FirstName"))))
        found[values.get("ID", "")] = values.get("Student") or split
    return found


def _column(header, assignment, roster):
    """The export's column for this assignment: the one ending in ``(<lms_id>)``, else the
    one titled as the assignment, else the only assignment column there is; with none, a
    new column. Several and none chosen: SheetError listing them."""
    columns = [h for h in header if ASSIGNMENT.fullmatch(h.strip())]
    if assignment.lms_id:
        return next((h for h in columns if h.strip().endswith(f"({assignment.lms_id})")),
                    f"{assignment.title} ({assignment.lms_id})")
    titled = [h for h in columns if ASSIGNMENT.fullmatch(h.strip())[1] in
              (assignment.title, assignment.name)]
    if len(titled) == 1 or len(columns) == 1:
        return (titled or columns)[0]
    if columns:
        raise SheetError(f"{roster.name} has {len(columns)} assignment columns and none is "
                         f"titled {assignment.title!r}: {', '.join(columns[:8])}; set lms_id "
                         f"for {assignment.name} in course.yaml to the number in the "
                         "parentheses of the column to fill")
    return assignment.title


def _points(value):
    return f"{round(value, 2):g}"
