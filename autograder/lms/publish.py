"""Publishing grades and comments through an LMS's API, the same way for every LMS.

Dry-run first: the table of changes (student, grade in the LMS now, new grade) is printed
and nothing is sent without ``apply``. Each student is one unit of work that re-reads what
the LMS holds before it writes, so a retry after a lost reply, a second publish, or a run
stopped half-way and started again never sends a grade or a comment twice. Rate limits
(HTTP 429) and transient errors (5xx, lost connections) are retried with backoff.
"""
import time
from dataclasses import dataclass

import requests

from ..discovery import printable

BACKOFF = 1.0  # seconds before the first retry; doubles each time
ATTEMPTS = 6


class PublishError(Exception):
    """The LMS refused the request for good (bad token, unknown course); one line."""


class Transient(Exception):
    """A failure worth retrying: rate limited, a server error, a lost connection."""

    def __init__(self, text, wait=None):
        super().__init__(text)
        self.wait = wait  # what the LMS asked for (Retry-After), if it said


# What a failed connection says when the address itself is wrong, which no retry mends
UNRESOLVED = ("Name or service not known", "NameResolutionError", "getaddrinfo failed",
              "nodename nor servname", "No address associated")


def request(lms, method, url, **options):
    """One HTTP request to an LMS: rate limits (429), server errors (5xx) and lost
    connections as Transient, an address that cannot be right as PublishError; any other
    reply is returned for its client to read."""
    try:
        response = requests.request(method, url, timeout=60, **options)
    except requests.RequestException as error:
        raise unreachable(lms, error) from None
    if response.status_code == 429 or response.status_code >= 500:
        wait = response.headers.get("Retry-After", "")
        raise Transient(f"{lms}: HTTP {response.status_code}",
                        float(wait) if wait.isdigit() else None)
    return response


def unreachable(lms, error):
    """A failed connection as Transient (retried), or as PublishError when the url's host
    does not exist or the url is malformed. The error's own text, which may hold the
    address, is never shown."""
    if (isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                           requests.exceptions.InvalidSchema))
            or any(words in str(error) for words in UNRESOLVED)):
        return PublishError(f"{lms}: the host in url cannot be found; check url in "
                            "course.yaml (or TORCHGRADE_LMS_URL)")
    return Transient(f"{lms}: connection failed ({type(error).__name__})")


def reply_json(lms, response):
    """The JSON body of an LMS's reply ({} when it is empty), or PublishError."""
    try:
        return response.json() if response.content else {}
    except ValueError:
        raise PublishError(f"{lms}: a reply is not JSON; check url in course.yaml") from None


@dataclass
class Change:
    user: str       # the LMS's id for the student
    name: str
    old: object     # the grade the LMS holds now (None: no grade)
    new: float
    comment: str
    send_grade: bool
    send_comment: bool


def publish(records, remote, comment, apply=False, log=print):
    """Compare each record with the LMS and, with ``apply``, send what differs. ``remote``
    has ``state(user) -> (grade or None, [comment texts])``, ``points(record)`` (the grade
    on the LMS's scale) and ``send(change)``; a grade that is text (Canvas's ``EX``,
    excused) is the teacher's decision: it is kept, and only the comment is sent, where
    the LMS takes a comment alone (``remote.comment_alone``, default True).
    Returns the changes that were (or, dry, would be) sent."""
    changes, skipped, kept = [], [], []
    for record in records:
        user = record.identity.user_id
        if not user or record.identity.lms != remote.lms:
            skipped.append(record.student)
            continue
        change = _retry(lambda: _compare(remote, record, user, comment(record)), log)
        if change.send_grade or change.send_comment:
            changes.append(change)
        if isinstance(change.old, str):
            kept.append(f"{change.user} ({change.old})")
    log(table(changes) if changes else f"{remote.lms} already holds these grades and comments: "
        "nothing to send")
    if kept:
        log(f"{len(kept)} excused or exempted in {remote.lms}: grade left so"
            + ("" if getattr(remote, "comment_alone", True) else ", and no comment sent")
            + ": " + printable(", ".join(kept)))
    if skipped:
        log(f"{len(skipped)} with no {remote.lms} id (not from a {remote.lms} download, or "
            "matched to no one in its roster), not sent: "
            + printable(", ".join(skipped)))
    if not apply:
        if changes:
            log(f"dry run: nothing was sent. Add --yes to send these {len(changes)} change(s).")
        return changes
    for number, change in enumerate(changes, 1):
        _retry(lambda: _send_if_needed(remote, change), log)
        log(f"[{number}/{len(changes)}] sent {change.user}")
    return changes


def _compare(remote, record, user, text):
    grade, comments = remote.state(user)
    new = remote.points(record)
    return Change(user, record.identity.name, grade, new, text, _differs(grade, new),
                  _comment_differs(remote, grade, comments, text))


def _differs(grade, new):
    """Whether ``new`` is to be sent over ``grade`` (None: no grade; text: kept)."""
    return grade is None or (not isinstance(grade, str) and abs(float(grade) - new) >= 0.005)


def _comment_differs(remote, grade, comments, text):
    if isinstance(grade, str) and not getattr(remote, "comment_alone", True):
        return False  # it would go with a grade, over the kept one
    return text.strip() not in [c.strip() for c in comments]


def _send_if_needed(remote, change):
    """Re-read, then send only what is still missing: safe to repeat after any failure."""
    grade, comments = remote.state(change.user)
    change.send_grade = _differs(grade, change.new)
    change.send_comment = _comment_differs(remote, grade, comments, change.comment)
    if change.send_grade or change.send_comment:
        remote.send(change)


def _retry(work, log):
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except Transient as error:
            if attempt == ATTEMPTS - 1:
                raise PublishError(f"{error}; gave up after {ATTEMPTS} tries: run the same "
                                   "command again later, nothing will be sent twice") from None
            wait = error.wait if error.wait is not None else BACKOFF * 2 ** attempt
            log(f"{error}; retrying in {wait:g} s")
            time.sleep(wait)


def table(changes):
    """The changes as aligned text: student, name, grade now, new grade, comment."""
    rows = [("student", "name", "now", "new", "comment")] + [
        (printable(c.user), printable(c.name)[:30], "-" if c.old is None else
         printable(c.old) if isinstance(c.old, str) else f"{float(c.old):g}",
         f"{c.new:g}" if c.send_grade else "(kept)" if isinstance(c.old, str) else "(same)",
         "new" if c.send_comment else "")
        for c in changes]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows)
