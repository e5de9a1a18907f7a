"""Canvas: the "Download Submissions" zip in; the gradebook import CSV out; grades and
comments published through Canvas's REST API with canvasapi."""
import re

import canvasapi
import canvasapi.exceptions as canvas_errors
import requests

from ..records import Identity, Submission
from .download import pick
from .publish import PublishError, Transient
from .sheet import SheetError, clean, read_table, write_csv

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
    if "ID" not in header:
        raise SheetError(f"{roster.name}: no ID column; export the Canvas gradebook "
                         "(Grades > Export > CSV) and put that file here")
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


class Remote:
    """One Canvas assignment through canvasapi: each student's score and comments, and
    ``PUT …/submissions/:user_id`` with ``posted_grade`` and ``text_comment``."""
    lms = "canvas"

    def __init__(self, url, token, course_id, assignment_id):
        self._canvas = canvasapi.Canvas(url, token)
        self._ids = (course_id, assignment_id)
        self._assignment = None
        self._submissions = {}

    def state(self, user):
        if self._assignment is None:
            self._assignment = _call(lambda: self._canvas.get_course(self._ids[0])
                                     .get_assignment(self._ids[1]))
        submission = _call(lambda: self._assignment.get_submission(
            user, include=["submission_comments"]))
        self._submissions[user] = submission
        comments = getattr(submission, "submission_comments", None) or []
        return getattr(submission, "score", None), [c.get("comment") or "" for c in comments]

    def points(self, record):
        return record.score

    def send(self, change):
        changes = {}
        if change.send_grade:
            changes["submission"] = {"posted_grade": f"{change.new:g}"}
        if change.send_comment:
            changes["comment"] = {"text_comment": change.comment}
        _call(lambda: self._submissions[change.user].edit(**changes))


def _call(work):
    """canvasapi's exceptions as Transient (retry) or PublishError (stop), without any
    response body (it may echo what was sent)."""
    try:
        return work()
    except canvas_errors.RateLimitExceeded:
        raise Transient("Canvas: rate limited (HTTP 429)") from None
    except canvas_errors.Forbidden as error:
        if "rate limit" in str(error).lower():
            raise Transient("Canvas: rate limited (HTTP 403)") from None
        raise PublishError("Canvas: forbidden (HTTP 403): the token's user cannot grade this "
                           "course") from None
    except (canvas_errors.InvalidAccessToken, canvas_errors.Unauthorized):
        raise PublishError("Canvas: the token was refused (HTTP 401); set "
                           "TORCHGRADE_LMS_TOKEN to a valid access token") from None
    except canvas_errors.ResourceDoesNotExist:
        raise PublishError("Canvas: not found (HTTP 404); check url and course_id in "
                           "course.yaml, and the assignment's lms_id") from None
    except canvas_errors.CanvasException as error:
        code = re.search(r"status code (\d+)", str(error))
        if code and code[1].startswith("5"):
            raise Transient(f"Canvas: server error (HTTP {code[1]})") from None
        raise PublishError(f"Canvas: the request was refused ({type(error).__name__})") from None
    except requests.RequestException as error:
        raise Transient(f"Canvas: connection failed ({type(error).__name__})") from None
