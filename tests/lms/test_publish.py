"""publish against a local server implementing Canvas's, Moodle's and Blackboard Learn's
documented endpoints: right grades and comments, auth on every request, dry run first,
retries, nothing twice, and one line saying what is missing."""
import logging
import re

import pytest
import requests

from autograder import __main__ as cli
from autograder.lms import (blackboard_api, brightspace_api, canvas_api, moodle_api,
                            publish as publishing)
from autograder.lms.publish import PublishError, publish
from autograder.records import Identity, QuestionResult, Record, Status
from autograder.reports.feedback import comment, comment_html
from autograder.store import Store

from fake_lms import BB_KEY, TOKEN, FakeLMS

pytestmark = pytest.mark.filterwarnings("ignore:Canvas may respond")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(publishing, "BACKOFF", 0.01)
    fake = FakeLMS()
    yield fake
    fake.close()


def record(student, score, lms="canvas"):
    return Record(student, "tensor_shapes", "x.ipynb", Status.GRADED, None, score, 7,
                  {"make_tensor": QuestionResult(score, 7)},
                  identity=Identity(f"Name {student}", lms, student if lms else ""))


CLASS = [record("101", 7), record("102", 3.5), record("local", 5, lms="")]


def canvas_remote(server):
    return canvas_api.Remote(server.url, TOKEN, "1", "55")


def test_canvas_dry_run_prints_the_changes_and_sends_nothing(server):
    logs = []
    changes = publish(CLASS, canvas_remote(server), comment, apply=False, log=logs.append)
    assert [c.user for c in changes] == ["101", "102"] and not server.sent("PUT")
    assert "dry run" in logs[-1] and "101" in logs[0] and "3.5" in logs[0]
    assert any("local" in line and "not sent" in line for line in logs)


