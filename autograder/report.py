"""Write the gradebook, Gradescope results and per-student feedback (atomically)."""
import csv
import io
import json
import os
import tempfile
from pathlib import Path


def write_reports(out, records, questions):
    """grades.csv, results/<student>.json and feedback/<student>.md for every record."""
    out = Path(out)
    for record in records:
        _atomic_write(out / "results" / f"{record['student']}.json",
                      json.dumps(gradescope_results(record), indent=2))
        _atomic_write(out / "feedback" / f"{record['student']}.md", feedback(record))
    _atomic_write(out / "grades.csv", gradebook(records, questions))


def gradebook(records, questions):
    """CSV text: student, assignment, score, max_score, status, one column per question, detail."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "assignment", "score", "max_score", "status", *questions, "detail"])
    for record in records:
        writer.writerow([_cell(record["student"]), record["assignment"], _points(record["score"]),
                         _points(record["max_score"]), record["status"],
                         *(_points(record["questions"][q]["score"]) for q in questions),
                         _cell(record["detail"])])
    return buffer.getvalue()


def _points(value):
    return f"{round(value, 4):g}"


def gradescope_results(record):
    """Gradescope's results.json: one test per question."""
    tests = []
    for qid, entry in record["questions"].items():
        passed = entry["score"] >= entry["max_score"]
        tests.append({"name": qid, "score": entry["score"], "max_score": entry["max_score"],
                      "status": "passed" if passed else "failed",
                      "output": "\n".join(entry["failed"]) or "All checks passed.",
                      "visibility": "visible"})
    output = "\n".join(filter(None, [record["detail"], *record["notes"]]))
    return {"score": record["score"], "execution_time": round(record["seconds"], 2),
            "output": output, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def feedback(record):
    """Markdown a student can read: what passed, what failed and how to fix it."""
    lines = [f"# {record['assignment']}: {record['score']:g} / {record['max_score']:g}", ""]
    if record["detail"]:
        lines += [f"**{record['detail']}**", ""]
    for qid, entry in record["questions"].items():
        mark = "✅" if entry["score"] >= entry["max_score"] else "❌"
        lines.append(f"## {mark} `{qid}`: {entry['score']:g} / {entry['max_score']:g}")
        lines += [f"- {message}" for message in entry["failed"]]
        lines.append("")
    if record["notes"]:
        lines += ["## Notes on running your notebook", *[f"- {note}" for note in record["notes"]], ""]
    return "\n".join(lines)


def _cell(text):
    """Keep spreadsheet programs from reading a student-chosen value as a formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _atomic_write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
