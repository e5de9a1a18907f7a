"""D2L Brightspace: an assignment's "Download" of submissions in (each student's latest
submission is graded, the earlier ones listed); the grades import CSV out, made from the
grades export beside the download."""
import re

from ..records import Identity, Submission
from .download import pick
from .sheet import Sheet, SheetError, clean, scale, table

# "<submission id>-<file id> - <First Last> - <date> - <file>" (flat), or the same less
# " - <file>" as a folder holding the submission's files; the date (in the instructor's
# language) holds the year and no " - ". An index.html lists the submissions.
NAME = re.compile(r"(?P<sid>\d+)-(?P<fid>\d+) - (?P<name>.+?) - "
                  r"(?P<date>(?:(?! - ).)*?\d{4}(?:(?! - ).)*?)(?: - (?P<file>.+))?")
KEYS = ("OrgDefinedId", "Username")  # the export's identity columns, the import's key
END = "End-of-Line Indicator"
# A numeric grade item's column: "<item> Points Grade", then "<Numeric MaxPoints:10 ...>"
COLUMN = re.compile(r"(?P<item>.+?) Points Grade(?: <[^>]*?MaxPoints:(?P<max>[\d.]+)[^>]*>)?")


def detect(folder):
    entries = [p for p in folder.iterdir()
               if not p.name.startswith(".") and p.name != "index.html"]
    return bool(entries) and sum(bool(_match(p)) for p in entries) * 2 > len(entries)


def _match(path):
    """The parts of a submission's name: a file's ends with " - <file>", a folder's not."""
    match = NAME.fullmatch(path.name)
    is_folder = path.is_dir() and not path.is_symlink()
    return match if match and bool(match["file"]) != is_folder else None


def is_roster(sheet):
    return END in sheet.header and any(key in sheet.header for key in KEYS)


def names(roster):
    """{user (Username, else OrgDefinedId, without the export's "#"): "First Last"}."""
    return {user: name for user, name, _ in _people(Sheet(roster))}


def read(folder, assignment, log=print, roster=None):
    """One Submission per student (by the roster's Username when the grades export names
    them once, else by the name the download shows): the submission with the highest id,
    which Brightspace numbers as they arrive. Where the export names several students so,
    each submission is a row of its own: whose is whose is never guessed."""
    known = {}
    for user, name, _ in _people(Sheet(roster)) if roster else ():
        known.setdefault(_plain(name), []).append(user)
    students, warned = {}, set()  # user (else the name shown) -> its submissions
    for path in sorted(folder.iterdir()):
        match = _match(path)
        if not match or path.is_symlink():
            continue
        users = known.get(_plain(match["name"]), [])
        key = (users[0] if len(users) == 1 else match["name"] if not users
               else f"{match['name']} (submission {match['sid']})")
        if len(users) > 1 and match["name"] not in warned:
            warned.add(match["name"])
            log(f"warning: {len(users)} students named {match['name']} in the grades "
                "export: each of their submissions is its own row, out of the import file; "
                "enter those grades by hand")
        student = students.setdefault(key, {"matched": len(users) == 1, "by_id": {}})
        entry = student["by_id"].setdefault(int(match["sid"]), {
            "name": match["name"], "date": match["date"], "files": {}})
        if not match["file"]:
            entry["files"].update({p: p for p in sorted(path.rglob("*")) if p.is_file()
                                   and not any(part.startswith((".", "__"))
                                               for part in p.relative_to(path).parts)})
        else:
            entry["files"][path.with_name(match["file"])] = path
    found = []
    for user, student in sorted(students.items()):
        by_id = student["by_id"]
        ids = sorted(by_id)
        latest = by_id[ids[-1]]
        chosen, others, modules = pick(list(latest["files"]), assignment, latest["files"])
        path = latest["files"][chosen] if chosen else folder / f"{user}-no-notebook"
        found.append(Submission(user, path, identity=Identity(
            latest["name"], "brightspace", user if student["matched"] else "", False,
            latest["date"], [f"submission of {by_id[i]['date']}" for i in ids[:-1]]
            + [f.name for f in others]), beside=modules))
    return found


def grades_import(records, assignment, course, max_score, roster):
    """The grades import CSV: OrgDefinedId and Username as the export has them, the
    assignment's "Points Grade" column (on the export's MaxPoints), the end-of-line mark;
    one row per graded student the export names (and, with ``missing: zero``, a 0 for each
    one with no submission and no grade in the export). Returns (csv text, [users with no
    submission], [graded students the export lacks])."""
    sheet = Sheet(roster)
    if not is_roster(sheet):
        raise SheetError(f"{roster.name}: no OrgDefinedId or Username column and no "
                         f"{END}; export the grades (Grades > Export, Key Field: Both)")
    column = _column(sheet.header, assignment, roster)
    factor = scale(COLUMN.fullmatch(column.strip())["max"] or "", max_score)
    graded = {r.identity.user_id: r for r in records if r.identity.user_id}
    rows, missing = [[*KEYS, column, END]], []
    for user, _, values in _people(sheet):
        record = graded.get(user)
        if record is None:
            missing.append(user)
            if course.missing != "zero" or values.get(column, "").strip():
                continue  # no row, no change: a grade the export shows stays
        score = record.score * factor if record else 0.0
        rows.append([clean(values.get(key, "")) for key in KEYS]
                    + [f"{round(score, 2):g}", "#"])
    unknown = sorted(r.identity.name or r.student for r in records if not r.identity.user_id)
    return table(rows), missing, unknown


def _people(sheet):
    """(user, "First Last", {column: cell}) for each student row of the grades export."""
    for row in sheet.rows:
        values = dict(zip(sheet.header, row))
        user = next((values[key].strip().lstrip("#") for key in reversed(KEYS)
                     if values.get(key, "").strip().lstrip("#")), "")
        name = " ".join(filter(None, (values.get("First Name", "").strip(),
                                      values.get("Last Name", "").strip())))
        if user:
            yield user, name, values


def _plain(name):
    return " ".join(name.split()).casefold()


def _column(header, assignment, roster):
    """The export's numeric column for this assignment: the one whose item is titled as
    the assignment, else the only one; with none, a new item's. Several and none titled:
    SheetError listing them."""
    columns = [h for h in header if COLUMN.fullmatch(h.strip())]
    titled = [h for h in columns if COLUMN.fullmatch(h.strip())["item"]
              in (assignment.title, assignment.name)]
    if len(titled) == 1 or len(columns) == 1:
        return (titled or columns)[0]
    if columns:
        raise SheetError(f"{roster.name} has {len(columns)} Points Grade columns and none is "
                         f"titled {assignment.title!r}: {', '.join(columns[:8])}; set title "
                         f"for {assignment.name} in course.yaml to the grade item's name")
    return f"{assignment.title} Points Grade"
