"""The HTML pages people read: the instructor's class report and each student's feedback.
Self-contained (styles inline, charts as SVG, no script, nothing fetched); everything from
a submission is escaped, messages through render(…, "html")."""
import html
import statistics
from collections import Counter, defaultdict
from urllib.parse import quote as url_quote

from ..i18n import N_, translate
from ..records import Status, not_attempted
from . import charts, similarity
from .feedback import _, passed
from .render import definition, excerpt, render

STATUS = {Status.GRADED: N_("graded"), Status.SYNTAX_ERROR: N_("syntax error"),
          Status.TIMEOUT: N_("timeout"), Status.CRASHED: N_("crashed"),
          Status.INVALID_NOTEBOOK: N_("invalid notebook"),
          Status.EMPTY_NOTEBOOK: N_("empty notebook"), Status.WRONG_KERNEL: N_("wrong kernel"),
          Status.UNREADABLE: N_("unreadable"), Status.INTERNAL_ERROR: N_("internal error")}

# The sandbox's layers (confine.LAYERS' keys) as the report names them, in its language; the
# terminal's isolation line has their details.
ISOLATION = {"cgroup": N_("control group (processes, memory)"),
             "namespaces": N_("namespaces (no network, no other processes)"),
             "private disk": N_("private disk"), "private /proc": N_("private /proc"),
             "landlock": N_("Landlock (what it may read)"), "rlimits": N_("resource limits"),
             "separate uid": N_("a user of its own"), "seccomp": N_("seccomp (system calls)"),
             "runner thread": N_("replies made out of the notebook's reach"),
             "autograd counters": N_("autograd counted from outside"), "": N_("none")}
