"""The web service (Flask; ``serve`` runs it under waitress): the LTI launch and the pages.

Every page but the launch itself needs a session made by a valid launch: pylti1p3 checks
the platform's signature, the audience, the deployment, the state and the nonce, and a
launch is used once (a replayed id_token is refused). Forms carry the session's CSRF
token. A student sees only their own attempts; an instructor (by the launch's roles) sees
the course's. Nothing is graded here: uploads are checked and queued for the worker.
"""
import hmac
import secrets
import tempfile
import time
from contextlib import closing
from pathlib import Path

from flask import Flask, Response, abort, redirect, request, session
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from .. import assignments
from ..i18n import N_
from ..notebook import NotebookError, read_cells
from ..reports import file_stem
from ..reports.pages import report
from ..reports.render import render
from ..store import Store
from . import claims, views
from .attempts import Attempts


def create_app(settings, data, out, lang="en"):
    """The Flask app for ``settings``; attempts kept in ``data``, grades in ``out``."""
    app = Flask(__name__)
    app.secret_key = settings.session_secret()
    app.config.update(MAX_CONTENT_LENGTH=settings.upload_limit, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      SESSION_COOKIE_SAMESITE="None" if settings.secure_cookies else "Lax")
    config, queue, out = settings.tool_config(), Attempts(data), Path(out)

    @app.route("/lti/jwks")
    def jwks():
        return settings.jwks()

    @app.route("/lti/login", methods=["GET", "POST"])
    def login():
        try:
            return FlaskOIDCLogin(FlaskRequest(), config).redirect(f"{settings.url}/lti/launch")
        except Exception as error:  # pylti1p3 raises plain Exceptions for unknown platforms
            return views.refused(_why(error), lang), 403

    @app.route("/lti/launch", methods=["POST"])
    def launch():
        message = FlaskMessageLaunch(FlaskRequest(), config)
        try:
            body = message.get_launch_data()
        except Exception as error:  # as above: a launch that does not check out
            return views.refused(_why(error), lang), 403
        if not queue.use_launch(f"{body['iss']}\0{body['nonce']}"):
            return views.refused(views.USED, lang), 403
        session.clear()
        session["csrf"] = secrets.token_urlsafe(24)
        staff = message.check_teacher_access() or message.check_teaching_assistant_access()
        base = claims.person(body, staff)
        if message.is_deep_link_launch():
            if not staff:
                return views.refused(views.NOT_STAFF, lang), 403
            session["deep_link"] = {**base, "settings": claims.deep_link_settings(body)}
            return views.page(N_("Place an assignment"), views.picker(
                assignments.NAMES, session["csrf"], lang), lang)
        name, lineitem, late = claims.placement(body)
        name = name or request.args.get("assignment", "")
        if name not in assignments.NAMES:
            return views.refused(views.NO_ASSIGNMENT, lang), 400
        session["launch"] = {**base, "assignment": name, "lineitem": lineitem, "late": late}
        return redirect("/lti/")

    @app.route("/lti/")
    def home():
        launch = _launch()
        mine = queue.of(launch)
        rule = settings.rule(launch["assignment"])
        return views.page(launch["assignment"], views.home(
            launch, mine, rule, session["csrf"], _wait(mine, rule), lang), lang)

    @app.route("/lti/submit", methods=["POST"])
    def submit():
        launch = _launch(form=True)
        mine, rule = queue.of(launch), settings.rule(launch["assignment"])
        if len(mine) >= rule.attempts or _wait(mine, rule):
            return views.page(N_("Not now"), views.notice(views.NO_ATTEMPT_LEFT, lang),
                              lang), 429
        upload = request.files.get("notebook")
        data = upload.read() if upload else b""
        kind = _kind(data, upload.filename if upload else "")
        problem = _unreadable(data, kind, lang)
        if problem:
            return views.page(N_("Not a notebook"), views.notice(problem, lang, problem
                                                                 is not views.NO_FILE),
                              lang), 400
        return redirect(f"/lti/attempt/{queue.add(data, kind, launch)}", 303)

    @app.route("/lti/attempt/<attempt_id>")
    def attempt(attempt_id):
        launch, found = _launch(), queue.get(attempt_id)
        if not found or not _may_see(launch, found):
            abort(404)
        if found["status"] in ("queued", "grading"):
            return views.page(N_("Grading"), views.waiting(found, lang), lang, refresh=1)
        if found["status"] == "failed":
            return views.page(N_("Not graded"), views.notice(found["error"] or "", lang,
                                                             translated=True), lang)
        page = (out / found["assignment"] / "lti" / attempt_id / "feedback" /
                f"{file_stem(found['user'])}.html")
        if not page.is_file():  # out/ was cleared since: grade it again to see it
            return views.page(N_("Not kept"), views.notice(views.NOT_KEPT, lang), lang)
        return Response(page.read_text(encoding="utf-8"), mimetype="text/html")

    @app.route("/lti/report")
    def class_report():
        launch = _launch(staff=True)
        name, records = launch["assignment"], []
        if (out / name / "grades.sqlite").is_file():  # else nothing is graded yet
            with closing(Store(out / name / "grades.sqlite")) as store:
                records = store.records(name)
        return report(records, assignments.questions(name), {"assignment": name},
                      lambda student: student, lang)

    @app.route("/lti/feedback/<student>.html")
    def latest_feedback(student):
        launch = _launch(staff=True)
        graded = [a for a in queue.of(launch, everyone=True)
                  if a["user"] == student and a["status"] == "graded"]
        if not graded:
            abort(404)
        return redirect(f"/lti/attempt/{graded[0]['id']}")

    @app.route("/lti/attempts")
    def every_attempt():
        launch = _launch(staff=True)
        return views.page(N_("Every attempt"), views.everyone(
            queue.of(launch, everyone=True), session["csrf"], lang), lang)

    @app.route("/lti/regrade/<attempt_id>", methods=["POST"])
    def regrade(attempt_id):
        launch, found = _launch(staff=True, form=True), queue.get(attempt_id)
        if not found or not _may_see(launch, found):
            abort(404)
        queue.requeue(attempt_id)
        return redirect("/lti/attempts", 303)

    @app.route("/lti/post-again", methods=["POST"])
    def post_again():
        queue.post_again(_launch(staff=True, form=True))
        return redirect("/lti/attempts", 303)

    @app.route("/lti/place", methods=["POST"])
    def place():
        link = session.get("deep_link")
        name = request.form.get("assignment", "")
        if not link or not _csrf_ok() or name not in assignments.NAMES:
            abort(403)
        registration = config.find_registration_by_params(link["issuer"], link["client_id"])
        points = float(sum(assignments.questions(name).values()))
        resource = (DeepLinkResource().set_url(f"{settings.url}/lti/launch")
                    .set_title(name.replace("_", " ").capitalize())
                    .set_custom_params({"assignment": name})
                    .set_lineitem(LineItem().set_score_maximum(points).set_label(name)))
        token = DeepLink(registration, link["deployment"], link["settings"]) \
            .get_response_jwt([resource])
        return views.deep_link_return(link["settings"].get("deep_link_return_url", ""), token,
                                      lang)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", views.POLICY)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _launch(staff=False, form=False):
        """The session's launch, or 403: every page needs one (an instructor's for
        ``staff``, and the form's CSRF token for ``form``)."""
        launch = session.get("launch")
        if not launch or (staff and not launch["instructor"]) or (form and not _csrf_ok()):
            abort(403)
        return launch

    return app


