"""grades.csv: one row per student, one column per question, and who the LMS says they are."""
import csv
import io

from .render import render, safe_text


def gradebook(records, questions):
    """CSV text: student, assignment, score, max_score, status, one column per question,
    detail, then the LMS identity: name, lms, late, attempt, and the files not graded; last,
    the lines flagged for review."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "assignment", "score", "max_score", "status", *questions,
                     "detail", "name", "lms", "late", "attempt", "not_graded", "flagged"])
    for record in records:
        who = record.identity
        writer.writerow([cell(record.student), record.assignment, points(record.score),
                         points(record.max_score), record.status.value,
                         *(points(record.questions[q].score) for q in questions),
                         cell(render(record.detail)), cell(who.name), who.lms,
                         "yes" if who.late else "", cell(who.attempt),
                         cell("; ".join(who.ignored)),
                         cell("; ".join(render(flag) for flag in record.flags))])
    return buffer.getvalue()


def points(value):
    return f"{round(value, 4):g}"


def cell(text):
    """Keep spreadsheet programs from reading a student-chosen value as a formula."""
    text = safe_text(str(text))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
