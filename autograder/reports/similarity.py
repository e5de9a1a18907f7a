"""Whose code is alike enough for an instructor to look at: pairs of students ranked after
grading. Nothing here changes a grade or reaches a student.

Code is compared as fingerprint.py reads it, so renaming, reformatting, reordering functions
and new comments hide nothing, and what the released notebook already holds (its stub, and
course.yaml's ``base_code``) is left out. Evidence is weighed as a teacher would: a passage
counts less the more of the class wrote it (``weight``: 1 when two students share it,
nothing when everyone does); rare names and comments shared, and the same unusual wrong
answer, add to a pair's score; and two notebooks that do not pass and fail the same checks
keep only part of theirs, since copied code behaves as the original does.
"""
import html
import math
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect.utils import find_fingerprint_overlap
from scipy import sparse

from ..assignments import questions
from ..config import ROOT, SIMILAR as THRESHOLD
from ..i18n import N_
from ..jupyter import readable_code
from ..notebook import NotebookError, read_cells
from ..records import msg
from .feedback import _
from .fingerprint import bound, fingerprint, lines, tokens
from .render import render

HALF = 1.5            # evidence (in passages only two share) that halves what coverage gives
SHARP = 4             # coverage counts to this power: a copy shares nearly all, others part
FLOOR = 2.0           # own uncommon code below this many passages is too little to cover
RARE = 0.05           # at most this share of the class (and two) makes a thing rare
BONUS = {"name": 0.5, "comment": 1.0, "mistake": 2.0}  # in passages, per rare thing shared
UNLIKE = 0.5          # what a score keeps when the two do not pass and fail the same checks


@dataclass
class Pair:
    """Two students' code, alike: ``score`` in [0, 1], why, and each one's lines
    [(number, [(text, matching)])] around the parts that match."""
    students: tuple
    score: float
    reasons: list = field(default_factory=list)  # [Message]
    lines: tuple = ((), ())


def compare(records, assignment, base_files=(), threshold=THRESHOLD):
    """The Pairs of ``records`` whose score reaches ``threshold``, highest first."""
    found = _Class(records, assignment, base_files)
    return [found.pair(i, j, score) for score, i, j in found.ranked() if score >= threshold]


def rank(records, assignment, base_files=()):
    """Every pair of students that shares any code: [(score, (student, student))], highest
    first (what compare shows, without the lines and reasons)."""
    found = _Class(records, assignment, base_files)
    return [(score, (found.students[i], found.students[j])) for score, i, j in found.ranked()]


class _Class:
    """The class's fingerprints and what every pair shares, weighed."""

    def __init__(self, records, assignment, base_files):
        keep = set(questions(assignment))  # the graded functions' names are everyone's
        codes = {r.student: _code(r.path, r.beside) for r in records}
        self.students = sorted(s for s, cells in codes.items() if "".join(cells).strip())
        n = self.n = len(self.students)
        boiler = fingerprint(_base(assignment, base_files), keep=keep).hashes
        self.prints = [fingerprint(codes[s], boiler, keep) for s in self.students]
        self.frequency = Counter(h for one in self.prints for h in one.places)
        shared = [h for h, count in self.frequency.items() if count > 1]
        column = {h: k for k, h in enumerate(shared)}
        cells = [(i, column[h]) for i, one in enumerate(self.prints)
                 for h in one.places if h in column]
        rows, cols = (list(axis) for axis in zip(*cells)) if cells else ([], [])
        x = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(shared)))
        weights = np.array([weight(self.frequency[h], n) for h in shared])
        self.common = (x.multiply(weights) @ x.T).toarray() if shared else np.zeros((n, n))
        own = np.array([sum(weight(self.frequency[h], n) for h in one.places)
                        for one in self.prints])
        self.coverage = np.minimum(1.0, self.common / np.maximum(np.sqrt(np.outer(own, own)),
                                                                 FLOOR))
        self.extra = _rare_things(records, self.students, codes, keep, n)
        outcomes = {r.student: _outcome(r) for r in records}
        kinds = {}
        self.behaviour = np.array([kinds.setdefault(repr(outcomes[s]), len(kinds))
                                   for s in self.students])

    def ranked(self):
        """[(score, i, j)] for every pair that shares anything, highest first."""
        evidence = self.common.copy()
        for (i, j), things in self.extra.items():
            evidence[i, j] += sum(bonus for bonus, _ in things)
        score = self.coverage ** SHARP * evidence / (evidence + HALF)
        score = np.where(self.behaviour[:, None] == self.behaviour[None, :], score,
                         score * UNLIKE)  # copied code behaves as the original does
        i, j = np.nonzero(np.triu(self.common, 1) > 0)
        return sorted(zip(score[i, j].tolist(), i.tolist(), j.tolist()),
                      key=lambda item: (-item[0], self.students[item[1]],
                                        self.students[item[2]]))

    def pair(self, i, j, score):
        """The Pair of students i and j, with the passages that fewest others wrote (at
        least half as rare as the rarest they share) marked in both one's code."""
        prints, frequency, n = self.prints, self.frequency, self.n
        both = prints[i].hashes & prints[j].hashes
        top = max((weight(frequency[h], n) for h in both), default=0.0)
        rare = {h for h in both if top and weight(frequency[h], n) >= top / 2}
        places = [{h: one.places[h] for h in rare} for one in (prints[i], prints[j])]
        left, right = find_fingerprint_overlap(rare, rare, *places)
        why = [msg("{percent}% of the code that is not common to the class is the same in "
                   "both ({count} passages few others wrote)",
                   percent=round(100 * float(self.coverage[i, j])), count=len(rare))]
        return Pair((self.students[i], self.students[j]), round(score, 3),
                    why + [reason for _, reason in self.extra.get((i, j), [])],
                    (lines(prints[i], left), lines(prints[j], right)))