def test_canvas_anonymous_grading_goes_by_anonymous_id_once(server):
    graded = [record("101", 7), record("anon_PzS2K", 5)]
    changes = publish(graded, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert [c.user for c in changes] == ["101", "anon_PzS2K"]
    assert server.grades == {"101": 7.0, "anon_PzS2K": 5.0}
    assert server.comments["anon_PzS2K"] == [comment(graded[1])]
    assert any(method == "PUT" and path.endswith("/anonymous_submissions/PzS2K")
               for method, path, _, _ in server.requests)
    assert publish(graded, canvas_remote(server), comment, apply=True,
                   log=lambda *_: None) == []  # nothing new


def test_canvas_sends_grades_and_comments_once(server):
    publish(CLASS, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert server.grades == {"101": 7.0, "102": 3.5}
    assert server.comments["102"] == [comment(CLASS[1])]
    assert all(r[2].get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    puts = len(server.sent("PUT"))
    again = publish(CLASS, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert again == [] and len(server.sent("PUT")) == puts  # nothing new
    regraded = [record("101", 7), record("102", 6)]
    publish(regraded, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert server.grades["102"] == 6 and len(server.comments["102"]) == 2  # new feedback


def test_canvas_keeps_an_excused_student_excused_and_still_sends_the_feedback(server):
    server.excused.add("102")
    logs = []
    changes = publish(CLASS, canvas_remote(server), comment, apply=True, log=logs.append)
    assert "102" in server.excused and "102" not in server.grades
    assert server.comments["102"] == [comment(CLASS[1])] and server.grades == {"101": 7.0}
    assert [(c.user, c.send_grade) for c in changes] == [("101", True), ("102", False)]
    assert "EX" in logs[0] and "(kept)" in logs[0]


def test_canvas_rate_limits_server_errors_and_lost_replies_are_retried(server):
    server.fail += [("GET", "/submissions/101", 429, False), ("GET", "/submissions/102", 503,
                                                                  False),
                    ("PUT", "/submissions/101", 500, True),  # applied, reply lost
                    ("PUT", "/submissions/102", 502, False)]
    logs = []
    publish(CLASS, canvas_remote(server), comment, apply=True, log=logs.append)
    assert server.grades == {"101": 7.0, "102": 3.5}
    assert server.comments == {"101": [comment(CLASS[0])], "102": [comment(CLASS[1])]}
    assert sum("retrying" in line for line in logs) == 4 and not server.fail


def test_canvas_run_stopped_half_way_resumes_to_the_same_end_state(server, monkeypatch):
    sent = []
    original = canvas_api.Remote.send

    def killed_after_one(self, change):
        if sent:
            raise KeyboardInterrupt
        sent.append(change.user)
        original(self, change)

    monkeypatch.setattr(canvas_api.Remote, "send", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        publish(CLASS, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert list(server.grades) == ["101"]
    monkeypatch.setattr(canvas_api.Remote, "send", original)
    publish(CLASS, canvas_remote(server), comment, apply=True, log=lambda *_: None)
    assert server.grades == {"101": 7.0, "102": 3.5}
    assert all(len(texts) == 1 for texts in server.comments.values())


def test_canvas_gives_up_with_one_line_after_persistent_errors(server):
    server.fail += [("GET", "/submissions/101", 503, False)] * publishing.ATTEMPTS
    with pytest.raises(PublishError, match="gave up after"):
        publish(CLASS, canvas_remote(server), comment, apply=True, log=lambda *_: None)


def test_canvas_bad_token_is_one_clear_line(server):
    with pytest.raises(PublishError, match="token was refused"):
        publish(CLASS, canvas_api.Remote(server.url, "wrong", "1", "55"), comment,
                log=lambda *_: None)


def test_moodle_maps_participants_and_saves_grades_once(server):
    server.participants = {"501": "9001", "502": "9002"}
    people = [record("501", 7, "moodle"), record("502", 2, "moodle")]
    remote = moodle_api.Remote(server.url, TOKEN, "77")
    publish(people, remote, comment, apply=True, log=lambda *_: None)
    assert server.grades == {"9001": 7.0, "9002": 2.0}
    assert server.comments["9002"] == [comment(people[1])]
    saves = [r for r in server.requests if r[3].get("wsfunction") == ["mod_assign_save_grades"]]
    assert len(saves) == 2 and all(TOKEN not in r[1] for r in server.requests)  # not in URLs
    assert publish(people, remote, comment, apply=True, log=lambda *_: None) == []


def test_moodle_team_grades_go_to_every_member(server):
    server.participants = {"501": "9001", "502": "9002", "503": "9003"}
    server.groups = {"9001": 7, "9002": 7, "9003": 8}
    team = record("7", 5, "moodle")  # the download's "Team Red_7_assignsubmission_file/"
    publish([team], moodle_api.Remote(server.url, TOKEN, "77"), comment, apply=True,
            log=lambda *_: None)
    assert server.grades == {"9001": 5.0, "9002": 5.0}
    assert server.comments["9002"] == [comment(team)]


def test_moodle_grades_are_scaled_to_the_assignments_maximum(server):
    server.participants, server.maximum = {"501": "9001"}, 100
    publish([record("501", 3.5, "moodle")], moodle_api.Remote(server.url, TOKEN, "77"), comment,
            apply=True, log=lambda *_: None)
    assert server.grades == {"9001": 50.0}
    with pytest.raises(PublishError, match="not graded in points"):
        publish([record("501", 3.5, "moodle")], moodle_api.Remote(server.url, TOKEN, "78"),
                comment, log=lambda *_: None)


def test_canvas_grades_are_scaled_to_the_assignments_points(server):
    server.maximum = 20
    publish([record("101", 3.5, "canvas")], canvas_api.Remote(server.url, TOKEN, "1", "55"),
            comment, apply=True, log=lambda *_: None)
    assert server.grades == {"101": 10.0}  # 3.5 of 7 is 10 of 20
    server.maximum = None  # a Canvas assignment graded without points
    with pytest.raises(PublishError, match="not graded in points"):
        publish([record("102", 3.5, "canvas")], canvas_api.Remote(server.url, TOKEN, "1", "56"),
                comment, log=lambda *_: None)


def test_moodle_errors_are_one_line(server):
    with pytest.raises(PublishError, match="invalidtoken"):
        publish([record("501", 7, "moodle")], moodle_api.Remote(server.url, "bad", "77"), comment,
                log=lambda *_: None)


def blackboard_remote(server, key=BB_KEY):
    return blackboard_api.Remote(server.url, key, "C1", "8812")


def test_blackboard_sends_scaled_grades_and_html_feedback_once(server):
    server.maximum = 100
    people = [record("alovelace", 7, "blackboard"), record("p_nowak", 3.5, "blackboard")]
    logs = []
    assert len(publish(people, blackboard_remote(server), comment_html, log=logs.append)) == 2
    assert not server.sent("PATCH") and "dry run" in logs[-1]
    publish(people, blackboard_remote(server), comment_html, apply=True, log=lambda *_: None)
    assert server.grades == {"alovelace": 100.0, "p_nowak": 50.0}
    assert server.comments["p_nowak"] == [comment_html(people[1])]
    patches = len(server.sent("PATCH"))
    assert publish(people, blackboard_remote(server), comment_html, apply=True,
                   log=lambda *_: None) == []
    assert len(server.sent("PATCH")) == patches  # nothing twice
    token_posts = [r for r in server.requests if r[1].endswith("/oauth2/token")]
    assert all(BB_KEY.split(":")[1] not in r[1] for r in server.requests) and token_posts


def test_blackboard_retries_and_renews_an_expired_token(server):
    people = [record("alovelace", 7, "blackboard")]
    remote = blackboard_remote(server)
    publish(people, remote, comment_html, log=lambda *_: None)  # dry: a token is issued
    server.bearers.append("someone-else")  # the token the remote holds has expired
    server.fail += [("PATCH", "/users/userName:alovelace", 503, True)]  # lands, reply lost
    logs = []
    publish(people, remote, comment_html, apply=True, log=logs.append)
    assert server.grades == {"alovelace": 7.0} and len(server.comments["alovelace"]) == 1
    assert any("retrying" in line for line in logs)


def test_blackboard_bad_credentials_are_one_line(server):
    with pytest.raises(PublishError, match="key and secret were refused"):
        publish([record("alovelace", 7, "blackboard")],
                blackboard_remote(server, "app-key:wrong"), comment_html, log=lambda *_: None)
    with pytest.raises(PublishError, match="<key>:<secret>"):
        blackboard_remote(server, "no-colon")


def _graded(tmp_path, course_text, records=CLASS[:2]):
    """The publish command's arguments for ``records`` stored as graded, under the course
    file ``course_text``."""
    results = tmp_path / "out" / "tensor_shapes"
    results.mkdir(parents=True)
    store = Store(results / "grades.sqlite")
    for entry in records:
        store.put(entry, "k")
    store.close()
    (tmp_path / "course.yaml").write_text(course_text)
    return ["publish", "tensor_shapes", "--course", str(tmp_path / "course.yaml"),
            "--results", str(results)]


def test_the_command_never_shows_the_token(server, tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    argv = _graded(tmp_path, f"lms: canvas\nurl: {server.url}\ncourse_id: 1\n"
                             "assignments:\n  tensor_shapes: {lms_id: 55}\n", CLASS)
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", TOKEN)
    assert cli.main(argv) == 0 and not server.sent("PUT")
    assert cli.main(argv + ["--yes"]) == 0 and server.grades == {"101": 7.0, "102": 3.5}
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", "wrong")
    assert cli.main(argv) == 2
    output = capsys.readouterr()
    assert "token was refused" in output.err
    shown = output.out + output.err + caplog.text + "".join(
        p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file())
    assert TOKEN not in shown and "wrong" not in caplog.text


def test_the_blackboard_command_never_shows_the_secret(server, tmp_path, monkeypatch, capsys):
    argv = _graded(tmp_path, f"lms: blackboard\nurl: {server.url}\ncourse_id: C1\n"
                             "assignments:\n  tensor_shapes: {lms_id: 8812}\n",
                   [record("alovelace", 7, "blackboard")])
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", BB_KEY)
    assert cli.main(argv + ["--yes"]) == 0 and server.grades == {"alovelace": 7.0}
    assert server.comments["alovelace"][0].startswith("<p>tensor_shapes: 7 / 7</p>")
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", "app-key:wrong")
    assert cli.main(argv) == 2
    output = capsys.readouterr()
    assert "refused" in output.err and BB_KEY.split(":")[1] not in output.out + output.err
    assert "wrong" not in output.out + output.err




def test_without_a_token_the_dry_run_previews_from_the_store(server, tmp_path, monkeypatch,
                                                             capsys):
    monkeypatch.delenv("TORCHGRADE_LMS_TOKEN", raising=False)
    argv = _graded(tmp_path, f"lms: canvas\nurl: {server.url}\ncourse_id: 1\n"
                             "assignments:\n  tensor_shapes: {lms_id: 55}\n")
    assert cli.main(argv) == 0 and not server.requests
    out = capsys.readouterr().out
    assert "102" in out and "3.5" in out and "preview: no token is set" in out
    assert cli.main(argv + ["--yes"]) == 2  # sending needs the token, and says only that
    assert capsys.readouterr().err == ("error: publish to canvas needs the token in "
                                       "TORCHGRADE_LMS_TOKEN\n")


def test_brightspace_maps_usernames_scales_and_sends_grades_and_feedback_once(server):
    graded = [record("ada.lovelace", 7, "brightspace"), record("grace.hopper", 3.5,
                                                               "brightspace")]
    server.maximum = 20
    remote = brightspace_api.Remote(server.url, TOKEN, "6606", "91")
    changes = publish(graded, remote, comment, apply=True, log=lambda *_: None)
    assert [c.new for c in changes] == [20, 10] and server.grades == {"3001": 20, "3002": 10}
    assert server.comments["3002"] == [comment(graded[1])]
    assert all(r[2].get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    puts = len(server.sent("PUT"))
    again = brightspace_api.Remote(server.url, TOKEN, "6606", "91")
    assert publish(graded, again, comment, apply=True, log=lambda *_: None) == []
    assert len(server.sent("PUT")) == puts  # nothing new
    server.excused.add("3001")  # exempted since: left alone, grade and comment
    regraded = [record("ada.lovelace", 5, "brightspace")]
    fresh, logs = brightspace_api.Remote(server.url, TOKEN, "6606", "91"), []
    assert publish(regraded, fresh, comment, apply=True, log=logs.append) == []
    assert len(server.sent("PUT")) == puts
    assert ("1 excused or exempted in brightspace: grade left so, and no comment sent: "
            "ada.lovelace (EX)") in logs


def test_brightspace_errors_are_one_clear_line(server):
    for user, item, token, words in [
            ("someone.else", "91", TOKEN, "someone.else is not in the course's classlist"),
            ("ada.lovelace", "92", TOKEN, "not found (HTTP 404)"),
            ("ada.lovelace", "91", "wrong", "token was refused (HTTP 401)")]:
        remote = brightspace_api.Remote(server.url, token, "6606", item)
        with pytest.raises(PublishError, match=re.escape(words)) as error:
            publish([record(user, 7, "brightspace")], remote, comment, apply=True,
                    log=lambda *_: None)
        assert TOKEN not in str(error.value)


@pytest.mark.parametrize("course_text, words", [
    ("url: https://x\n", "publish needs to know the LMS: set lms"),
    ("lms: gradescope\n", "publish does not send to gradescope: its autograder sends"),
    ("lms: brightspace\nurl: https://d2l.example.edu\n", "publish to brightspace needs lms_id "
                                                        "of tensor_shapes"),
    ("lms: moodle\n", "publish to moodle needs url in course.yaml (or TORCHGRADE_LMS_URL) and "
                      "lms_id of tensor_shapes"),
    ("lms: moodle\nurl: moodle.example.edu\nassignments:\n  tensor_shapes: {lms_id: 7}\n",
     "url 'moodle.example.edu' is not a web address"),
])
def test_publish_says_exactly_what_is_missing(tmp_path, monkeypatch, capsys, course_text,
                                              words):
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", TOKEN)
    monkeypatch.delenv("TORCHGRADE_LMS_URL", raising=False)
    assert cli.main(_graded(tmp_path, course_text)) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and words in error and TOKEN not in error


def test_a_host_that_does_not_exist_is_not_retried(monkeypatch):
    calls = []

    def unresolved(*args, **kwargs):
        calls.append(1)
        raise requests.ConnectionError("Failed to resolve 'moodle.exmaple.edu' "
                                       "([Errno -2] Name or service not known)")

    monkeypatch.setattr(requests, "request", unresolved)
    with pytest.raises(PublishError, match="host in url cannot be found"):
        publish([record("501", 7, "moodle")],
                moodle_api.Remote("https://moodle.exmaple.edu", TOKEN, "77"), comment,
                log=lambda *_: None)
    assert len(calls) == 1


def test_a_token_in_course_yaml_is_warned_about(server, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TORCHGRADE_LMS_TOKEN", raising=False)
    argv = _graded(tmp_path, f"lms: canvas\nurl: {server.url}\ncourse_id: 1\ntoken: {TOKEN}\n"
                             "assignments:\n  tensor_shapes: {lms_id: 55}\n")
    assert cli.main(argv) == 0
    output = capsys.readouterr()
    assert "TORCHGRADE_LMS_TOKEN instead" in output.err and TOKEN not in output.out + output.err
