"""What an instructor sees while grading: the progress bar and the class summary."""
from autograder.records import QuestionResult, Record, Status
from autograder.reports.terminal import Progress, class_summary, isolation_summary

POINTS = {"a": 2, "b": 3}


def _record(student, status, scores):
    return Record(student, "x", f"{student}.ipynb", status, None, sum(scores.values()), 5,
                  {q: QuestionResult(s, POINTS[q]) for q, s in scores.items()}, seconds=0.2)


RECORDS = [_record("ann", Status.GRADED, {"a": 2, "b": 3}),
           _record("bo", Status.GRADED, {"a": 2, "b": 0}),
           _record("cy", Status.TIMEOUT, {"a": 0, "b": 1})]


def test_summary_gives_throughput_statuses_and_per_question_statistics():
    text = class_summary(RECORDS, POINTS, graded_now=3, seconds=1.5, jobs=2)
    lines = text.splitlines()
    assert lines[0] == "graded 3 notebook(s) in 1.5 s: 2.0 per second, 1.00 s each on 2 job(s)"
    assert lines[1] == "status: 2 graded, 1 timeout"
    a, b, total = (line.split() for line in lines[3:6])
    assert a == ["a", "2", "1.33", "2", "67%"]
    assert b == ["b", "3", "1.33", "1", "33%"]
    assert total == ["total", "5", "2.67", "2", "33%"]


def test_progress_logs_a_line_per_submission_when_not_a_terminal():
    lines = []
    progress = Progress(3, lines.append, live=False)
    for record in RECORDS:
        progress.update(record)
    progress.close()
    assert lines[2] == "[3/3] cy: 1/5 timeout (0.2 s)" and progress.failures == 1


def test_live_progress_shows_count_failures_and_lines_for_failed_submissions(capsys):
    progress = Progress(3, print, live=True)
    for record in RECORDS:
        progress.update(record)
    progress.close()
    err = capsys.readouterr().err
    assert "3/3" in err and "failures 1" in err and "[3/3] cy: 1/5 timeout" in err
    assert "ann" not in err  # cleanly graded submissions only move the bar


def test_isolation_summary_names_active_layers_and_warns_about_missing_ones():
    full = [{"key": key, "label": key} for key in ("namespaces", "landlock", "rlimits",
                                                   "separate uid", "seccomp", "cgroup",
                                                   "private disk", "runner thread",
                                                   "autograd counters")]
    assert "warning" not in isolation_summary(full)
    text = isolation_summary([item for item in full if item["key"] != "seccomp"])
    assert text.splitlines()[1].startswith("warning: weaker isolation here: no seccomp")
    assert "none" in isolation_summary([]).splitlines()[0]
