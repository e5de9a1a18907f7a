"""Moodle: "Download all submissions" in; the instructor's grading worksheet filled in and a
feedback-files zip out; grades and comments published with the web-service function
``mod_assign_save_grades``."""
import html
import io
import re
import zipfile

import requests

from ..records import Identity, Submission
from .download import pick
from .publish import PublishError, Transient
from .sheet import SheetError, clean, read_table, write_csv

# <Full Name>_<participant id>_assignsubmission_<plugin>_ (a folder), or the same prefix and
# the file's name (the older flat layout)
NAME = re.compile(r"(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?(?P<file>.*)")
GRADE = ("Grade", "Osztályzat", "Pont", "Ocena", "성적", "점수")
FEEDBACK = ("Feedback comments", "Visszajelzés megjegyzései", "Komentarz zwrotny",
            "피드백 코멘트")


def detect(folder):
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return bool(entries) and sum(bool(NAME.fullmatch(p.name)) for p in entries) * 2 > len(entries)


def read(folder, assignment, log=print):
    """One Submission per participant id; the full name is the display name."""
    students = {}
    for path in sorted(folder.iterdir()):
        match = NAME.fullmatch(path.name)
        if not match:
            continue
        entry = students.setdefault(match["pid"], {"name": match["name"], "files": []})
        if path.is_dir() and not path.is_symlink():
            entry["files"] += [p for p in sorted(path.rglob("*")) if p.is_file()
                               and not any(part.startswith((".", "__"))
                                           for part in p.relative_to(path).parts)]
        else:
            entry["files"].append(path)
    found = []
    for pid, entry in students.items():
        chosen, others = pick(entry["files"], assignment)
        found.append(Submission(pid, chosen or folder / f"{pid}-no-notebook", identity=Identity(
            entry["name"], "moodle", pid, False, chosen.name if chosen else "",
            [f.name for f in others])))
    return found


def worksheet(records, roster, comment):
    """The instructor's offline grading worksheet with Grade and Feedback comments filled
    in, headers untouched (Moodle localizes them). Grades are scaled to the worksheet's
    Maximum Grade. Returns (csv text, encoding, [participant ids with no submission],
    [graded participant ids not in the worksheet])."""
    header, rows, (encoding, delimiter) = read_table(roster)
    grade = _column(header, GRADE, None)
    if grade is None:
        grade = _before_maximum(header, rows)
    if grade is None:
        raise SheetError(f"{roster.name}: no Grade column; download the grading worksheet "
                         "from the assignment's \"Grading action\" menu")
    feedback = _column(header, FEEDBACK, None)
    graded = {r.identity.user_id or r.student: r for r in records}
    seen, missing = set(), []
    for row in rows:
        row += [""] * (len(header) - len(row))
        pid = re.sub(r"\D", "", row[0])
        record = graded.get(pid)
        seen.add(pid)
        row[1:] = [value if value.strip() == "-" else clean(value) for value in row[1:]]
        if record is None:
            missing.append(pid)
            continue
        maximum = _number(row[grade + 1]) if grade + 1 < len(header) else None
        scale = maximum / record.max_score if maximum and record.max_score else 1
        row[grade] = f"{round(record.score * scale, 2):.2f}"
        if feedback is not None:
            row[feedback] = clean(comment(record))
    return (write_csv([header] + rows, delimiter), encoding, missing,
            sorted(set(graded) - seen))


