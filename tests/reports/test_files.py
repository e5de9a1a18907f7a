"""Reports are rebuilt from records; one student's unwritable file never stops the rest."""
import csv
import json

from autograder.records import QuestionResult, Record, Status, msg
from autograder.reports import write_reports
from autograder.reports.feedback import feedback, gradescope_results

QUESTIONS = {"q": 2}


def _record(student, score=2.0, failed=()):
    return Record(student, "a", f"{student}.ipynb", Status.GRADED, None, score, 2,
                  {"q": QuestionResult(score, 2, failed=list(failed))})


def test_gradebook_results_and_feedback_for_every_record(tmp_path):
    wrong = msg("{function} raised {error}", function="f", error="<b>\n# boom")
    logs = []
    write_reports(tmp_path, [_record("ann"), _record("=bob", 0, [wrong])], QUESTIONS, log=logs.append)
    rows = list(csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8")))
    assert [(r["student"], r["score"], r["q"]) for r in rows] == [("ann", "2", "2"), ("'=bob", "0", "0")]
    results = json.loads((tmp_path / "results" / "=bob.json").read_text())
    assert results["tests"][0]["status"] == "failed" and "`<b> # boom`" in results["tests"][0]["output"]
    text = (tmp_path / "feedback" / "=bob.md").read_text()
    assert "- `f` raised `<b> # boom`" in text and "\n# boom" not in text
    assert logs == []


def test_ids_too_long_for_a_file_name_are_shortened_uniquely(tmp_path):
    logs = []
    records = [_record("ann"), _record("x" * 300), _record("x" * 299), _record("a/b")]
    write_reports(tmp_path, records, QUESTIONS, log=logs.append)
    names = sorted(path.name for path in (tmp_path / "feedback").glob("*.md"))
    assert len(names) == 4 and "ann.md" in names and all(len(n) < 120 for n in names)
    assert len(list((tmp_path / "feedback").glob("*.html"))) == 4
    assert len(list(csv.DictReader((tmp_path / "grades.csv").open()))) == 4
    assert logs == []


def test_a_file_that_cannot_be_written_costs_only_that_students_files(tmp_path):
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "bob.md").mkdir()  # a folder where the file should go
    logs = []
    write_reports(tmp_path, [_record("ann"), _record("bob"), _record("zed")], QUESTIONS,
                  log=logs.append)
    assert (tmp_path / "feedback" / "ann.md").is_file() and (tmp_path / "feedback" / "zed.md").is_file()
    assert len(logs) == 1 and "could not write" in logs[0] and "bob.md" in logs[0]


def test_unencodable_text_is_replaced_not_fatal(tmp_path):
    bad = _record("ann", 0, [msg("{function} raised {error}", function="f", error="\ud800")])
    write_reports(tmp_path, [bad], QUESTIONS)
    assert "raised" in (tmp_path / "feedback" / "ann.md").read_text(encoding="utf-8")
    assert gradescope_results(bad)["tests"][0]["output"].encode("utf-8")
    assert feedback(bad).startswith("# a: 0 / 2")
