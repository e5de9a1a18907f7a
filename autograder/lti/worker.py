"""The grading worker: a process of its own that grades what the web service queued, one
attempt at a time, and posts each score to the LMS's line item (Assignment and Grade
Services, through pylti1p3's service connector: an OAuth2 token from a JWT signed with
the tool's key, kept until it expires).

A score is marked posted only once the LMS has acknowledged it; until then it is tried
again, 2, 4, 8... seconds apart. On start, what a stopped worker left half graded is queued
again. Grades go into ``out/<assignment>/grades.sqlite``, the store ``make grade`` and
``publish`` use, under the student's LMS user id.
"""
import json
import signal
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pylti1p3.exception import LtiException
from pylti1p3.service_connector import ServiceConnector
from requests import RequestException

from ..pipeline import derive_limits, grade, make_backend
from ..records import Identity, Submission
from ..reports.feedback import comment
from ..store import Store
from .attempts import Attempts

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
POLL = 0.2  # seconds between looks at an empty queue


def run(settings, data, out, lang="en", stop=None, scheduler=None):
    """Grade and post until ``stop`` (a multiprocessing Event) is set, or for ever; on this
    machine, or on the Dask cluster whose scheduler is at ``scheduler``."""
    signal.signal(signal.SIGTERM, interrupted)
    queue = Attempts(data)
    queue.requeue()  # what a stopped worker was grading
    config, limits, retried = settings.tool_config(), {}, set()
    try:
        while stop is None or not stop.is_set():
            with make_backend(1, scheduler) as backend:  # a fresh one after an error of ours
                while stop is None or not stop.is_set():
                    attempt = queue.claim()
                    error = attempt and grade_attempt(attempt, queue, backend, limits,
                                                      Path(out), lang)
                    # An error of ours: the attempt is graded once more on a fresh
                    # backend (a sandbox zygote that died is not used again), then failed.
                    if error:
                        if attempt["id"] in retried:
                            queue.failed(attempt["id"], error)
                        else:
                            retried.add(attempt["id"])
                            queue.requeue(attempt["id"])
                        break
                    for due in queue.to_post():
                        post(due, queue, config)
                    if attempt is None:
                        time.sleep(POLL)
    except KeyboardInterrupt:
        pass
    finally:
        queue.close()


def interrupted(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops a worker or the service as Ctrl-C does


def grade_attempt(attempt, queue, backend, limits, out, lang):
    """Grade one attempt into out/<assignment>/ (its feedback page under lti/<id>/);
    returns None, or what went wrong when the error is ours, not the notebook's."""
    name = attempt["assignment"]
    folder = out / name
    submission = Submission(attempt["user"], queue.notebook(attempt["id"]), identity=Identity(
        name=attempt["name"], lms="lti", user_id=attempt["user"], late=bool(attempt["late"]),
        attempt=datetime.fromtimestamp(attempt["created"], timezone.utc).isoformat()))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if name not in limits:
            limits[name] = derive_limits(backend, name, folder, log=lambda *_: None)
        records = grade(name, [], folder / "lti" / attempt["id"], limits=limits[name],
                        log=lambda *_: None, backend=backend, found=[submission], lang=lang,
                        similar=None)
    except Exception as error:  # ours (a bug, a sandbox zygote that died), not the notebook's
        return f"internal error: {type(error).__name__}"
    record = records[0]
    store = Store(folder / "grades.sqlite")
    try:
        store.put(record, f"lti:{attempt['id']}")
    finally:
        store.close()
    queue.graded(attempt["id"], record.score, record.max_score, comment(record, lang))
    return None


def post(attempt, queue, config):
    """Send an attempt's score (and a short comment) to its line item; mark it posted once
    the LMS says it has it."""
    registration = config.find_registration_by_params(attempt["issuer"], attempt["client_id"])
    if registration is None:
        queue.retry_later(attempt["id"], "the platform is no longer registered")
        return
    score = {"userId": attempt["user"], "scoreGiven": attempt["score"],
             "scoreMaximum": attempt["max_score"], "activityProgress": "Submitted",
             "gradingProgress": "FullyGraded",
             "timestamp": datetime.fromtimestamp(attempt["created"], timezone.utc).isoformat(),
             "comment": attempt["comment"] or ""}
    try:
        ServiceConnector(registration).make_service_request(
            [SCORE_SCOPE], scores_url(attempt["lineitem"]), is_post=True,
            data=json.dumps(score), content_type="application/vnd.ims.lis.v1.score+json")
    except (LtiException, RequestException, ValueError) as error:
        queue.retry_later(attempt["id"], f"the LMS did not take the score: "
                                         f"{type(error).__name__}")
        return
    queue.posted(attempt["id"])


def scores_url(lineitem):
    """The line item's scores endpoint (its path with /scores, its query kept)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


