"""Blackboard Learn: the Grade Centre's "Assignment File Download" in (each student's latest
attempt with files is graded, the others listed); the Grade Centre upload file out."""
import re
from datetime import datetime

from ..records import Identity, Submission
from .download import pick
from .sheet import Sheet, SheetError, clean, scale, table

STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}"
# <Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>, then "_<file>" or ".txt" (the
# receipt). The first "_attempt_<stamp>" ends what Blackboard wrote: after it, the student's
# file name, which may look like anything.
NAME = re.compile(rf"(?P<head>(?P<prefix>.*?)_(?P<user>[^_]+)_attempt_(?P<stamp>{STAMP}))"
                  rf"(?:_(?P<file>.+)|\.txt)")
# The receipt's first line, in any language: "Name: Ada Lovelace (alovelace)", "Naam: …"
RECEIPT_NAME = re.compile(r"\A\s*[^:\n]{1,40}:\s*(?P<name>[^\n]*?)\s*\((?P<user>[^()\n]+)\)"
                          r"\s*$", re.MULTILINE)
# A Grade Centre column: "Week 1 [Total Pts: 7 Score] |8812"
COLUMN = re.compile(r"(?P<title>.+) \[(?P<kind>[^\]]*)\](?: \|(?P<id>\d+))?")
POINTS = re.compile(r"\d+(?:[.,]\d+)?")  # in "[Total Pts: 7 Score]", in any language


def detect(folder):
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return bool(files) and sum(bool(NAME.fullmatch(p.name)) for p in files) * 2 > len(files)


def is_roster(sheet):
    return "Username" in sheet.header


def names(roster):
    """{username: "First Last"} from the Grade Centre download."""
    sheet = Sheet(roster)
    return {row.get("Username", "").strip(): " ".join(filter(None, (
        row.get("First Name", "").strip(), row.get("Last Name", "").strip())))
        for row in (dict(zip(sheet.header, cells)) for cells in sheet.rows)}


def read(folder, assignment, log=print, roster=None):
    """One Submission per username: its latest attempt with files, with the others listed
    (a student whose attempts have only a receipt, a text submission, is a row with no
    notebook). The username comes from Blackboard's part of each name: the one among the
    Grade Centre's (``roster``) it ends with, else the receipt's (in any language), else
    the last word."""
    known = sorted(names(roster) if roster else (), key=len, reverse=True)
    receipts = {}  # head -> (username, full name) as the receipt has them
    for path in sorted(folder.glob("*_attempt_*.txt")):
        match = NAME.fullmatch(path.name)
        if match and not match["file"] and path.is_file() and not path.is_symlink():
            text = path.read_bytes()[:4096].decode("utf-8", "replace")
            if found := RECEIPT_NAME.search(text):
                receipts[match["head"]] = (found["user"].strip(), found["name"])
    attempts = {}
    for path in sorted(folder.iterdir()):
        match = NAME.fullmatch(path.name)
        if not match:
            continue
        head, stamp = match["head"], match["stamp"]
        user, name = receipts.get(head, ("", ""))
        ending = head[:-len(f"_attempt_{stamp}")]
        user = (next((k for k in known if ending.endswith(f"_{k}")), None)
                or (user if ending.endswith(f"_{user}") and user else match["user"]))
        attempt = attempts.setdefault(user, {}).setdefault(stamp, {"name": name, "files": {}})
        if match["file"]:  # else the receipt: an attempt with no file is still a row
            attempt["files"][path.with_name(match["file"])] = path
    found = []
    for user, by_stamp in sorted(attempts.items()):
        stamps = sorted(by_stamp, key=lambda s: datetime.strptime(s, "%Y-%m-%d-%H-%M-%S"))
        stamp = ([s for s in stamps if by_stamp[s]["files"]] or stamps)[-1]
        latest = by_stamp[stamp]
        chosen, others, modules = pick(list(latest["files"]), assignment, latest["files"])
        path = latest["files"][chosen] if chosen else folder / f"{user}-no-notebook"
        ignored = [f"attempt {s}" for s in stamps if s != stamp] + [f.name for f in others]
        found.append(Submission(user, path, identity=Identity(
            latest["name"] or user, "blackboard", user, False, stamp, ignored),
            beside=modules))
    return found


def upload(records, assignment, course, max_score, roster=None, comment=None):
    """The Grade Centre upload file ("Work Offline > Upload"): ``Username``, the
    assignment's column (named with its ``|<id>`` as in the Grade Centre download), and
    ``comment(record)`` as its Feedback to Learner (HTML); every field quoted; scores on
    the column's Total Pts (a full score is worth all of them). A row for each graded
    student, and with ``missing: zero`` a 0 for each one in the roster with no submission
    and no grade there yet (no one else has a row: nothing else changes). Returns (csv
    text, [roster usernames with no submission], [graded usernames not in the roster])."""
    graded = {r.identity.user_id or r.student: r for r in records}
    column = f"{assignment.title} [Total Pts: {max_score:g} Score]"
    users, current = sorted(graded), {}
    if roster:
        sheet = Sheet(roster)
        if not is_roster(sheet):
            raise SheetError(f"{roster.name}: no Username column; download the Grade Centre "
                             "with the Username column")
        columns = [h for h in sheet.header if COLUMN.fullmatch(h.strip())]
        column = next((h for h in columns if assignment.lms_id and
                       COLUMN.fullmatch(h.strip())["id"] == assignment.lms_id),
                      next((h for h in columns if COLUMN.fullmatch(h.strip())["title"]
                            == assignment.title), column))
        cells = [dict(zip(sheet.header, row)) for row in sheet.rows]
        users = [cell.get("Username", "").strip() for cell in cells]
        current = {cell.get("Username", "").strip(): cell.get(column, "").strip()
                   for cell in cells}
    elif assignment.lms_id:
        column += f" |{assignment.lms_id}"
    found = COLUMN.fullmatch(column.strip())
    possible = POINTS.search(found["kind"]) if found else None
    factor = scale(possible[0] if possible else "", max_score)  # onto its Total Pts
    rows = [["Username", column] + (["Feedback to Learner", "Feedback Format"] if comment
                                     else [])]
    for user in filter(None, users):
        record = graded.get(user)
        if record is None and (course.missing != "zero" or current.get(user)):
            continue  # no row, no change: a grade the Grade Centre has stays
        grade = f"{round(record.score * factor, 2):g}" if record else "0"
        rows.append([clean(user), grade] + ([clean(comment(record)) if record else "",
                                             "HTML"] if comment else []))
    missing = [user for user in filter(None, users) if user not in graded]
    return table(rows, quote_all=True), missing, sorted(set(graded) - set(users))
