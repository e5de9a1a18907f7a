"""Who copied: a class of independent solutions (the corpus's variants and mistakes, each on
the reference) with copies disguised by renaming, new layout, reordered functions and new
comments, copies of wrong answers among them. Every copy must rank above every independent
pair, and no independent pair may reach the threshold."""
import pytest

from autograder.assignments import NAMES
from autograder.config import SIMILAR
from autograder.records import Status
from autograder.reports.similarity import compare, rank


@pytest.fixture(scope="module", params=NAMES)
def graded(request, corpus_class):
    """The corpus's class with disguised copies (conftest.corpus_class), graded once."""
    records, copies = corpus_class(request.param)
    return request.param, records, copies


def test_copies_grade_as_their_originals(graded):
    _, records, copies = graded
    for copy in copies:
        original = records[copy.removeprefix("copy_of_")]
        assert (records[copy].status, records[copy].score) == (Status.GRADED, original.score)


def test_every_disguised_copy_ranks_above_every_independent_pair(graded):
    assignment, records, copies = graded
    scores = {frozenset(pair): score for score, pair in rank(list(records.values()), assignment)}
    copied = {frozenset((copy, copy.removeprefix("copy_of_"))) for copy in copies}
    independent = [(score, tuple(sorted(pair))) for pair, score in scores.items()
                   if not any(name.startswith("copy_of_") for name in pair)]
    found = sorted((scores.get(pair, 0.0), tuple(sorted(pair))) for pair in copied)
    assert found[0][0] >= SIMILAR, found
    assert not independent or max(independent)[0] < SIMILAR, max(independent)
    assert not independent or found[0][0] > max(independent)[0]
    shown = [pair.students for pair in compare(list(records.values()), assignment)]
    assert {frozenset(pair) for pair in shown} >= copied  # the report shows them all


def test_the_report_says_why_and_shows_the_matching_lines(graded):
    assignment, records, copies = graded
    pairs = compare(list(records.values()), assignment)
    for pair in pairs:
        assert pair.reasons and all(pair.lines), pair.students
        assert any(matching for _, parts in pair.lines[0] for _, matching in parts)
    shown = {frozenset(pair.students): pair for pair in pairs}
    wrong_copies = [shown[frozenset((c, c.removeprefix("copy_of_")))] for c in copies
                    if "wrong" in c]
    # A mistake few others made is named (a common one is not evidence).
    assert any("the same wrong answer" in reason.text for pair in wrong_copies
               for reason in pair.reasons)
