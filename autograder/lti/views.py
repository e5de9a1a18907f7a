"""The tool's own pages (the feedback and class report pages are the reports' own): small,
escaped, no script but the deep-link return, which carries a nonce of its own."""
import html
import secrets
from datetime import datetime, timezone

from flask import Response

POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
          "form-action 'self'")
STYLE = ("body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;max-width:44rem;margin:0 auto;"
         "padding:1rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;"
         "padding:.3rem .5rem;border-bottom:1px solid #e4e7eb}.muted{color:#616e7c}"
         "button{font:inherit;padding:.3rem .8rem}")


def page(title, body, refresh=None):
    meta = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{meta}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1>{body}</body></html>")


def refused(reason):
    return page("Not allowed", f"<p>This page needs a launch from your course: {_e(reason)}. "
                "Open the assignment again from the LMS.</p>")


def notice(text):
    return f"<p>{_e(text)}</p><p><a href='/lti/'>Back to the assignment</a></p>"


def home(launch, attempts, rule, csrf, wait):
    """The assignment's page: the student's attempts, and the upload form."""
    left = rule.attempts - len(attempts)
    rows = "".join(
        f"<tr><td><a href='/lti/attempt/{_e(a['id'])}'>{_when(a['created'])}</a></td>"
        f"<td>{_e(a['status'])}</td><td>{_score(a)}</td></tr>" for a in attempts)
    table = (f"<table><tr><th>submitted</th><th>status</th><th>score</th></tr>{rows}</table>"
             if attempts else "<p class='muted'>No attempt yet.</p>")
    if left <= 0:
        form = "<p>You have used every attempt.</p>"
    elif wait:
        form = f"<p>You can submit again in {wait} s.</p>"
    else:
        form = (f"<form method='post' action='/lti/submit' enctype='multipart/form-data'>"
                f"<input type='hidden' name='csrf' value='{_e(csrf)}'>"
                f"<p><input type='file' name='notebook' accept='.ipynb,.zip' required> "
                f"<button type='submit'>Submit</button></p></form>"
                f"<p class='muted'>{left} attempt(s) left; {rule.cooldown:g} s between "
                f"two.</p>")
    staff = ("<p><a href='/lti/report'>Class report</a> · <a href='/lti/attempts'>Every "
             "attempt</a></p>" if launch["instructor"] else "")
    late = "<p><strong>Past the due date: this attempt is marked late.</strong></p>" \
        if launch.get("late") else ""
    return f"<p>{_e(launch['name'])}</p>{late}{staff}{form}{table}"


def waiting(attempt):
    state = "Waiting for a grader" if attempt["status"] == "queued" else "Running your notebook"
    return f"<p>{state}… this page refreshes by itself.</p>"


def everyone(attempts, csrf):
    """Every attempt of the course, each with a regrade button, and "post all again"."""
    token = f"<input type='hidden' name='csrf' value='{_e(csrf)}'>"
    rows = "".join(
        f"<tr><td>{_e(a['name'])}</td><td><a href='/lti/attempt/{_e(a['id'])}'>"
        f"{_when(a['created'])}</a></td><td>{_e(a['status'])}</td><td>{_score(a)}</td>"
        f"<td>{'posted' if a['posted'] else _e(a['error'] or '')}</td><td><form method='post' "
        f"action='/lti/regrade/{_e(a['id'])}'>{token}<button>Regrade</button></form></td>"
        "</tr>" for a in attempts)
    return (f"<form method='post' action='/lti/post-again'>{token}<button>Post all grades "
            f"again</button></form><table><tr><th>student</th><th>submitted</th><th>status"
            f"</th><th>score</th><th>LMS</th><th></th></tr>{rows}</table>")


def picker(names, csrf):
    """Deep Linking: one button per assignment."""
    buttons = "".join(f"<p><button name='assignment' value='{_e(n)}'>"
                      f"{_e(n.replace('_', ' ').capitalize())}</button></p>" for n in names)
    return (f"<form method='post' action='/lti/place'><input type='hidden' name='csrf' "
            f"value='{_e(csrf)}'>{buttons}</form>")


def deep_link_return(url, token):
    """The signed answer to a Deep Linking request, posted back to the platform."""
    nonce = secrets.token_urlsafe(16)
    body = page("Placing the assignment", (
        f"<form id='back' method='post' action='{_e(url)}'><input type='hidden' name='JWT' "
        f"value='{_e(token)}'><button>Continue</button></form>"
        f"<script nonce='{nonce}'>document.getElementById('back').submit()</script>"))
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
        "form-action https: http://127.0.0.1:* http://localhost:*")
    return response


def _e(text):
    return html.escape(str(text), quote=True)


def _when(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _score(attempt):
    if attempt["score"] is None:
        return ""
    return f"{attempt['score']:g} / {attempt['max_score']:g}"
