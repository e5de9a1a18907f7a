"""Turn check outcomes into points per question, and an Outcome into a Record."""
from collections import defaultdict

from .records import Message, QuestionResult, Record, msg


def score(questions, checks, detail=None):
    """{question id: QuestionResult} from CheckOutcomes.

    A check function is worth its ``points``; when it is parametrized, each case carries
    an equal share. Questions with no outcome (nothing could run) get 0 and ``detail``.
    """
    cases = defaultdict(list)
    for check in checks:
        cases[(check.question, check.check)].append(check)
    result = {qid: QuestionResult(0.0, float(points)) for qid, points in questions.items()}
    for (qid, name), outcomes in cases.items():
        if qid not in result:
            continue
        entry = result[qid]
        passed = [o for o in outcomes if o.passed]
        entry.score += outcomes[0].points * len(passed) / len(outcomes)
        if len(passed) == len(outcomes):
            entry.passed.append(name)
        entry.failed += [outcome.message for outcome in outcomes if not outcome.passed]
    for qid, entry in result.items():
        entry.score = round(entry.score, 2)
        entry.failed = once(entry.failed)
        if not any(key[0] == qid for key in cases):
            entry.failed.append(detail or msg("This question could not be checked."))
    return result


def once(messages):
    """One message per mistake: messages that differ only in the call they name and the
    example they give (one error met on several inputs, a function that hangs on each) are
    said once, naming the call with the smallest input (_size)."""
    kept = {}
    for message in messages:
        key = _mistake(message)
        if key not in kept or _size(_call(message)) < _size(_call(kept[key])):
            kept[key] = message
    return list(kept.values())


def _mistake(value):
    if not isinstance(value, Message):
        return repr(value)
    return value.text, tuple(sorted((name, _mistake(v)) for name, v in value.params.items()
                                    if name not in ("call", "example")))


def _size(call):
    """How big a call's inputs are: tensors too big to show ("<2×3×4 tensor>") count first,
    then the length of the text."""
    return call.count("<"), len(call)


def _call(message):
    """The call a message names, as text ("" when it names none)."""
    if "call" in message.params:
        return repr(message.params["call"])
    return next((found for v in message.params.values() if isinstance(v, Message)
                 for found in [_call(v)] if found), "")


def record(assignment, submission, outcome, questions):
    """The Record of one graded submission."""
    per_question = score(questions, outcome.checks, outcome.detail)
    return Record(submission.student, assignment, str(submission.path), outcome.status,
                  outcome.detail, round(sum(q.score for q in per_question.values()), 2),
                  float(sum(questions.values())), per_question, outcome.notes,
                  outcome.seconds, outcome.isolation, submission.seed, submission.identity,
                  outcome.curves, outcome.code, outcome.flags,
                  {name: str(path) for name, path in submission.beside.items()})
