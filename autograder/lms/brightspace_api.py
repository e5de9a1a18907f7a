"""D2L Brightspace's Valence REST API: grades and feedback published (publish.py) into a
grade item, with an OAuth 2 access token (TORCHGRADE_LMS_TOKEN) sent as a bearer token."""
from .publish import PublishError, reply_json, request


class Remote:
    """One numeric grade item of a course (org unit) through the Learning Environment API,
    at the newest version the server names (``GET /d2l/api/versions/le``): the item's
    MaxPoints, the classlist (which maps the Usernames of the grades export to user ids),
    each student's grade value (points and feedback) and a ``PUT`` of both. A student
    exempted from the item reads as grade ``EX`` and is left alone: a comment goes only
    with points."""
    lms = "brightspace"
    comment_alone = False

    def __init__(self, url, token, org_unit, grade_object):
        self._url, self._token = url.rstrip("/"), token
        self._org_unit, self._item = org_unit, grade_object
        self._base = self._users = self._maximum = None

    def state(self, user):
        value = self._call("GET", f"/grades/{self._item}/values/{self._user(user)}",
                           missing_ok=True) or {}
        comments = value.get("Comments") or {}
        grade = "EX" if value.get("IsExempt") else value.get("PointsNumerator")
        return grade, [comments.get("Text") or ""]

    def points(self, record):
        """The score on the grade item's own scale (its MaxPoints)."""
        if self._maximum is None:
            item = self._call("GET", f"/grades/{self._item}")
            self._maximum = float(item.get("MaxPoints") or 0)
            if item.get("GradeType") not in (None, "Numeric") or self._maximum <= 0:
                raise PublishError(f"Brightspace: grade item {self._item} is not a numeric "
                                   "item with points; give lms_id a numeric grade item's id")
        return round(record.score * self._maximum / record.max_score, 2)

    def send(self, change):
        self._call("PUT", f"/grades/{self._item}/values/{self._user(change.user)}", json={
            "GradeObjectType": 1, "PointsNumerator": change.new,  # 1: Numeric
            "Comments": {"Content": change.comment, "Type": "Text"}})

    def _user(self, username):
        """The user id of a student the grades export names by ``username``."""
        if self._users is None:
            people = self._call("GET", "/classlist/")
            self._users = {str(p.get("Username")).casefold(): str(p.get("Identifier"))
                           for p in people if p.get("Username") and p.get("Identifier")}
        if username.casefold() not in self._users:
            raise PublishError(f"Brightspace: {username} is not in the course's classlist")
        return self._users[username.casefold()]

    def _call(self, method, path, missing_ok=False, **body):
        if self._base is None:
            versions = self._get_json("GET", f"{self._url}/d2l/api/versions/le")
            latest = versions.get("LatestVersion") if isinstance(versions, dict) else None
            if not latest:
                raise PublishError("Brightspace: no Learning Environment API version in the "
                                   "reply to /d2l/api/versions/le; check url in course.yaml")
            self._base = f"{self._url}/d2l/api/le/{latest}/{self._org_unit}"
        return self._get_json(method, self._base + path, missing_ok, **body)

    def _get_json(self, method, url, missing_ok=False, **body):
        response = request("Brightspace", method, url,
                           headers={"Authorization": f"Bearer {self._token}"}, **body)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code == 401:
            raise PublishError("Brightspace: the token was refused (HTTP 401): set "
                               "TORCHGRADE_LMS_TOKEN to a valid OAuth 2 access token")
        if response.status_code == 403:
            raise PublishError("Brightspace: forbidden (HTTP 403): the token's user, or its "
                               "scopes, may not read the classlist or grade this course")
        if response.status_code == 404:
            raise PublishError("Brightspace: not found (HTTP 404); check url and course_id "
                               "(the org unit) in course.yaml, and the assignment's lms_id "
                               "(the grade item)")
        if response.status_code >= 400:
            raise PublishError(f"Brightspace refused {method} (HTTP {response.status_code})")
        return reply_json("Brightspace", response)
