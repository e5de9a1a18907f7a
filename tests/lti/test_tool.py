"""The LTI 1.3 tool against a platform on loopback (platform_double.py, built on
lti1p3platform): launches, uploads, the feedback page, scores posted exactly once (after a
refusal and after a restart in the middle of grading too), Deep Linking, the instructor's
pages, and what must be refused."""
import io
import json
import logging
import multiprocessing
import re
import sqlite3
import threading
import time
import zipfile

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from waitress.server import create_server

from autograder.assignments import questions
from autograder.config import ROOT
from autograder.lti import claims, worker
from autograder.lti.settings import Rules, Settings
from autograder.lti.web import create_app

from platform_double import INSTRUCTOR, Platform, forged, pem

A = "tensor_shapes"
REFERENCE = (ROOT / "solutions" / f"{A}.ipynb").read_bytes()
STUB = (ROOT / "assignments" / f"{A}.ipynb").read_bytes()


class Tool:
    """The tool's web service in a thread (waitress), its worker in a process of its own."""

    def __init__(self, root, platform, workers=1):
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # busy on purpose
        key = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        self.settings = Settings([platform.registration()], {A: Rules(attempts=4, cooldown=0)},
                                 key, secure_cookies=False)
        self.data, self.out = root / "lti-data", root / "out"
        self.server = create_server(create_app(self.settings, self.data, self.out),
                                    host="127.0.0.1", port=0, threads=4)
        self.settings.url = platform.tool_url = f"http://127.0.0.1:{self.server.effective_port}"
        threading.Thread(target=self.server.run, daemon=True).start()
        self.stop = multiprocessing.get_context("spawn").Event()
        self.workers = []
        for _ in range(workers):
            self.start_worker()

    def start_worker(self):
        process = multiprocessing.get_context("spawn").Process(target=worker.run, args=(
            self.settings, self.data, self.out, "en", self.stop))
        process.start()
        self.workers.append(process)
        self.worker = process

    def attempt(self, attempt_id):
        with sqlite3.connect(self.data / "attempts.sqlite") as db:
            return db.execute("SELECT status, posted FROM attempts WHERE id=?",
                              (attempt_id,)).fetchone()

    def close(self):
        self.stop.set()
        for process in self.workers:
            process.join(30)
        self.server.close()


@pytest.fixture(scope="module")
def lti(tmp_path_factory):
    platform = Platform()
    tool = Tool(tmp_path_factory.mktemp("lti"), platform)
    yield platform, tool
    tool.close()
    platform.close()


def launched(platform, user="student-1", **claims):
    http = requests.Session()
    answer, _, _ = platform.launch(http, user, **claims)
    assert answer.status_code in (302, 303), answer.text[:500]
    return http


def csrf(page):
    return re.search(r"name='csrf' value='([^']+)'", page).group(1)


def submit(platform, http, data=REFERENCE, name="mine.ipynb"):
    page = http.get(f"{platform.tool_url}/lti/").text
    return http.post(f"{platform.tool_url}/lti/submit", data={"csrf": csrf(page)},
                     files={"notebook": (name, data)}, allow_redirects=False)


def feedback(platform, http, location, seconds=120):
    """The attempt's page once it is graded (the waiting page refreshes until then)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = http.get(f"{platform.tool_url}{location}")
        if 'http-equiv="refresh"' not in page.text:
            return page
        time.sleep(0.3)
    raise AssertionError("not graded in time")


def scores_of(platform, user, wait=1.0):
    time.sleep(wait)  # a second post, were there one, would have come by now
    return [s for s in platform.scores if s["userId"] == user]


def test_a_student_submits_sees_feedback_and_the_lms_gets_the_score_once(lti):
    platform, tool = lti
    http = launched(platform)
    assert "type='file'" in http.get(f"{platform.tool_url}/lti/").text
    sent = submit(platform, http)
    assert sent.status_code == 303
    page = feedback(platform, http, sent.headers["Location"])
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert "full marks" in page.text or "13 / 13" in page.text
    for _ in range(100):
        if tool.attempt(sent.headers["Location"].rsplit("/", 1)[1])[1]:
            break
        time.sleep(0.1)
    [score] = scores_of(platform, "student-1")
    assert (score["scoreGiven"], score["scoreMaximum"]) == (13, 13)
    assert score["gradingProgress"] == "FullyGraded"


def test_a_score_the_lms_refused_is_sent_again_and_arrives_once(lti):
    platform, tool = lti
    platform.fail_next = 2
    http = launched(platform, "student-2")
    sent = submit(platform, http, STUB)
    feedback(platform, http, sent.headers["Location"])
    deadline = time.monotonic() + 30
    while not [s for s in platform.scores if s["userId"] == "student-2"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    [score] = scores_of(platform, "student-2")
    assert score["scoreGiven"] == 0


def test_a_restart_in_the_middle_of_grading_loses_nothing(lti):
    platform, tool = lti
    http = launched(platform, "student-3")
    slow = REFERENCE.replace(b'"import torch', b'"import time; time.sleep(4)\\nimport torch', 1)
    sent = submit(platform, http, slow)
    attempt = sent.headers["Location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 30
    while tool.attempt(attempt)[0] != "grading":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    tool.worker.kill()  # the machine went down in the middle of grading
    tool.worker.join()
    assert tool.attempt(attempt)[0] == "grading"
    tool.start_worker()
    feedback(platform, http, sent.headers["Location"])
    deadline = time.monotonic() + 30
    while not tool.attempt(attempt)[1]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert len(scores_of(platform, "student-3")) == 1


def _exported():
    """The reference as otter's grader.export() zips it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{A}.ipynb", REFERENCE)
    return buffer.getvalue()


