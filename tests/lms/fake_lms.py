"""A local HTTP server implementing the Canvas, Moodle, Blackboard Learn and Brightspace
endpoints that publish uses, recording every request; failures can be queued to test
retries."""
import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "s3cret-T0KEN-never-shown"
SUBMISSION = re.compile(r"/api/v1/courses/(\d+)/assignments/(\d+)/"
                        r"(submissions/\d+|anonymous_submissions/\w+)")
BB_KEY = "app-key:bb-s3cret-never-shown"  # Blackboard's "<application key>:<secret>"
D2L_VALUE = re.compile(r"/d2l/api/le/1\.80/6606/grades/(?P<item>\d+)(?:/values/(?P<user>\d+))?")
D2L_CLASSLIST = {"ada.lovelace": "3001", "Grace.Hopper": "3002"}  # Username: Identifier
BB_COLUMN = re.compile(r"/learn/api/public/v2/courses/courseId:C1/gradebook/columns/_8812_1"
                       r"(?:/users/userName:(?P<user>[^/]+))?")


class FakeLMS:
    def __init__(self):
        self.requests = []       # (method, path, headers, form)
        self.grades = {}         # user -> grade
        self.comments = {}       # user -> [texts] (Canvas appends; Moodle replaces)
        self.excused = set()     # users excused (Canvas) or exempted (Brightspace)
        self.fail = []           # [(method, path fragment, status, apply first)] used once each
        self.participants = {}   # Moodle participant id -> user id
        self.groups = {}         # Moodle user id -> group id (a team assignment)
        self.maximum = 7         # the assignment's maximum grade (points possible), in all
        self.bearers = []        # Blackboard access tokens handed out; only the last is valid
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self, "GET")

            def do_PUT(self):
                server.handle(self, "PUT")

            def do_POST(self):
                server.handle(self, "POST")

            def do_PATCH(self):
                server.handle(self, "PATCH")

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()

    def sent(self, method):
        return [r for r in self.requests if r[0] == method]

    def handle(self, request, method):
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        form = (json.loads(raw) if raw.startswith("{") else parse_qs(raw)) if raw else {}
        url = urlparse(request.path)
        with self.lock:
            self.requests.append((method, request.path, dict(request.headers), form))
            failure = next((f for f in self.fail if f[0] == method and f[1] in url.path), None)
            if failure:
                self.fail.remove(failure)
                if failure[3]:  # the change lands, but the reply is lost
                    self.route(method, url, form, request.headers)
                return self.reply(request, failure[2], {"errors": "injected"})
            status, body = self.route(method, url, form, request.headers)
        self.reply(request, status, body)

    def route(self, method, url, form, headers):
        if url.path.startswith("/api/v1/"):
            if headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, {"errors": [{"message": "Invalid access token."}]}
            return self.canvas(method, url, form)
        if url.path == "/webservice/rest/server.php":
            return self.moodle(form)
        if url.path.startswith("/learn/api/public/"):
            return self.blackboard(method, url, form, headers)
        if url.path.startswith("/d2l/api/"):
            if headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, {"Errors": [{"Message": "Invalid token"}]}
            return self.brightspace(method, url, form)
        return 404, {}

    def brightspace(self, method, url, form):
        """Versions, the classlist, a numeric grade item (id 91) and its grade values, in
        the shapes of Brightspace's Learning Environment API."""
        if url.path == "/d2l/api/versions/le":
            return 200, {"ProductCode": "le", "LatestVersion": "1.80",
                         "SupportedVersions": ["1.79", "1.80"]}
        if url.path == "/d2l/api/le/1.80/6606/classlist/":
            return 200, [{"Identifier": ident, "Username": name, "DisplayName": name,
                          "OrgDefinedId": f"s{ident}"} for name, ident in D2L_CLASSLIST.items()]
        match = D2L_VALUE.fullmatch(url.path)
        if not match or match["item"] != "91":
            return 404, {"Errors": [{"Message": "Not Found"}]}
        if match["user"] is None:
            return 200, {"Id": 91, "Name": "Week 1", "GradeType": "Numeric",
                         "MaxPoints": self.maximum}
        user = match["user"]
        if method == "PUT":
            if form.get("GradeObjectType") != 1:
                return 400, {"Errors": [{"Message": "GradeObjectType"}]}
            self.grades[user] = float(form["PointsNumerator"])
            self.comments[user] = [form["Comments"]["Content"]]  # replaces, as Moodle does
            return 200, {}
        if user in self.excused:  # exempted from the item
            return 200, {"UserId": int(user), "PointsNumerator": None, "IsExempt": True}
        if user not in self.grades:
            return 404, {"Errors": [{"Message": "Not Found"}]}
        text = self.comments.get(user, [""])[-1]
        return 200, {"UserId": int(user), "PointsNumerator": self.grades[user],
                     "PointsDenominator": self.maximum, "DisplayedGrade": "",
                     "Comments": {"Text": text, "Html": f"<p>{text}</p>"}}

    def blackboard(self, method, url, form, headers):
        if url.path == "/learn/api/public/v1/oauth2/token":
            basic = "Basic " + base64.b64encode(BB_KEY.encode()).decode()
            if headers.get("Authorization") != basic or form.get("grant_type") != [
                    "client_credentials"]:
                return 401, {"error": "invalid_client"}
            self.bearers.append(f"bearer-{len(self.bearers)}")
            return 200, {"access_token": self.bearers[-1], "token_type": "bearer",
                         "expires_in": 3599}
        if not self.bearers or headers.get("Authorization") != f"Bearer {self.bearers[-1]}":
            return 401, {"status": 401, "message": "Bearer token is invalid"}
        match = BB_COLUMN.fullmatch(url.path)
        if not match:
            return 404, {"status": 404, "message": "not found"}
        user = match["user"]
        if user is None:
            return 200, {"id": "_8812_1", "name": "Week 1", "score": {"possible": self.maximum}}
        if method == "PATCH":
            if "score" in form:
                self.grades[user] = float(form["score"])
            self.comments[user] = [form["feedback"]]
        if user not in self.grades and user not in self.comments:
            return 404, {"status": 404, "message": "no grade"}
        return 200, {"userId": user, "columnId": "_8812_1", "score": self.grades.get(user),
                     "feedback": (self.comments.get(user) or [None])[-1]}

    def canvas(self, method, url, form):
        parts = url.path.split("/")
        match = SUBMISSION.fullmatch(url.path)
        if match:  # by user id, or by anonymous id (kept as the download names it)
            course, assignment, which = match.groups()
            kind, user = which.split("/")
            user = f"anon_{user}" if kind == "anonymous_submissions" else user
            if method == "PUT":
                if "submission[posted_grade]" in form:  # a grade ends an excuse
                    self.grades[user] = float(form["submission[posted_grade]"][0])
                    self.excused.discard(user)
                if "comment[text_comment]" in form:
                    self.comments.setdefault(user, []).append(form["comment[text_comment]"][0])
            who = ({"anonymous_id": user[5:]} if kind == "anonymous_submissions"
                   else {"user_id": int(user)})
            return 200, {"id": abs(hash(user)) % 10**6, **who,
                         "assignment_id": int(assignment), "course_id": int(course),
                         "score": self.grades.get(user), "excused": user in self.excused,
                         "submission_comments": [{"comment": c}
                                                 for c in self.comments.get(user, [])]}
        if len(parts) == 5:
            return 200, {"id": int(parts[4]), "name": "Course"}
        if len(parts) == 7 and parts[5] == "assignments":
            return 200, {"id": int(parts[6]), "course_id": int(parts[4]), "name": "Week 1",
                         "points_possible": self.maximum}
        return 404, {"errors": [{"message": "not found"}]}

    def moodle(self, form):
        value = {k: v[0] for k, v in form.items()}
        if value.get("wstoken") != TOKEN:
            return 200, {"exception": "moodle_exception", "errorcode": "invalidtoken",
                         "message": "Invalid token - token not found"}
        function = value.get("wsfunction")
        if function == "mod_assign_get_assignments":
            return 200, {"courses": [{"id": 1, "assignments": [
                {"id": 77, "grade": self.maximum}, {"id": 78, "grade": -3}]}]}
        if function == "mod_assign_list_participants":
            return 200, [{"id": int(u), "recordid": int(p), "fullname": f"User {u}",
                          "groupid": self.groups.get(u, 0)}
                         for p, u in self.participants.items()]
        if function == "mod_assign_get_submission_status":
            user = value["userid"]
            if user not in self.grades:
                return 200, {"lastattempt": {}}
            return 200, {"feedback": {"grade": {"grade": f"{self.grades[user]:.5f}"},
                                      "plugins": [{"type": "comments", "editorfields": [
                                          {"name": "comments", "text": c, "format": 2}
                                          for c in self.comments.get(user, [])]}]}}
        if function == "mod_assign_save_grades":
            user = value["grades[0][userid]"]
            team = [u for u, g in self.groups.items() if g == self.groups.get(user)]
            for member in team if value.get("applytoall") == "1" and team else [user]:
                self.grades[member] = float(value["grades[0][grade]"])
                self.comments[member] = [value[
                    "grades[0][plugindata][assignfeedbackcomments_editor][text]"]]
            return 200, None
        return 200, {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                     "message": f"unknown function {function}"}

    @staticmethod
    def reply(request, status, body):
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
