"""What the terminal shows: progress while grading, a class summary afterwards."""
import statistics
import sys

from tqdm import tqdm

from ..discovery import printable
from ..records import Status
from ..sandbox.inside.confine import missing


class Progress:
    """Submissions done out of total, rate, ETA and failures so far.

    On a terminal this is one live bar, with a line above it for each submission that
    was not cleanly graded; elsewhere (CI logs, pipes) one line per submission.
    """

    def __init__(self, total, log=print, live=None):
        self.total, self.done, self.failures, self.log = total, 0, 0, log
        live = sys.stderr.isatty() if live is None else live
        self.bar = tqdm(total=total, unit="nb", file=sys.stderr, dynamic_ncols=True,
                        postfix="failures 0") if live and total else None

    def update(self, record):
        self.done += 1
        failed = record.status != Status.GRADED
        self.failures += failed
        line = (f"[{self.done}/{self.total}] {record.student}: {record.score:g}/"
                f"{record.max_score:g} {record.status} ({record.seconds:.1f} s)")
        if self.bar is None:
            self.log(line)
            return
        if failed:
            self.bar.write(line, file=sys.stderr)
        self.bar.set_postfix_str(f"failures {self.failures}", refresh=False)
        self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def class_summary(records, questions, graded_now=0, seconds=0.0, jobs=1):
    """Throughput, statuses, and mean/median/full marks per question, as text."""
    lines = []
    if graded_now:
        lines.append(f"graded {graded_now} notebook(s) in {seconds:.1f} s: "
                     f"{graded_now / seconds:.1f} per second, {seconds * jobs / graded_now:.2f} s "
                     f"each on {jobs} job(s)")
    if not records:
        return "\n".join(lines + ["no submissions found"])
    counts = {}
    for record in records:
        counts[record.status.value] = counts.get(record.status.value, 0) + 1
    lines.append("status: " + ", ".join(f"{n} {status}" for status, n in
                                         sorted(counts.items(), key=lambda item: -item[1])))
    width = max(len("question"), *map(len, questions))
    lines.append(f"{'question':<{width}}  {'points':>6}  {'mean':>6}  {'median':>6}  full marks")
    rows = [(qid, points, [r.questions[qid].score for r in records])
            for qid, points in questions.items()]
    rows.append(("total", sum(questions.values()), [r.score for r in records]))
    for name, points, scores in rows:
        full = sum(score >= points for score in scores) / len(scores)
        lines.append(f"{name:<{width}}  {points:>6g}  {statistics.mean(scores):>6.2f}  "
                     f"{statistics.median(scores):>6g}  {full:>9.0%}")
    return "\n".join(lines)


def student_table(records):
    """One line per student: score, status, and the name the LMS gives when it differs."""
    width = max([7] + [len(r.student) for r in records])
    lines = [f"{'student':<{width}}  {'score':>11}  {'status':<16}  name".rstrip()]
    for r in records:
        name = r.identity.name if r.identity.name != r.student else ""
        name = printable(name)
        lines.append(f"{r.student:<{width}}  {r.score:>5g} / {r.max_score:<3g}  "
                     f"{r.status:<16}  {name}".rstrip())
    return "\n".join(lines)


def similar_table(pairs, threshold):
    """One line per pair of students whose code is alike, highest first."""
    if not pairs:
        return f"no pair of students reaches the similarity threshold ({threshold:g})"
    width = max(len(printable(s)) for pair in pairs for s in pair.students)
    return "\n".join([f"score  {'student':<{width}}  student"] + [
        f"{pair.score:5.2f}  {printable(pair.students[0]):<{width}}  "
        f"{printable(pair.students[1])}" for pair in pairs])


def isolation_summary(layers):
    """One line naming the confinement a sandbox gets here, and a warning for what lacks."""
    active = ", ".join(layer["label"] for layer in layers) or "none"
    absent = missing(layers)
    warning = (f"\nwarning: weaker isolation here: {'; '.join(absent)}. Grade untrusted work "
               "on Linux as root for full protection.") if absent else ""
    return f"isolation: separate process, {active}{warning}"
