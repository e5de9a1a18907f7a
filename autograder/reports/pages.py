"""The HTML pages people read: the instructor's class report and each student's feedback.
Self-contained (styles inline, charts as SVG, no script, nothing fetched); everything from
a submission is escaped, messages through render(…, "html")."""
import html
import statistics
from collections import Counter
from urllib.parse import quote as url_quote

from ..records import Status
from . import charts
from .render import render

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:0 auto;
max-width:60rem;padding:1rem}h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;
margin-top:2rem;border-bottom:1px solid #e4e7eb}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
td.n,th.n{text-align:right}code{background:#f0f4f8;padding:0 .2rem;border-radius:3px;
overflow-wrap:anywhere}.chart{width:100%;max-width:36rem;height:auto}.muted{color:#616e7c}
.ok{color:#1b7a3d}.bad{color:#b42318}.question{border:1px solid #e4e7eb;border-radius:6px;
padding:.5rem 1rem;margin:1rem 0}.wrap{overflow-x:auto}figure{margin:1rem 0}
@media print{body{max-width:none}a{color:inherit;text-decoration:none}}
"""


def _page(title, body):
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
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


def report(records, questions, run, stem):
    """The instructor's page: histogram, questions, statuses, the commonest failures,
    every student linked to their page (``stem(student)`` names the file), the run."""
    total = float(sum(questions.values()))
    size = len(records)
    parts = [f"<h1>{_e(run.get('assignment', ''))}: class report</h1>",
             f'<p class="muted">{size} submission(s); graded {_e(run.get("when", ""))} in '
             f'{run.get("seconds", 0):.1f} s on {run.get("jobs", 1)} job(s). Isolation: '
             f'{_e(", ".join(run.get("isolation", [])) or "none")}.</p>']
    if records:
        scores = [r.score for r in records]
        parts += ["<h2>Scores</h2>", charts.histogram(scores, total),
                  f"<p>Mean {statistics.mean(scores):.2f} / {total:g}, median "
                  f"{statistics.median(scores):g}.</p>"]
    rows = []
    for qid, points in questions.items():
        got = [r.questions[qid].score for r in records if qid in r.questions]
        full = sum(r.questions[qid].full for r in records if qid in r.questions)
        rows.append(f"<tr><td><code>{_e(qid)}</code></td><td class='n'>{points:g}</td>"
                    f"<td class='n'>{statistics.mean(got) if got else 0:.2f}</td>"
                    f"<td class='n'>{full / size if size else 0:.0%}</td></tr>")
    parts += ["<h2>Questions</h2><div class='wrap'><table><tr><th>question</th>"
              "<th class='n'>points</th><th class='n'>mean</th><th class='n'>full marks</th>"
              f"</tr>{''.join(rows)}</table></div>"]
    statuses = Counter(r.status for r in records)
    items = []
    for status, count in statuses.most_common():
        who = [_e(r.student) for r in records if r.status == status]
        listed = "" if status == Status.GRADED else ": " + ", ".join(who)
        items.append(f"<li><strong>{_e(status)}</strong> {count}{listed}</li>")
    parts += ["<h2>Statuses</h2><ul>" + "".join(items) + "</ul>"]
    parts += ["<h2>Commonest mistakes</h2>", _mistakes(records, size)]
    rows = [f"<tr><td><a href='feedback/{url_quote(stem(r.student))}.html'>{_e(_name(r))}</a>"
            f"</td><td class='n'>{r.score:g} / {r.max_score:g}</td><td>{_e(r.status)}</td>"
            f"</tr>" for r in records]
    parts += ["<h2>Students</h2><div class='wrap'><table><tr><th>student</th>"
              f"<th class='n'>score</th><th>status</th></tr>{''.join(rows)}</table></div>"]
    return _page(f"{run.get('assignment', '')}: class report", "".join(parts))


def _mistakes(records, size):
    """Failure messages ranked by how many students got them."""
    counts, shown = Counter(), {}
    for record in records:
        seen = set()
        for qid, entry in record.questions.items():
            for message in entry.failed:
                key = (qid, render(message))
                if key not in seen:
                    seen.add(key)
                    counts[key] += 1
                    shown.setdefault(key, render(message, "html"))
    if not counts:
        return "<p>No check failed.</p>"
    items = [f"<li><strong>{count / size:.0%} of the class</strong> ({count}): "
             f"<code>{_e(qid)}</code>: {shown[(qid, text)]}</li>"
             for (qid, text), count in counts.most_common(10)]
    return "<ol class='mistakes'>" + "".join(items) + "</ol>"


def feedback(record):
    """A student's page: per question what passed and what to fix, their loss curve beside
    the reference for the training questions, and notes on cells that failed."""
    parts = [f"<h1>{_e(record.assignment)}: {record.score:g} / {record.max_score:g}</h1>",
             f"<p class='muted'>{_e(_name(record))}</p>"]
    if record.detail:
        parts.append(f"<p><strong>{render(record.detail, 'html')}</strong></p>")
    for qid, entry in record.questions.items():
        mark = ("<span class='ok'>✔ full marks</span>" if entry.full else
                "<span class='bad'>✘ to fix</span>")
        passed = ", ".join(_e(name.removeprefix("test_").replace("_", " "))
                           for name in entry.passed)
        body = [f"<h2><code>{_e(qid)}</code>: {entry.score:g} / {entry.max_score:g} {mark}</h2>"]
        if passed:
            body.append(f"<p class='muted'>Passed: {passed}.</p>")
        if entry.failed:
            body.append("<ul>" + "".join(f"<li>{render(m, 'html')}</li>" for m in entry.failed)
                        + "</ul>")
        series = record.curves.get(qid)
        if series:
            body.append("<figure>" + charts.curve(series["student"], series["reference"]) +
                        "<figcaption>Your recorded loss per step (solid) and the reference "
                        "solution's (dashed).</figcaption></figure>")
        parts.append("<section class='question'>" + "".join(body) + "</section>")
    if record.notes:
        parts.append("<h2>Notes on running your notebook</h2><ul>" +
                     "".join(f"<li>{render(n, 'html')}</li>" for n in record.notes) + "</ul>")
    return _page(f"{record.assignment}: feedback for {_name(record)}", "".join(parts))
