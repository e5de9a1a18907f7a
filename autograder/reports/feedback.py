"""What a student reads: Markdown feedback, and Gradescope's results.json."""
from .render import quote, render


def feedback(record):
    """Markdown: per question what passed, what failed and how to fix it; notes on cells."""
    lines = [f"# {record.assignment}: {record.score:g} / {record.max_score:g}", ""]
    if record.detail:
        lines += [f"**{render(record.detail, 'markdown')}**", ""]
    for qid, entry in record.questions.items():
        mark = "✅" if entry.full else "❌"
        lines.append(f"## {mark} {quote(qid, 'markdown')}: {entry.score:g} / {entry.max_score:g}")
        lines += [f"- {render(message, 'markdown')}" for message in entry.failed]
        lines.append("")
    if record.notes:
        lines += ["## Notes on running your notebook",
                  *[f"- {render(note, 'markdown')}" for note in record.notes], ""]
    return "\n".join(lines)


def comment(record):
    """Plain text for an LMS's comment box: the score, then per question its score and
    what to fix."""
    lines = [f"{record.assignment}: {record.score:g} / {record.max_score:g}"]
    if record.detail:
        lines.append(render(record.detail))
    for qid, entry in record.questions.items():
        lines.append(f"- {qid}: {entry.score:g} / {entry.max_score:g}")
        lines += [f"    {render(message)}" for message in entry.failed]
    return "\n".join(lines)


def gradescope_results(record):
    """Gradescope's results.json: one test per question, feedback as Markdown."""
    tests = []
    for qid, entry in record.questions.items():
        tests.append({"name": qid, "score": entry.score, "max_score": entry.max_score,
                      "status": "passed" if entry.full else "failed",
                      "output": "\n".join(f"- {render(m, 'markdown')}" for m in entry.failed)
                      or "All checks passed.", "output_format": "md",
                      "visibility": "visible"})
    output = "\n".join(f"- {render(m, 'markdown')}" for m in [record.detail, *record.notes] if m)
    return {"score": record.score, "execution_time": round(record.seconds, 2),
            "output": output, "output_format": "md", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}
