"""Render a student-visible Message as text, Markdown or HTML, at report time.

A Message's template is ours; its string values (names, types, shapes, and anything that
came from a submission) are quoted so they stay text in every format: in Markdown a code
span no backtick inside can close, in HTML escaped ``<code>``, in plain text one line.
Nested Messages are prose and render as such. The template is looked up in the
``feedback`` catalog of the language asked for (i18n) before it is filled.
"""
import html
import re

from ..i18n import translate
from ..records import msg, not_attempted, place

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]+")


def render(message, fmt="text", lang="en"):
    """The sentence ``message`` stands for, in ``fmt`` and ``lang``; "" for None. Never
    raises."""
    if message is None:
        return ""
    values = {key: _value(value, fmt, lang) for key, value in message.params.items()}
    text = translate(message.text, lang)
    template = _html_template(text) if fmt == "html" else text
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError):  # a bad template must not stop a report
        return template


def _html_template(text):
    """Our template as HTML: escaped, its `code spans` as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def _value(value, fmt, lang):
    if hasattr(value, "params"):
        return render(value, fmt, lang)
    if isinstance(value, str):
        return quote(value, fmt)
    return value


def quote(text, fmt):
    """``text`` (possibly from a submission) as an inert value in ``fmt``."""
    text = _LINE_BREAKS.sub(" ", safe_text(text))
    if not text:
        return ""
    if fmt == "markdown":
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * (longest + 1)
        pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
        return f"{fence}{pad}{text}{pad}{fence}"
    if fmt == "html":
        return f"<code>{html.escape(text)}</code>"
    return text


def safe_text(text):
    """``text`` with anything no encoder accepts (lone surrogates) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]")


def excerpt(record, message, fmt="text"):
    """The student's lines around the place ``message`` names (``Record.code``), numbered
    as in the cell with that line marked, as a code block in ``fmt``; "" when it names
    none."""
    key = message and place(message)
    found = record.code.get(key) if key else None
    return _block(found, int(key.split(":")[1]) - found.get("shift", 0), fmt) if found else ""


def definition(record, function, fmt="text", lang="en"):
    """The student's code of ``function`` (``Record.code``'s "def:<function>"), under a
    line naming its code cell, in ``fmt``, for mistakes of its question that name no line
    of their own; "" when one does, when all say it is not written yet, or without it."""
    found = record.code.get(f"def:{function}")
    failed = record.questions[function].failed if function in record.questions else []
    if (not found or any(excerpt(record, m) for m in failed)
            or all(not_attempted(m) for m in failed)):
        return ""
    title = render(msg("Your {function}, in {file}:", function=function, file=found["file"])
                   if found.get("file") else msg("Your {function}, in code cell {number}:",
                                                 function=function, number=found["cell"]),
                   fmt, lang)
    block = _block(found, None, fmt)
    return f"<p class='muted'>{title}</p>{block}" if fmt == "html" else f"{title}\n{block}"


def _block(found, line, fmt):
    """Lines of a cell (``found``: its first line's number and the lines), numbered, with
    ``line`` marked, as a code block in ``fmt``."""
    rows = [(number == line, f"{'>' if number == line else ' '} {number:>3} | "
             f"{_CONTROL.sub(' ', safe_text(text)).replace(chr(9), '    ')}")
            for number, text in enumerate(found["lines"], start=found["first"])]
    if fmt == "html":
        return "<pre class='code'>" + "\n".join(
            f"<mark>{html.escape(row)}</mark>" if marked else html.escape(row)
            for marked, row in rows) + "</pre>"
    text = "\n".join(row for _, row in rows)
    if fmt == "markdown":
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
        return f"{fence}\n{text}\n{fence}"
    return text
