"""Blackboard Learn's public REST API: grades and feedback published (publish.py) into a
Grade Centre column, authorised by OAuth2 client credentials (the REST application's key
and secret)."""
from .publish import PublishError, reply_json, request

API = "/learn/api/public"


class Remote:
    """One Grade Centre column through ``…/v2/courses/{course}/gradebook/columns/{column}``:
    its points possible, each student's grade (``/users/userName:{username}``: score and
    feedback) and a PATCH of score and feedback. ``credentials`` is "<key>:<secret>"."""
    lms = "blackboard"

    def __init__(self, url, credentials, course_id, column_id):
        key, _, secret = credentials.partition(":")
        if not key or not secret:
            raise PublishError("Blackboard: TORCHGRADE_LMS_TOKEN must be the REST "
                               "application's <key>:<secret>")
        self._url, self._auth = url.rstrip("/"), (key, secret)
        course = str(course_id)
        self._course = course if course.startswith(("_", "courseId:", "uuid:")) \
            else f"courseId:{course}"
        column = str(column_id)
        self._column = f"_{column}_1" if column.isdigit() else column  # the Grade Centre's |id
        self._token = self._possible = None

    def state(self, user):
        grade = self._call("GET", f"/users/userName:{user}", missing_ok=True) or {}
        return grade.get("score"), [grade.get("feedback") or ""]

    def points(self, record):
        """The score on the column's own scale (its points possible)."""
        if self._possible is None:
            column = self._call("GET", "")
            self._possible = float((column.get("score") or {}).get("possible") or 0)
            if self._possible <= 0:
                raise PublishError(f"Blackboard: column {self._column} has no points possible")
        return round(record.score * self._possible / record.max_score, 2)

    def send(self, change):
        body = {"feedback": change.comment}
        if change.send_grade:
            body["score"] = change.new
        self._call("PATCH", f"/users/userName:{change.user}", json=body)

    def _call(self, method, path, missing_ok=False, **body):
        url = (f"{self._url}{API}/v2/courses/{self._course}/gradebook/columns/"
               f"{self._column}{path}")
        for fresh in (False, True):
            response = request("Blackboard", method, url, headers={
                "Authorization": f"Bearer {self._bearer(fresh)}"}, **body)
            if response.status_code != 401:
                break
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (401, 403):
            raise PublishError(f"Blackboard: HTTP {response.status_code}: the application "
                               "may not grade this course (check its entitlements)")
        if response.status_code == 404:
            raise PublishError("Blackboard: not found (HTTP 404); check url and course_id in "
                               "course.yaml, the assignment's lms_id, and the username")
        if response.status_code >= 400:
            raise PublishError(f"Blackboard refused {method} (HTTP {response.status_code})")
        return reply_json("Blackboard", response)

    def _bearer(self, fresh):
        """The OAuth2 access token, asked for again when ``fresh`` (the last one expired)."""
        if self._token is None or fresh:
            response = request("Blackboard", "POST", f"{self._url}{API}/v1/oauth2/token",
                               data={"grant_type": "client_credentials"}, auth=self._auth)
            if response.status_code in (400, 401):
                raise PublishError("Blackboard: the application key and secret were refused "
                                   f"(HTTP {response.status_code}); set TORCHGRADE_LMS_TOKEN "
                                   "to <key>:<secret>")
            try:
                self._token = response.json()["access_token"]
            except (ValueError, KeyError, TypeError):
                raise PublishError(f"Blackboard: no access token in the reply (HTTP "
                                   f"{response.status_code}); check url in course.yaml") \
                    from None
        return self._token
