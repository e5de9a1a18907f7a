"""The tool's own pages, in the course's language (the feedback and class report pages are
the reports' own): small, escaped, no script but the deep-link return, which carries a
nonce of its own."""
import html
import secrets
from datetime import datetime, timezone

from flask import Response

from ..i18n import N_
from ..reports.feedback import _

POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
          "form-action 'self'")
STYLE = ("body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;max-width:44rem;margin:0 auto;"
         "padding:1rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;"
         "padding:.3rem .5rem;border-bottom:1px solid #e4e7eb}.muted{color:#616e7c}"
         "button{font:inherit;padding:.3rem .8rem}")
# Why a launch or a page was refused (web.py), said to whoever opened it.
USED = N_("this launch was already used")
NOT_STAFF = N_("only an instructor can place an assignment")
NO_ASSIGNMENT = N_("this link names no torchgrade assignment")
UNKNOWN = N_("the LMS or the tool's registration there is not the one lti.yaml names")
NO_ATTEMPT_LEFT = N_("You have no attempt left now: see the assignment page.")
NO_FILE = N_("Choose your notebook (.ipynb) to submit.")
NOT_KEPT = N_("This attempt's page is no longer kept; ask for a regrade.")
BACK = N_("Back to the assignment")
NONE_YET = N_("No attempt yet.")
ALL_USED = N_("You have used every attempt.")
SUBMIT = N_("Submit")
REPORT = N_("Class report")
EVERY = N_("Every attempt")
REFRESHES = N_("This page refreshes by itself.")
POSTED = N_("posted")
REGRADE = N_("Regrade")
POST_AGAIN = N_("Post all grades again")
CONTINUE = N_("Continue")
LAUNCH_NEEDED = N_("This page needs a launch from your course: {reason}. Open the assignment "
                   "again from the LMS.")
AGAIN_IN = N_("You can submit again in {seconds} s.")
LEFT = N_("{left} attempt(s) left; {cooldown:g} s between two.")
LATE = N_("Past the due date: this attempt is marked late.")
STATUS = {"queued": N_("queued"), "grading": N_("grading"), "graded": N_("graded"),
          "failed": N_("failed")}


def page(title, body, lang, refresh=None):
    meta = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    return (f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">{meta}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_t(title, lang)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_t(title, lang)}</h1>{body}</body></html>")


def refused(reason, lang):
    """A page for a refused launch or a page opened without one; ``reason`` is one of the
    phrases above, or pylti1p3's own words (shown as they are)."""
    said = _(reason, lang) if reason in (USED, NOT_STAFF, NO_ASSIGNMENT, UNKNOWN) else reason
    return page(N_("Not allowed"), "<p>" + _t(LAUNCH_NEEDED, lang, reason=said) + "</p>", lang)


def notice(text, lang, translated=False):
    """A sentence and the way back: one of the phrases above, or (``translated``) text
    already in the page's language, such as why an upload is not a notebook."""
    shown = _e(text) if translated else _t(text, lang)
    return (f"<p>{shown}</p><p><a href='/lti/'>"
            f"{_t(BACK, lang)}</a></p>")


def home(launch, attempts, rule, csrf, wait, lang):
    """The assignment's page: the student's attempts, and the upload form."""
    left = rule.attempts - len(attempts)
    rows = "".join(
        f"<tr><td><a href='/lti/attempt/{_e(a['id'])}'>{_when(a['created'])}</a></td>"
        f"<td>{_t(STATUS.get(a['status'], a['status']), lang)}</td><td>{_score(a)}</td></tr>"
        for a in attempts)
    head = _head((N_("submitted"), N_("status"), N_("score")), lang)
    table = (f"<table>{head}{rows}</table>" if attempts else
             f"<p class='muted'>{_t(NONE_YET, lang)}</p>")
    if left <= 0:
        form = f"<p>{_t(ALL_USED, lang)}</p>"
    elif wait:
        form = "<p>" + _t(AGAIN_IN, lang, seconds=wait) + "</p>"
    else:
        form = (f"<form method='post' action='/lti/submit' enctype='multipart/form-data'>"
                f"<input type='hidden' name='csrf' value='{_e(csrf)}'>"
                f"<p><input type='file' name='notebook' accept='.ipynb,.zip,.py' required> "
                f"<button type='submit'>{_t(SUBMIT, lang)}</button></p></form>"
                "<p class='muted'>" + _t(LEFT, lang, left=left, cooldown=rule.cooldown)
                + "</p>")
    staff = (f"<p><a href='/lti/report'>{_t(REPORT, lang)}</a> · <a href="
             f"'/lti/attempts'>{_t(EVERY, lang)}</a></p>"
             if launch["instructor"] else "")
    late = f"<p><strong>{_t(LATE, lang)}</strong></p>" if launch.get("late") else ""
    return f"<p>{_e(launch['name'])}</p>{late}{staff}{form}{table}"


def waiting(attempt, lang):
    state = (N_("Waiting for a grader…") if attempt["status"] == "queued" else
             N_("Running your notebook…"))
    return f"<p>{_t(state, lang)} {_t(REFRESHES, lang)}</p>"


def everyone(attempts, csrf, lang):
    """Every attempt of the course, each with a regrade button, and "post all again"."""
    token = f"<input type='hidden' name='csrf' value='{_e(csrf)}'>"
    rows = "".join(
        f"<tr><td>{_e(a['name'])}</td><td><a href='/lti/attempt/{_e(a['id'])}'>"
        f"{_when(a['created'])}</a></td><td>{_t(STATUS.get(a['status'], a['status']), lang)}"
        f"</td><td>{_score(a)}</td><td>"
        f"{_t(POSTED, lang) if a['posted'] else _e(a['error'] or '')}</td><td>"
        f"<form method='post' action='/lti/regrade/{_e(a['id'])}'>{token}<button>"
        f"{_t(REGRADE, lang)}</button></form></td></tr>" for a in attempts)
    head = _head((N_("student"), N_("submitted"), N_("status"), N_("score"), "LMS", ""), lang)
    return (f"<form method='post' action='/lti/post-again'>{token}<button>"
            f"{_t(POST_AGAIN, lang)}</button></form><table>{head}{rows}</table>")


def picker(names, csrf, lang):
    """Deep Linking: one button per assignment."""
    buttons = "".join(f"<p><button name='assignment' value='{_e(n)}'>"
                      f"{_e(n.replace('_', ' ').capitalize())}</button></p>" for n in names)
    return (f"<form method='post' action='/lti/place'><input type='hidden' name='csrf' "
            f"value='{_e(csrf)}'>{buttons}</form>")


def deep_link_return(url, token, lang):
    """The signed answer to a Deep Linking request, posted back to the platform."""
    nonce = secrets.token_urlsafe(16)
    body = page(N_("Placing the assignment"), (
        f"<form id='back' method='post' action='{_e(url)}'><input type='hidden' name='JWT' "
        f"value='{_e(token)}'><button>{_t(CONTINUE, lang)}</button></form>"
        f"<script nonce='{nonce}'>document.getElementById('back').submit()</script>"), lang)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
        "form-action https: http://127.0.0.1:* http://localhost:*")
    return response


def _t(text, lang, **values):
    """A phrase in ``lang``, HTML-escaped."""
    return html.escape(_(text, lang, **values))


def _head(words, lang):
    return "<tr>" + "".join(f"<th>{_t(word, lang) if word else ''}</th>" for word in words) \
        + "</tr>"


def _e(text):
    return html.escape(str(text), quote=True)


def _when(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _score(attempt):
    if attempt["score"] is None:
        return ""
    return f"{attempt['score']:g} / {attempt['max_score']:g}"
