"""Moodle's REST web services: grades and feedback comments published (publish.py)."""
import html
import re

from .publish import PublishError, request


class Remote:
    """One Moodle assignment through its REST web services: its maximum grade
    (``mod_assign_get_assignments``), the participant list (which maps the download's
    participant ids to user ids), each student's grade and feedback comment
    (``mod_assign_get_submission_status``), and ``mod_assign_save_grades``."""
    lms = "moodle"

    def __init__(self, url, token, assignment_id):
        self._endpoint = url.rstrip("/") + "/webservice/rest/server.php"
        self._token, self._assignment = token, assignment_id
        self._users = self._teams = self._maximum = None

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
        team = self._user(change.user) in self._teams.values()  # the grade goes to all of it
        self._call("mod_assign_save_grades", assignmentid=self._assignment,
                   applytoall=int(team),
                   grades=[{"userid": self._user(change.user), "grade": change.new,
                            "attemptnumber": -1, "addattempt": 0, "workflowstate": "",
                            "plugindata": {"assignfeedbackcomments_editor": {
                                "text": change.comment, "format": 2}}}])  # 2: plain text

    def _user(self, participant):
        """The user id of a download's participant id; in a team assignment, of a group id
        (the download's team folder): the group's first member."""
        if self._users is None:
            people = self._call("mod_assign_list_participants", assignid=self._assignment,
                                groupid=0, filter="")
            self._users = {str(p.get("recordid") or p["id"]): str(p["id"]) for p in people}
            self._teams = {}
            for person in people:
                if person.get("groupid"):
                    self._teams.setdefault(str(person["groupid"]), str(person["id"]))
        if participant in self._teams:
            return self._teams[participant]
        if participant not in self._users:
            raise PublishError(f"Moodle: participant {participant} is not in this assignment")
        return self._users[participant]

    def _call(self, function, **params):
        data = {"wstoken": self._token, "wsfunction": function, "moodlewsrestformat": "json",
                **_flatten(params)}
        # the token travels in the body, so no error message or log line holds it
        response = request("Moodle", "POST", self._endpoint, data=data)
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