RAN = (Status.GRADED, Status.SYNTAX_ERROR, Status.TIMEOUT, Status.CRASHED)  # a notebook ran
MISTAKES = 10  # how many the report ranks

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:0 auto;
max-width:60rem;padding:1rem}h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;
margin-top:2rem;border-bottom:1px solid #e4e7eb}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
td.n,th.n{text-align:right}code{background:#f0f4f8;padding:0 .2rem;border-radius:3px;
overflow-wrap:anywhere}td code,th code{white-space:nowrap;overflow-wrap:normal}.chart{width:100%;max-width:36rem;height:auto}.muted{color:#616e7c}
.ok{color:#1b7a3d}.bad{color:#b42318}.question{border:1px solid #e4e7eb;border-radius:6px;
padding:.5rem 1rem;margin:1rem 0}.wrap{overflow-x:auto}figure{margin:1rem 0}
pre.code{background:#f5f7fa;border:1px solid #e4e7eb;border-radius:4px;padding:.4rem .6rem;
overflow-x:auto;font-size:.85rem;line-height:1.4}pre.code mark{background:#fde8e8;color:inherit}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}.side>div{min-width:0}
@media(max-width:40rem){.side{grid-template-columns:1fr}}
@media print{body{max-width:none}a{color:inherit;text-decoration:none}}
"""


def _page(title, body, lang):
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f'style-src \'unsafe-inline\'; img-src data:">'
            f'<title>{html.escape(title)}</title><style>{STYLE}</style></head>'
            f'<body>{body}</body></html>\n')


def _e(text):
    return html.escape(str(text))


def _name(record):
    name = record.identity.name
    return f"{name} ({record.student})" if name and name != record.student else record.student


def _h(text, lang, **values):
    """A phrase of the page in ``lang``, HTML-escaped."""
    return html.escape(_(text, lang, **values))


def _status(status, lang):
    return translate(STATUS.get(status, str(status)), lang)


def report(records, questions, run, stem, lang="en"):
    """The instructor's page: histogram, questions, statuses, the commonest failures,
    every student linked to their page (``stem(student)`` names the file), the run."""
    total = float(sum(questions.values()))
    size = len(records)
    title = _("{assignment}: class report", lang,
              assignment=run.get("title") or run.get("assignment", ""))
    graded = run.get("graded", size)
    parts = [f"<h1>{_e(title)}</h1>", '<p class="muted">' + _h(
        "{count} submission(s): {graded} graded {when} in {seconds} s on {jobs} job(s), "
        "{kept} kept from an earlier run.", lang, count=size, graded=graded,
        when=run.get("when", ""), seconds=f"{run.get('seconds', 0):.1f}",
        jobs=run.get("jobs", 1), kept=size - graded) + " " +
        _h("Isolation: {isolation}.", lang, isolation=", ".join(
            translate(ISOLATION[key], lang) if key in ISOLATION else key
            for key in run.get("isolation", []))
            or translate(ISOLATION[""], lang)) + " " +
        _h("Time limit per cell and call: {seconds} s.", lang,
           seconds=f"{run.get('timeout', 0):g}") + "</p>"]
    if records:
        scores = [r.score for r in records]
        heading = _h("Scores", lang)
        parts += [f"<h2>{heading}</h2>", charts.histogram(scores, total, lang),
                  "<p>" + _h("Mean {mean} / {total}, median {median}.", lang,
                             mean=f"{statistics.mean(scores):.2f}", total=f"{total:g}",
                             median=f"{statistics.median(scores):g}") + "</p>"]
    rows = []
    for qid, points in questions.items():
        got = [r.questions[qid].score for r in records if qid in r.questions]
        full = sum(r.questions[qid].full for r in records if qid in r.questions)
        rows.append(f"<tr><td><code>{_e(qid)}</code></td><td class='n'>{points:g}</td>"
                    f"<td class='n'>{statistics.mean(got) if got else 0:.2f}</td>"
                    f"<td class='n'>{full / size if size else 0:.0%}</td></tr>")
    head = "".join(f"<th{' class=n' if index else ''}>{_h(word, lang)}</th>"
                   for index, word in enumerate((N_("question"), N_("points"), N_("mean"),
                                                 N_("share with full marks"))))
    heading = _h("Questions", lang)
    parts += [f"<h2>{heading}</h2><div class='wrap'><table><tr>{head}</tr>"
              f"{''.join(rows)}</table></div>"]
    statuses = Counter(r.status for r in records)
    items = []
    for status, count in statuses.most_common():
        group = [r for r in records if r.status == status]
        listed = "" if status == Status.GRADED else ": " + _people(group, lang, count)
        items.append(f"<li><strong>{_e(_status(status, lang))}</strong> {count}{listed}</li>")
    for words, people in ((N_("marked late by the LMS"), [r for r in records
                                                         if r.identity.late]),
                          (N_("other attempts or files not graded"),
                           [r for r in records if r.identity.ignored])):
        if people:
            items.append(f"<li><strong>{_h(words, lang)}</strong> {len(people)}: "
                         + _people(people, lang, len(people)) + "</li>")
    absent = run.get("absent") or []
    if absent:
        items.append("<li><strong>" + _h("in the roster, no submission", lang) +
                     f"</strong> {len(absent)}: " + ", ".join(_e(name) for name in absent)
                     + "</li>")
    unfinished = [r for r in records if any(not_attempted(m) for e in r.questions.values()
                                            for m in e.failed)]
    if unfinished:
        items.append("<li><strong>" + _h("a function not written, not kept or never finished",
                                         lang) + f"</strong> {len(unfinished)}: "
                     + _people(unfinished, lang, len(unfinished)) + "</li>")
    parts += ["<h2>" + _h("Statuses", lang) + "</h2><ul>" + "".join(items) + "</ul>"]
    parts += _flagged(records, lang)
    named = {r.student: _name(r) for r in records}
    parts += similarity.section(run.get("similar", []), lambda s: named.get(s, s),
                                run.get("threshold", 0.0), lang)
    parts += ["<h2>" + _h("Commonest mistakes", lang) + "</h2>", _mistakes(records, size, lang)]
    rows = [f"<tr><td><a href='feedback/{url_quote(stem(r.student))}.html'>{_e(_name(r))}</a>"
            f"</td><td class='n'>{r.score:g} / {r.max_score:g}</td>"
            f"<td>{_e(_status(r.status, lang))}{_not_graded(r, lang)}</td></tr>"
            for r in records]
    head = "".join(f"<th{' class=n' if word == 'score' else ''}>{_h(word, lang)}</th>"
                   for word in (N_("student"), N_("score"), N_("status")))
    parts += ["<h2>" + _h("Students", lang) + "</h2><div class='wrap'><table><tr>" + head +
              f"</tr>{''.join(rows)}</table></div>"]
    return _page(title, "".join(parts), lang)


def similarity_page(records, pairs, threshold, lang="en"):
    """similarity.html: the report's section on similar code, as a page of its own."""
    named = {r.student: _name(r) for r in records}
    body = similarity.section(pairs, lambda s: named.get(s, s), threshold, lang) or [
        "<p>" + _h("No pair of students reaches the similarity threshold ({threshold:g}).",
                   lang, threshold=threshold) + "</p>"]
    return _page(_("Similar code", lang), "".join(body), lang)


def _flagged(records, lang):
    """The section on work flagged for review (checking/flags.py), with the lines that
    raised each flag; nothing when none is."""
    flagged = [r for r in records if r.flags]
    if not flagged:
        return []
    items = [f"<li>{_e(_name(r))}<ul>" + "".join(
        f"<li>{render(flag, 'html', lang)}</li>" for flag in r.flags) + "</ul></li>"
        for r in flagged]
    return ["<h2>" + _h("Flagged for review", lang) + "</h2><p class='muted'>" + _h(
        "This code reaches for what the checks of how a function works are observed with. "
        "A flag is a signal, not a verdict: the score above is computed as usual.", lang)
        + "</p><ul>" + "".join(items) + "</ul>"]


def _not_graded(record, lang):
    """What the LMS held for this student that was not graded (earlier attempts, other
    files, a second submission with the same id), as a muted line; "" when nothing."""
    if not record.identity.ignored:
        return ""
    return ("<br><span class='muted'>" + _h("not graded: {files}", lang, files="; ".join(
        record.identity.ignored)) + "</span>")


def _mistakes(records, size, lang):
    """The mistakes the class made, commonest first: one item per question and kind of
    failure (Message.kind: the templates, whatever numbers fill them), with who made it and
    one of them as the example shown. Failures
    that only say a function was not written or never finished are not mistakes: the
    Statuses section counts them."""
    who, shown = defaultdict(list), {}
    for record in records:
        if record.status not in RAN:
            continue
        for qid, entry in record.questions.items():
            for message in entry.failed:
                key = (qid, message.kind())
                if not not_attempted(message) and record not in who[key]:
                    who[key].append(record)
                    shown.setdefault(key, render(message, "html", lang))
    ranked = sorted(((key, people) for key, people in who.items() if people),
                    key=lambda item: (-len(item[1]), item[0]))[:MISTAKES]
    if not ranked:
        return "<p>" + _h("No check failed.", lang) + "</p>"
    items = ["<li><strong>" + _h("{share} of the class", lang, share=f"{len(people) / size:.0%}")
             + f"</strong> ({len(people)}): <code>{_e(key[0])}</code>: {shown[key]}"
             + f"<br><span class='muted'>{_people(people, lang)}</span></li>"
             for key, people in ranked]
    return "<ol class='mistakes'>" + "".join(items) + "</ol>"


def _people(records, lang, shown=12):
    """Who: the first ``shown`` names, then how many more."""
    names = ", ".join(_e(_name(r)) for r in records[:shown])
    more = len(records) - shown
    return names + (" " + _h("and {count} more", lang, count=more) if more > 0 else "")


def feedback(record, lang="en"):
    """A student's page: per question what passed and what to fix, their loss curve beside
    the reference for the training questions, and notes on cells that failed."""
    parts = [f"<h1>{_e(record.assignment)}: {record.score:g} / {record.max_score:g}</h1>",
             f"<p class='muted'>{_e(_name(record))}</p>"]
    if record.detail:
        parts.append(f"<p><strong>{render(record.detail, 'html', lang)}</strong></p>")
    for qid, entry in record.questions.items():
        mark = ("<span class='ok'>✔ " + _h("full marks", lang) + "</span>" if entry.full else
                "<span class='bad'>✘ " + _h("to fix", lang) + "</span>")
        body = [f"<h2><code>{_e(qid)}</code>: {entry.score:g} / {entry.max_score:g} {mark}</h2>"]
        if entry.passed:  # the sentence escaped, then the checks' words (with <code>) put in
            body.append("<p class='muted'>" + _h("Passed: {checks}.", lang, checks="\0")
                        .replace("\0", passed(entry, lang, "html")) + "</p>")
        if entry.failed:
            body.append("<ul>" + "".join(f"<li>{render(m, 'html', lang)}"
                                         f"{excerpt(record, m, 'html')}</li>"
                                         for m in entry.failed) + "</ul>")
            body.append(definition(record, qid, "html", lang))  # where no line is named
        series = record.curves.get(qid)
        if series:
            chart = charts.curve(series["student"], series["reference"], lang)
            body.append("<figure>" + chart +
                        "<figcaption>" + _h("Your recorded loss per step (solid) and the "
                                            "reference solution's (dashed).", lang) +
                        "</figcaption></figure>")
        parts.append("<section class='question'>" + "".join(body) + "</section>")
    if record.notes:
        parts.append("<h2>" + _h("Notes on running your notebook", lang) + "</h2><ul>" +
                     "".join(f"<li>{render(n, 'html', lang)}</li>" for n in record.notes) +
                     "</ul>")
    title = _("{assignment}: feedback for {student}", lang, assignment=record.assignment,
              student=_name(record))
    return _page(title, "".join(parts), lang)
