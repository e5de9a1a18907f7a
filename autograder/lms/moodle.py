"""Moodle: "Download all submissions" in; the instructor's grading worksheet filled in and a
feedback-files zip out; grades and comments published with the web-service function
``mod_assign_save_grades``."""
import html
import io
import re
import zipfile

from ..records import Identity, Submission
from .download import pick
from .sheet import Sheet, SheetError, clean, number, scale

# "<full name>_<participant id>" or, in a team assignment, "<group name>_<group id>" or the
# default group's name alone; then "_assignsubmission_<plugin>" and a folder (4.1+, or "_/"
# before) or "_<file name>" (the flat layout). Moodle turns "_" in a name into a space, so
# the prefix ends at the first "_": the rest of a name is the student's file name.
NAME = re.compile(r"(?P<name>[^_]+)(?:_(?P<pid>\d+))?_assignsubmission_(?P<plugin>[a-z]+)"
                  r"(?:_(?P<file>.*))?")
GRADE = ("Grade", "Osztályzat", "Pont", "Ocena", "성적", "점수")
FEEDBACK = ("Feedback comments", "Visszajelzés megjegyzései", "Komentarz zwrotny",
            "피드백 코멘트")
TEAM = ("Group", "Csoport", "Grupa", "그룹")
DATE = re.compile(r"^(-|.*\d{4}.*\d{1,2}:\d{2}.*)$")  # "-" or a date with a time


def detect(folder):
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return bool(entries) and sum(bool(NAME.fullmatch(p.name)) for p in entries) * 2 > len(entries)


def is_roster(sheet):
    """A grading worksheet: participant identifiers first, and a Grade column."""
    return (bool(sheet.rows) and all(_pid(row) for row in sheet.rows)
            and (_column(sheet.header, GRADE) is not None
                 or _before_maximum(sheet.header, sheet.rows) is not None))


def names(roster):
    """{participant id: full name} from the grading worksheet."""
    return {_pid(row): row[1].strip() for row in Sheet(roster).rows if len(row) > 1}


def read(folder, assignment, log=print, roster=None):
    """One Submission per participant id (in a team assignment, per group: the grading
    worksheet's Group column gives it to each member); the name is the display name."""
    students = {}
    for path in sorted(folder.iterdir()):
        match = NAME.fullmatch(path.name)
        if not match:
            continue
        entry = students.setdefault(match["pid"] or match["name"],
                                    {"name": match["name"], "pid": match["pid"] or "",
                                     "files": []})
        if path.is_dir() and not path.is_symlink():
            entry["files"] += [p for p in sorted(path.rglob("*")) if p.is_file()
                               and not any(part.startswith((".", "__"))
                                           for part in p.relative_to(path).parts)]
        else:
            entry["files"].append(path)
    found = []
    for key, entry in students.items():
        chosen, others, modules = pick(entry["files"], assignment)
        found.append(Submission(key, chosen or folder / f"{key}-no-notebook", identity=Identity(
            entry["name"], "moodle", entry["pid"], False, chosen.name if chosen else "",
            [f.name for f in others]), beside=modules))
    return found


def worksheet(records, roster, comment, zero=False):
    """The instructor's offline grading worksheet with the grade and the feedback comment
    (HTML, ``comment(record)``) filled in for each graded participant (each member of a
    graded team), on the worksheet's Maximum Grade scale, and with ``zero`` a 0 for each
    participant with no submission and no grade yet; every other row and cell goes back
    byte for byte, in the file's encoding. Returns (bytes, a warning or "",
    [(participant id, full name, record) given a grade], [participant ids with no
    submission], [graded submissions the worksheet lacks], a note on columns or "")."""
    sheet = Sheet(roster)
    header, rows = sheet.header, sheet.rows
    grade = _column(header, GRADE)
    if grade is None:
        grade = _before_maximum(header, rows)
    if grade is None:
        raise SheetError(f"{roster.name}: no Grade column; download the grading worksheet "
                         "from the assignment's \"Grading action\" menu")
    feedback = _column(header, FEEDBACK)
    if feedback is None:
        feedback = _after_dates(header, rows, grade)
    by_id = {r.identity.user_id: r for r in records if r.identity.user_id}
    teams = {_team(r.identity.name): r for r in records}
    team = _column(header, TEAM)
    if team is None and not any(_pid(row) in by_id for row in rows):
        team = _best_match(header, rows, teams)
    given, missing, used = [], [], set()
    for row in rows:
        record = by_id.get(_pid(row)) or (teams.get(_team(row[team])) if team is not None
                                           else None)
        maximum = row[grade + 1] if grade + 1 < len(header) else ""
        if record is None:
            missing.append(_pid(row))
            if zero and row[grade].strip() in ("", "-"):
                row[grade] = "0,00" if "," in maximum else "0.00"
            continue
        used.add(id(record))
        given.append((_pid(row), row[1], record))
        value = f"{round(record.score * scale(maximum, record.max_score), 2):.2f}"
        row[grade] = value.replace(".", ",") if "," in maximum else value
        if feedback is not None:
            row[feedback] = _comment(row[feedback], comment(record), record)
    data, warning = sheet.dump()
    note = ("" if feedback is not None else f"{roster.name}: no feedback comments column "
            "was found (enable \"Feedback comments\" in the assignment's settings): "
            "grades were filled in, comments were not")
    return (data, warning, given, missing,
            sorted(r.identity.user_id or r.student for r in records if id(r) not in used), note)


def feedback_zip(given, feedback):
    """The zip Moodle takes in "Upload multiple feedback files in a zip": for each
    (participant id, full name, record), the feedback page ``feedback(record)`` (HTML),
    named as the download names that participant's files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pid, name, record in given:
            name = "".join(" " if c in "_/\\" or not c.isprintable() else c for c in name)
            archive.writestr(f"{name}_{pid}_assignsubmission_file_feedback.html",
                             feedback(record))
    return buffer.getvalue()


def _comment(old, new, record):
    """The feedback cell: ``new``, after what a teacher wrote there before (not a comment
    this project wrote for the assignment, which ``new`` replaces)."""
    ours = old.strip().startswith(f"<p>{html.escape(record.assignment)}:")
    return clean(new) if not old.strip() or ours else old + clean(new)


def _pid(row):
    return re.sub(r"\D", "", row[0])


def _team(name):
    """A group's name as the download's folder name has it: Moodle's clean_filename drops
    some characters and turns "_" into a space."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", name.replace("_", " "))
    return " ".join(name.split()).casefold()


def _column(header, names):
    return next((i for i, name in enumerate(header) if name.strip() in names), None)


def _best_match(header, rows, teams):
    """In a worksheet in a language not listed: the column holding the most team names."""
    counts = [(sum(_team(row[i]) in teams for row in rows), i) for i in range(2, len(header))]
    count, index = max(counts, default=(0, None))
    return index if count else None


def _before_maximum(header, rows):
    """In a worksheet whose headers are in a language not listed above: the Grade column,
    the one before Maximum Grade (the same number in every row), empty or a number."""
    for index in range(1, len(header) - 1):
        maximum = {row[index + 1] for row in rows}
        if (len(maximum) == 1 and number(maximum.pop()) and
                all(not row[index].strip() or number(row[index]) is not None for row in rows)):
            return index
    return None


def _after_dates(header, rows, grade):
    """In a worksheet in a language not listed: the feedback comments column, the one
    after the last column of dates ("Last modified (grade)") that follows the grade."""
    dates = [i for i in range(grade + 2, len(header) - 1)
             if rows and all(DATE.match(row[i].strip()) for row in rows)]
    return dates[-1] + 1 if dates else None