def weight(count, n):
    """How much a passage written by ``count`` of ``n`` students says: 1 when two share it,
    falling to 0 when all of them wrote it (log n/count over log n/2)."""
    if n <= 2:
        return 1.0
    return max(0.0, math.log(n / count) / math.log(n / 2))


def _code(path, beside=None):
    """The notebook's code cells, magics taken out, and the modules it imports from the
    files handed in ``beside`` it ({name: path}); [] if it cannot be read."""
    try:
        return [readable_code(source) for _, source in read_cells(
            path, {name: Path(file) for name, file in (beside or {}).items()})]
    except (NotebookError, OSError, ValueError):
        return []


def _base(assignment, files):
    """The code every student was given: the released notebook in each language, and
    course.yaml's ``base_code`` files (.py or .ipynb)."""
    paths = [ROOT / "assignments" / f"{assignment}.ipynb",
             *sorted((ROOT / "assignments").glob(f"*/{assignment}.ipynb")), *files]
    return [cell for path in paths for cell in (
        _code(path) if str(path).endswith(".ipynb") else [_read(path)])]


def _read(path):
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _rare_things(records, students, codes, keep, n):
    """{(i, j): [(bonus, reason)]} for names, comments and wrong answers that few in the
    class have, shared by students i and j (a name or comment in the released notebook is
    everyone's: it is never rare)."""
    holders = defaultdict(set)
    for i, student in enumerate(students):
        for thing in _things(codes[student], keep):
            holders[thing].add(i)
    by_student, example = {r.student: r for r in records}, {}
    for i, student in enumerate(students):
        for question, entry in by_student[student].questions.items():
            for failure in entry.failed:
                holders[("mistake", (question, _kind(failure)))].add(i)
                example[(question, _kind(failure))] = failure
    rare = max(2, int(RARE * n))
    found = defaultdict(list)
    for (kind, what), group in holders.items():
        if 1 < len(group) <= rare:
            reason = (msg(MISTAKE, question=what[0], feedback=example[what])
                      if kind == "mistake" else msg(THINGS[kind], what=what))
            for pair in combinations(sorted(group), 2):
                found[pair].append((BONUS[kind] * weight(len(group), n), reason))
    return found


THINGS = {"name": N_("a name few others use: {what}"),
          "comment": N_("a comment few others wrote: {what}")}
MISTAKE = N_("the same wrong answer on {question}: {feedback}")


def _things(cells, keep):
    """The names the cells bind (three letters or more, not ``keep``) and their comments
    (ten letters or more, normalised)."""
    found = {("name", name) for name in set().union(*map(bound, cells)) - set(keep)
             if len(name) > 2}
    for cell in cells:
        for token in tokens(cell):
            text = " ".join(token.string.lstrip("#").lower().split())
            if token.type == tokenize.COMMENT and len(re.sub(r"\W", "", text)) >= 10:
                found.add(("comment", text[:120]))
    return found


def _kind(message):
    """A failure as the checks found it, by its sentence and the numbers in it: not the
    places and code it quotes, which a copy's own layout and names change."""
    params = message.params.items()
    return (message.text, tuple(sorted((key, round(value, 6)) for key, value in params
                                       if type(value) in (int, float))),
            tuple(_kind(value) for _, value in sorted(params) if hasattr(value, "params")))


def _outcome(record):
    """What a record's checks found, per question: its score and its kinds of failure."""
    return {question: (entry.score, frozenset(m.text for m in entry.failed))
            for question, entry in record.questions.items()}


def section(pairs, names, threshold, lang):
    """The class report's section on similar code: each pair, why, and the two students'
    code side by side with what they share marked; nothing when no pair reaches the
    threshold. ``names`` shows a student id as the report names it."""
    if not pairs:
        return []
    items = []
    for pair in pairs:
        codes = "".join(
            f"<div><strong>{html.escape(names(student))}</strong><pre class='code'>"
            + "\n".join(f"<span class='muted'>{number:>4}</span> " + "".join(
                f"<mark>{html.escape(text)}</mark>" if matching else html.escape(text)
                for text, matching in parts) for number, parts in shown)
            + "</pre></div>" for student, shown in zip(pair.students, pair.lines))
        items.append(
            f"<details class='question'><summary>{html.escape(names(pair.students[0]))} — "
            f"{html.escape(names(pair.students[1]))}: {pair.score:.2f}</summary><ul>"
            + "".join(f"<li>{render(reason, 'html', lang)}</li>" for reason in pair.reasons)
            + f"</ul><div class='side'>{codes}</div></details>")
    return ["<h2>" + html.escape(_("Similar code", lang)) + "</h2><p class='muted'>"
            + html.escape(_(
        "Pairs of students whose code is more alike than {threshold:g} (1: the same code, "
        "names and layout aside), highest first; code most of the class wrote counts little. "
        "A signal for you to look at: nothing is said to students, and no grade changes.",
        lang, threshold=threshold)) + "</p>" + "".join(items)]