def _script():
    """The reference as Colab's or VS Code's "Download .py" writes it."""
    cells = json.loads(REFERENCE)["cells"]
    return "".join(f"# %%\n{''.join(c['source'])}\n" if c["cell_type"] == "code" else
                   f"# %% [markdown]\n# {''.join(c['source'])[:40]!r}\n"
                   for c in cells).encode()


@pytest.mark.parametrize("user, name, data", [
    ("student-6", f"{A}.zip", _exported()), ("student-7", f"{A}.py", _script())])
def test_an_otter_export_and_a_notebook_saved_as_python_are_graded(lti, user, name, data):
    platform, _ = lti
    http = launched(platform, user)
    sent = submit(platform, http, data, name)
    assert sent.status_code == 303, sent.text[:300]
    page = feedback(platform, http, sent.headers["Location"])
    assert "13 / 13" in page.text or "full marks" in page.text, page.text[:2000]


@pytest.mark.parametrize("due, late", [("2000-01-01T00:00:00Z", True), ("2000-01-01T00:00", True),
                                       ("2999-01-01T00:00:00+02:00", False), ("soon", False),
                                       (None, False)])
def test_a_due_date_with_or_without_a_zone_marks_an_attempt_late(due, late):
    body = {claims.CUSTOM: {"assignment": A, "due_at": due}}
    assert claims.placement(body) == (A, "", late)


@pytest.mark.parametrize("forgery", ["another key", "wrong audience", "no nonce", "replayed"])
def test_a_forged_or_replayed_launch_is_refused(lti, forgery):
    platform, _ = lti
    http = requests.Session()
    if forgery == "replayed":  # by someone who kept the browser's cookies from before it
        kept = []
        answer, token, asked = platform.launch(http, keep=kept.append)
        assert answer.status_code in (302, 303)
        thief = requests.Session()
        thief.cookies.update(kept[0])
        again = thief.post(asked["redirect_uri"], data={"id_token": token,
                                                        "state": asked["state"]})
        assert again.status_code == 403 and "already used" in again.text
        return
    forge = {"another key": forged(rsa.generate_private_key(public_exponent=65537,
                                                            key_size=2048)),
             "wrong audience": forged(platform.key, audience="someone-else"),
             "no nonce": forged(platform.key, drop=("nonce",))}[forgery]
    answer, _, _ = platform.launch(http, forge=forge)
    assert answer.status_code == 403
    assert http.get(f"{platform.tool_url}/lti/").status_code == 403


def test_no_page_without_a_launch_and_no_one_elses_attempt(lti):
    platform, _ = lti
    assert requests.get(f"{platform.tool_url}/lti/").status_code == 403
    owner = launched(platform, "student-4")
    location = submit(platform, owner, STUB).headers["Location"]
    other = launched(platform, "student-5")
    assert other.get(f"{platform.tool_url}{location}").status_code == 404
    assert other.post(f"{platform.tool_url}/lti/submit", data={"csrf": "guess"},
                      files={"notebook": ("x.ipynb", STUB)}).status_code == 403
    refused = submit(platform, other, b"<html>not a notebook</html>")
    assert refused.status_code == 400 and "notebook" in refused.text.lower()


def test_an_instructor_places_an_assignment_and_sees_the_class(lti):
    platform, tool = lti
    early = launched(platform, "teacher-1", roles=INSTRUCTOR, custom={"assignment": "char_model"})
    empty = early.get(f"{platform.tool_url}/lti/report")  # before anyone submitted
    assert empty.status_code == 200 and "class report" in empty.text
    student = requests.Session()
    refused = platform.launch(student, "student-1", kind="LtiDeepLinkingRequest")[0]
    assert refused.status_code == 403  # placing an assignment is the instructor's
    http = requests.Session()
    picker = platform.launch(http, "teacher-1", roles=INSTRUCTOR,
                             kind="LtiDeepLinkingRequest")[0]
    assert picker.status_code == 200 and "value='char_model'" in picker.text
    placed = http.post(f"{platform.tool_url}/lti/place",
                       data={"csrf": csrf(picker.text), "assignment": "char_model"})
    action = re.search(r"action='([^']+)'", placed.text).group(1)
    token = re.search(r"name='JWT' value='([^']+)'", placed.text).group(1)
    assert requests.post(action, data={"JWT": token}).text == "placed"  # the auto-submit
    [link] = platform.links
    assert link["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "dl-data"
    [item] = link["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["custom"] == {"assignment": "char_model"}
    assert item["lineItem"]["scoreMaximum"] == sum(questions("char_model").values())
    teacher = launched(platform, "teacher-1", roles=INSTRUCTOR)
    report = teacher.get(f"{platform.tool_url}/lti/report").text
    assert "student-1" in report and "class report" in report
    listing = teacher.get(f"{platform.tool_url}/lti/attempts").text
    graded = listing.count(">graded<")
    before = len(platform.scores)
    teacher.post(f"{platform.tool_url}/lti/post-again", data={"csrf": csrf(listing)})
    deadline = time.monotonic() + 30
    while len(platform.scores) < before + graded:
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.parametrize("lang, words", [("hu", "Beadás"), ("ko", "제출"), ("pl", "Oddaj")])
def test_the_tools_pages_are_in_the_courses_language(lang, words):
    from autograder.lti import views
    launch = {"name": "<b>Ada</b>", "instructor": False, "late": True}
    page = views.page("tensor_shapes", views.home(launch, [], Rules(), "token", 0, lang), lang)
    assert words in page and "&lt;b&gt;Ada&lt;/b&gt;" in page
    assert f'lang="{lang}"' in page
    assert "{reason}" not in views.refused(views.USED, lang)
    assert "Invalid {nonce}" in views.refused("Invalid {nonce}", lang)  # pylti1p3's own words
