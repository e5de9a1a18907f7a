"""Blackboard Learn: the Grade Centre's "Assignment File Download" in (the latest attempt
of each student is graded, the others listed); the Grade Centre upload file out."""
import re
from datetime import datetime

from ..records import Identity, Submission
from .download import pick
from .sheet import SheetError, clean, read_table, write_csv

STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}"
# <Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<file> | .txt]
NAME = re.compile(rf"(?P<prefix>.*)_(?P<user>[^_]+)_attempt_(?P<stamp>{STAMP})(?:_(?P<file>.+)|\.txt)")
RECEIPT_NAME = re.compile(r"^\s*Name:\s*(?P<name>.*?)\s*\((?P<user>[^()]+)\)\s*$", re.MULTILINE)


def detect(folder):
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return bool(files) and sum(bool(NAME.fullmatch(p.name)) for p in files) * 2 > len(files)


def read(folder, assignment, log=print):
    """One Submission per username: its latest attempt, with the earlier ones listed. The
    receipts (``….txt``) name each attempt's user, so a username may hold underscores."""
    heads = {}  # "<Assignment>_<username>_attempt_<stamp>" -> (username, stamp, full name)
    for receipt in sorted(folder.glob("*_attempt_*.txt")):
        head = re.fullmatch(rf"(.*_attempt_({STAMP}))\.txt", receipt.name)
        if head and receipt.is_file() and not receipt.is_symlink():
            text = receipt.read_bytes()[:65536].decode("utf-8", "replace")
            name = RECEIPT_NAME.search(text)
            if name and head[1].endswith(f"_{name['user']}_attempt_{head[2]}"):
                heads[head[1]] = (name["user"], head[2], name["name"])
    attempts = {}
    for path in sorted(folder.iterdir()):
        head = next((h for h in heads if path.name.startswith(h + "_")), None)
        if head:
            user, stamp, name = heads[head]
            file = path.name[len(head) + 1:]
        elif (match := NAME.fullmatch(path.name)) and match["file"]:
            user, stamp, name, file = match["user"], match["stamp"], "", match["file"]
        else:
            continue
        attempt = attempts.setdefault(user, {}).setdefault(stamp, {"name": name, "files": {}})
        attempt["files"][path.with_name(file)] = path
    found = []
    for user, by_stamp in sorted(attempts.items()):
        stamps = sorted(by_stamp, key=lambda s: datetime.strptime(s, "%Y-%m-%d-%H-%M-%S"))
        latest = by_stamp[stamps[-1]]
        chosen, others = pick(list(latest["files"]), assignment)
        path = latest["files"][chosen] if chosen else folder / f"{user}-no-notebook"
        ignored = [f"attempt {s}" for s in stamps[:-1]] + [f.name for f in others]
        found.append(Submission(user, path, identity=Identity(
            latest["name"] or user, "blackboard", user, False, stamps[-1], ignored)))
    return found


def upload(records, assignment, course, max_score, roster=None):
    """The Grade Centre upload file: ``Username`` and the assignment's column, named with its
    ``|<id>`` suffix as in the Grade Centre download. Returns (csv text, [roster usernames
    with no submission], [graded usernames not in the roster])."""
    graded = {r.identity.user_id or r.student: r for r in records}
    column = f"{assignment.title} [Total Pts: {max_score:g} Score]"
    users = sorted(graded)
    if roster:
        header, rows, _ = read_table(roster)
        if "Username" not in header:
            raise SheetError(f"{roster.name}: no Username column; download the Grade Centre "
                             "with the Username column")
        users = [dict(zip(header, row)).get("Username", "").strip() for row in rows]
        wanted = f"|{assignment.lms_id}" if assignment.lms_id else None
        column = next((h for h in header if wanted and h.strip().endswith(wanted)),
                      next((h for h in header if h.startswith(assignment.title + " [")), column))
    elif assignment.lms_id:
        column += f" |{assignment.lms_id}"
    table = [["Username", column]]
    for user in filter(None, users):
        record = graded.get(user)
        grade = f"{record.score:g}" if record else ("0" if course.missing == "zero" else "")
        table.append([clean(user), grade])
    missing = [user for user in filter(None, users) if user not in graded]
    return write_csv(table), missing, sorted(set(graded) - set(users))
