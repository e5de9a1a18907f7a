"""What a student reads: Markdown feedback, LMS comments and Gradescope's results.json,
in the course's language."""
from html import escape

from ..i18n import check_title, translate
from ..records import msg
from .render import definition, excerpt, quote, render


def _(text, lang, **values):
    """A phrase of these pages in ``lang``, with its ``{name}`` values filled in."""
    try:
        return translate(text, lang).format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation falls back to English
        return text.format(**values)


def feedback(record, lang="en"):
    """Markdown: per question what passed, what failed and how to fix it; notes on cells."""
    lines = [f"# {record.assignment}: {record.score:g} / {record.max_score:g}", ""]
    if record.detail:
        lines += [f"**{render(record.detail, 'markdown', lang)}**", ""]
    for qid, entry in record.questions.items():
        mark = "✅" if entry.full else "❌"
        lines.append(f"## {mark} {quote(qid, 'markdown')}: {entry.score:g} / {entry.max_score:g}")
        if entry.passed:
            lines.append(_("Passed: {checks}.", lang, checks=passed(entry, lang)))
        lines += [*filter(None, [_items(record, qid, entry, lang)]), ""]
    if record.notes:
        lines += ["## " + _("Notes on running your notebook", lang),
                  *[f"- {render(note, 'markdown', lang)}" for note in record.notes], ""]
    return "\n".join(lines)


def _items(record, qid, entry, lang):
    """A question's failures as Markdown list items, each with the student's lines it
    names; where none names one, the student's code of the function after them."""
    code = definition(record, qid, "markdown", lang)
    return "\n".join(_item(record, message, lang) for message in entry.failed) + (
        "\n\n" + code if code else "")


def _item(record, message, lang):
    """A failure as a Markdown list item, with the student's lines it names below it."""
    code = excerpt(record, message, "markdown")
    rows = "".join(f"\n  {row}" for row in code.splitlines())
    return f"- {render(message, 'markdown', lang)}" + (f"\n{rows}\n" if code else "")


def passed(entry, lang="en", fmt="markdown"):
    """What the checks of a question that passed verified, in ``fmt``."""
    return ", ".join(render(msg(check_title(name)), fmt, lang) for name in entry.passed)


def comment(record, lang="en"):
    """Plain text for an LMS's comment box: the score, then per question its score and
    what to fix."""
    lines = [f"{record.assignment}: {record.score:g} / {record.max_score:g}"]
    if record.detail:
        lines.append(render(record.detail, "text", lang))
    for qid, entry in record.questions.items():
        lines.append(f"- {qid}: {entry.score:g} / {entry.max_score:g}")
        lines += [f"    {render(message, 'text', lang)}" for message in entry.failed]
    return "\n".join(lines)


def comment_html(record, lang="en"):
    """The comment as the HTML an LMS's comment editor stores (Moodle): the score in one
    paragraph, then one list item per question with what to fix."""
    head = [f"<p>{escape(record.assignment)}: {record.score:g} / {record.max_score:g}</p>"]
    if record.detail:
        head.append(f"<p>{render(record.detail, 'html', lang)}</p>")
    items = [f"<li>{escape(qid)}: {entry.score:g} / {entry.max_score:g}"
             + "".join(f"<br>{render(message, 'html', lang)}" for message in entry.failed)
             + "</li>" for qid, entry in record.questions.items()]
    return "".join(head) + (f"<ul>{''.join(items)}</ul>" if items else "")


def gradescope_results(record, lang="en"):
    """Gradescope's results.json: one test per question, feedback as Markdown."""
    tests = []
    for qid, entry in record.questions.items():
        tests.append({"name": qid, "score": entry.score, "max_score": entry.max_score,
                      "status": "passed" if entry.full else "failed",
                      "output": _items(record, qid, entry, lang)
                      or _("All checks passed.", lang), "output_format": "md",
                      "visibility": "visible"})
    output = "\n".join(f"- {render(m, 'markdown', lang)}"
                       for m in [record.detail, *record.notes] if m)
    return {"score": record.score, "execution_time": round(record.seconds, 2),
            "output": output, "output_format": "md", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}
