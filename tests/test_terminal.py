"""What an instructor sees while grading: the progress bar and the class summary."""
from autograder.terminal import Progress, class_summary


def _record(student, status, scores):
    return {"student": student, "status": status, "score": sum(scores.values()), "max_score": 5,
            "seconds": 0.2, "questions": {q: {"score": s} for q, s in scores.items()}}


RECORDS = [_record("ann", "graded", {"a": 2, "b": 3}), _record("bo", "graded", {"a": 2, "b": 0}),
           _record("cy", "timeout", {"a": 0, "b": 1})]


def test_summary_gives_throughput_statuses_and_per_question_statistics():
    text = class_summary(RECORDS, {"a": 2, "b": 3}, graded_now=3, seconds=1.5, jobs=2)
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
