"""Canvas's REST API through canvasapi: grades and comments published (publish.py)."""
import re

import canvasapi
import canvasapi.exceptions as canvas_errors
import requests
from canvasapi.util import combine_kwargs

from .canvas import anonymous
from .publish import PublishError, Transient, unreachable


class Remote:
    """One Canvas assignment through canvasapi: each student's score and comments, and
    ``PUT …/submissions/:user_id`` with ``posted_grade`` and ``text_comment`` (by anonymous
    id under anonymous grading). An excused submission reads as grade ``EX``, kept."""
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
        submission = _call(lambda: _Anonymous(self._assignment, user) if anonymous(user)
                           else self._assignment.get_submission(
                               user, include=["submission_comments"]))
        self._submissions[user] = submission
        comments = getattr(submission, "submission_comments", None) or []
        grade = "EX" if getattr(submission, "excused", False) else getattr(submission, "score",
                                                                              None)
        return grade, [c.get("comment") or "" for c in comments]

    def points(self, record):
        """The score on the assignment's own scale (its points possible)."""
        possible = getattr(self._assignment, "points_possible", None) or 0
        if possible <= 0:
            raise PublishError(f"Canvas: assignment {self._ids[1]} is not graded in points")
        return round(record.score * possible / record.max_score, 2)

    def send(self, change):
        changes = {}
        if change.send_grade:
            changes["submission"] = {"posted_grade": f"{change.new:g}"}
        if change.send_comment:
            changes["comment"] = {"text_comment": change.comment}
        _call(lambda: self._submissions[change.user].edit(**changes))


class _Anonymous:
    """A submission under anonymous grading, by its anonymous id (``anon_<id>`` in the
    download): ``GET`` and ``PUT …/anonymous_submissions/:anonymous_id`` of Canvas's
    Submissions API, which canvasapi does not wrap; ``edit`` as canvasapi's Submission."""

    def __init__(self, assignment, user):
        self._requester = assignment._requester
        self._path = (f"courses/{assignment.course_id}/assignments/{assignment.id}/"
                      f"anonymous_submissions/{user.removeprefix('anon_')}")
        data = self._requester.request("GET", self._path, _kwargs=combine_kwargs(
            include=["submission_comments"])).json()
        self.score, self.excused = data.get("score"), data.get("excused")
        self.submission_comments = data.get("submission_comments") or []

    def edit(self, **changes):
        self._requester.request("PUT", self._path, _kwargs=combine_kwargs(**changes))


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
        raise unreachable("Canvas", error) from None