def feedback_zip(records, feedback):
    """The zip Moodle takes in "Upload multiple feedback files in a zip": each participant's
    feedback page (``feedback(record)``, HTML), named as the download names their files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            pid = record.identity.user_id or record.student
            name = (record.identity.name or record.student)
            name = "".join(" " if c in "_/\\" or not c.isprintable() else c for c in name)
            archive.writestr(f"{name}_{pid}_assignsubmission_file_feedback.html",
                             feedback(record))
    return buffer.getvalue()


def _column(header, names, default):
    for index, name in enumerate(header):
        if name.strip() in names:
            return index
    return default


def _before_maximum(header, rows):
    """In a worksheet whose headers are in a language not listed above: the Grade column,
    the one before Maximum Grade (the same number in every row), empty or a number."""
    width = len(header)
    rows = [row + [""] * (width - len(row)) for row in rows]
    for index in range(1, width - 1):
        maximum = {row[index + 1] for row in rows}
        if (len(maximum) == 1 and _number(maximum.pop()) and
                all(not row[index].strip() or _number(row[index]) is not None for row in rows)):
            return index
    return None


def _number(text):
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


class Remote:
    """One Moodle assignment through its REST web services: its maximum grade
    (``mod_assign_get_assignments``), the participant list (which maps the download's
    participant ids to user ids), each student's grade and feedback comment
    (``mod_assign_get_submission_status``), and ``mod_assign_save_grades``."""
    lms = "moodle"

    def __init__(self, url, token, assignment_id):
        self._endpoint = url.rstrip("/") + "/webservice/rest/server.php"
        self._token, self._assignment = token, assignment_id
        self._users = self._maximum = None

    def state(self, participant):
        status = self._call("mod_assign_get_submission_status", assignid=self._assignment,
                            userid=self._user(participant))
        feedback = status.get("feedback") or {}
        grade = (feedback.get("grade") or {}).get("grade")
        grade = None if grade in (None, "") or float(grade) < 0 else float(grade)
        texts = [html.unescape(re.sub(r"<[^>]*>", "", field.get("text") or ""))
                 for plugin in feedback.get("plugins") or [] if plugin.get("type") == "comments"
                 for field in plugin.get("editorfields") or []]
        return grade, texts

    def points(self, record):
        """The score on the assignment's own scale (its maximum grade may be 100)."""
        if self._maximum is None:
            courses = self._call("mod_assign_get_assignments").get("courses") or []
            found = [float(a.get("grade") or 0) for course in courses
                     for a in course.get("assignments") or []
                     if str(a.get("id")) == str(self._assignment)]
            if not found or found[0] <= 0:
                raise PublishError(f"Moodle: assignment {self._assignment} is not graded in "
                                   "points (or not visible to this token)")
            self._maximum = found[0]
        return round(record.score * self._maximum / record.max_score, 2)

    def send(self, change):
        self._call("mod_assign_save_grades", assignmentid=self._assignment, applytoall=0,
                   grades=[{"userid": self._user(change.user), "grade": change.new,
                            "attemptnumber": -1, "addattempt": 0, "workflowstate": "",
                            "plugindata": {"assignfeedbackcomments_editor": {
                                "text": change.comment, "format": 2}}}])  # 2: plain text

    def _user(self, participant):
        if self._users is None:
            people = self._call("mod_assign_list_participants", assignid=self._assignment,
                                groupid=0, filter="")
            self._users = {str(p.get("recordid") or p["id"]): str(p["id"]) for p in people}
        if participant not in self._users:
            raise PublishError(f"Moodle: participant {participant} is not in this assignment")
        return self._users[participant]

    def _call(self, function, **params):
        data = {"wstoken": self._token, "wsfunction": function, "moodlewsrestformat": "json",
                **_flatten(params)}
        try:  # the token travels in the body, so no error message or log line holds it
            response = requests.post(self._endpoint, data=data, timeout=60)
        except requests.RequestException as error:
            raise Transient(f"Moodle: connection failed ({type(error).__name__})") from None
        if response.status_code == 429 or response.status_code >= 500:
            wait = response.headers.get("Retry-After", "")
            raise Transient(f"Moodle: HTTP {response.status_code}",
                            float(wait) if wait.isdigit() else None)
        try:
            body = response.json()
        except ValueError:
            raise PublishError(f"Moodle: the reply to {function} is not JSON (HTTP "
                               f"{response.status_code}); check url in course.yaml") from None
        if isinstance(body, dict) and "exception" in body:
            raise PublishError(f"Moodle refused {function}: {body.get('errorcode', '')} "
                               f"({str(body.get('message', ''))[:200]})")
        return body


def _flatten(value, prefix=""):
    """Moodle's form encoding of nested parameters: ``grades[0][plugindata][…]``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, inner in items:
        flat.update(_flatten(inner, f"{prefix}[{key}]" if prefix else str(key)))
    return flat