def _csrf_ok():
    sent, kept = request.form.get("csrf", ""), session.get("csrf", "")
    return bool(kept) and hmac.compare_digest(sent.encode(), kept.encode())


def _may_see(launch, attempt):
    same_course = (attempt["issuer"], attempt["context"], attempt["assignment"]) == (
        launch["issuer"], launch["context"], launch["assignment"])
    return same_course and (launch["instructor"] or attempt["user"] == launch["user"])


def _wait(mine, rule):
    """Seconds until the student may submit again (0: now)."""
    if not mine:
        return 0
    return max(0, int(mine[0]["created"] + rule.cooldown - time.time()))


def _kind(data, name):
    """What was uploaded, as the suffix it is kept with: an otter export zip, a notebook
    downloaded as Python (graded as ``grade`` grades one), or a notebook."""
    if data[:2] == b"PK":
        return ".zip"
    return ".py" if (name or "").lower().endswith(".py") else ".ipynb"


def _unreadable(data, kind, lang):
    """Why ``data`` is not a notebook, an otter export zip or a script (``kind``) the
    grader can read; None when it is one."""
    if not data:
        return views.NO_FILE
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{kind}"
        path.write_bytes(data)
        try:
            read_cells(path)
        except NotebookError as error:
            return render(error.message, "text", lang)
    return None


def _why(error):
    """What a refused launch is told: pylti1p3's reason, or that the platform is unknown."""
    return str(error)[:200] if isinstance(error, LtiException) else views.UNKNOWN
