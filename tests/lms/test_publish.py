"""publish against a local server implementing Canvas's and Moodle's documented endpoints:
right grades and comments, auth on every request, dry run first, retries, nothing twice."""
import logging

import pytest

from autograder import __main__ as cli
from autograder.lms import canvas_api, moodle_api, publish as publishing
from autograder.lms.publish import PublishError, publish
from autograder.records import Identity, QuestionResult, Record, Status
from autograder.reports.feedback import comment
from autograder.store import Store

from fake_lms import TOKEN, FakeLMS

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


def test_moodle_grades_are_scaled_to_the_assignments_maximum(server):
    server.participants, server.maximum = {"501": "9001"}, 100
    publish([record("501", 3.5, "moodle")], moodle_api.Remote(server.url, TOKEN, "77"), comment,
            apply=True, log=lambda *_: None)
    assert server.grades == {"9001": 50.0}
    with pytest.raises(PublishError, match="not graded in points"):
        publish([record("501", 3.5, "moodle")], moodle_api.Remote(server.url, TOKEN, "78"),
                comment, log=lambda *_: None)


def test_moodle_errors_are_one_line(server):
    with pytest.raises(PublishError, match="invalidtoken"):
        publish([record("501", 7, "moodle")], moodle_api.Remote(server.url, "bad", "77"), comment,
                log=lambda *_: None)


def test_the_command_never_shows_the_token(server, tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    results = tmp_path / "out" / "tensor_shapes"
    results.mkdir(parents=True)
    store = Store(results / "grades.sqlite")
    for entry in CLASS:
        store.put(entry, "k")
    store.close()
    course = tmp_path / "course.yaml"
    course.write_text(f"lms: canvas\nurl: {server.url}\ncourse_id: 1\n"
                      "assignments:\n  tensor_shapes: {lms_id: 55}\n")
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", TOKEN)
    argv = ["publish", "tensor_shapes", "--course", str(course), "--results", str(results)]
    assert cli.main(argv) == 0 and not server.sent("PUT")
    assert cli.main(argv + ["--yes"]) == 0 and server.grades == {"101": 7.0, "102": 3.5}
    monkeypatch.setenv("TORCHGRADE_LMS_TOKEN", "wrong")
    assert cli.main(argv) == 2
    output = capsys.readouterr()
    assert "token was refused" in output.err
    shown = output.out + output.err + caplog.text + "".join(
        p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file())
    assert TOKEN not in shown and "wrong" not in caplog.text
