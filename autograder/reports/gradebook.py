"""grades.csv: one row per student, one column per question."""
import csv
import io

from .render import render, safe_text


def gradebook(records, questions):
    """CSV text: student, assignment, score, max_score, status, one column per question, detail."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "assignment", "score", "max_score", "status", *questions, "detail"])
    for record in records:
        writer.writerow([cell(record.student), record.assignment, points(record.score),
                         points(record.max_score), record.status.value,
                         *(points(record.questions[q].score) for q in questions),
                         cell(render(record.detail))])
    return buffer.getvalue()


def points(value):
    return f"{round(value, 4):g}"


def cell(text):
    """Keep spreadsheet programs from reading a student-chosen value as a formula."""
    text = safe_text(str(text))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
