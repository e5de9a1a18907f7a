"""The ``publish`` command: the course's LMS and its settings checked once, then the graded
records sent through that LMS's API (publish.py), or previewed from the store alone when
no token is set."""
import sys
from urllib.parse import urlparse

from ..config import ConfigError
from ..discovery import printable
from ..reports.feedback import comment, comment_html
from ..store import Store
from . import blackboard_api, brightspace_api, canvas_api, moodle_api
from .publish import Change, publish, table

API = ("canvas", "moodle", "blackboard", "brightspace")  # the LMSs publish sends to


def send(course, name, results, kind, apply=False, log=print):
    """Publish the records of assignment ``name`` graded into ``results`` to ``kind``
    (course.yaml's lms unless given). Without a token, a dry run shows what would be sent
    without asking the LMS; ConfigError names exactly what is missing."""
    if kind == "gradescope":
        raise ConfigError("publish does not send to gradescope: its autograder sends the "
                          "grades (make dist)")
    if kind not in API:
        raise ConfigError(f"publish needs to know the LMS: set lms ({', '.join(API)}) in "
                          "course.yaml, or pass --lms")
    assignment = course.assignments.get(name)
    lms_id = assignment.lms_id if assignment else ""
    if course.token:
        print("warning: course.yaml holds the LMS token, where anyone who can read the file "
              "can use it: delete it there and set TORCHGRADE_LMS_TOKEN instead",
              file=sys.stderr)
    missing = [key for key, value in (
        ("url in course.yaml (or TORCHGRADE_LMS_URL)", course.address),
        (f"lms_id of {name} under assignments: in course.yaml", lms_id),
        ("course_id in course.yaml", course.course_id or kind == "moodle")) if not value]
    if not course.secret and (apply or missing):
        missing.append("the token in TORCHGRADE_LMS_TOKEN"
                       + (" (<key>:<secret>)" if kind == "blackboard" else ""))
    if missing:
        raise ConfigError(f"publish to {kind} needs {' and '.join(missing)}")
    address = urlparse(course.address)
    if address.scheme not in ("http", "https") or not address.netloc:
        raise ConfigError(f"url {course.address!r} is not a web address: write it as "
                          "https://lms.example.edu")
    store = Store(results / "grades.sqlite")
    records = store.records(name)
    store.close()
    held = [r.student for r in records if r.flags] if course.flagged == "hold" else []
    if held:
        log(f"{len(held)} flagged for review and held (flagged: hold), not sent: "
            + printable(", ".join(held)))
        records = [r for r in records if not r.flags]
    text = comment_html if kind == "blackboard" else comment  # Blackboard's feedback is HTML
    words = lambda record: text(record, course.language)  # noqa: E731
    if not course.secret:
        return _preview(records, kind, words, log)
    if kind == "canvas":
        remote = canvas_api.Remote(course.address, course.secret, course.course_id, lms_id)
    elif kind == "blackboard":
        remote = blackboard_api.Remote(course.address, course.secret, course.course_id, lms_id)
    elif kind == "brightspace":
        remote = brightspace_api.Remote(course.address, course.secret, course.course_id,
                                        lms_id)
    else:
        remote = moodle_api.Remote(course.address, course.secret, lms_id)
    return publish(records, remote, words, apply=apply, log=log)


def _preview(records, kind, words, log):
    """What would be sent, from the store alone (grades on this project's scale)."""
    changes = [Change(r.identity.user_id or r.student, r.identity.name, None, r.score,
                      words(r), True, True) for r in records]
    log(table(changes))
    log(f"preview: no token is set, so {kind} was not asked what it holds and nothing was "
        f"sent; grades are shown out of {records[0].max_score:g} if the LMS scales them. Set "
        "TORCHGRADE_LMS_TOKEN to compare with the LMS and send." if records else
        "preview: nothing graded to send")
    return changes
