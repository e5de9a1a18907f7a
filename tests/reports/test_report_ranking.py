"""The class report ranks real mistakes (one kind of failure, whatever its numbers, is one
item naming who made it; unwritten or unfinished functions and notebooks that never ran
are not mistakes) and shows everyone: late, absent, files not graded, display names."""
from autograder.records import (NOT_IMPLEMENTED, TOO_SLOW, Identity, QuestionResult, Record,
                                Status, msg)
from autograder.reports import pages

WRONG_SHAPE = "{function} returned shape {got}; expected {expected}."


def record(student, failed, status=Status.GRADED, **who):
    return Record(student, "tensor_shapes", f"{student}.ipynb", status, None,
                  0 if failed else 2, 2, {"to_nchw": QuestionResult(0 if failed else 2, 2,
                                                                    failed=failed)},
                  identity=Identity(**{"name": f"Name {student}", "lms": "canvas",
                                       "user_id": student, **who}))


def shape(got):
    return msg(WRONG_SHAPE, function="to_nchw", got=got, expected="(2, 3, 4, 5)")


CLASS = [record("a", [shape("(2, 4, 5, 3)")]), record("b", [shape("(3, 4, 5, 2)")]),
         record("c", [shape("(5, 4, 3, 2)")], late=True),
         record("d", [msg(NOT_IMPLEMENTED.text, function="to_nchw")]),
         record("e", [msg(TOO_SLOW.text, call="to_nchw(x)", seconds=2)]),
         record("h", [msg("{function} fails on a batch with C = 1. Details: {details}",
                          function="to_nchw", details=msg(NOT_IMPLEMENTED.text,
                                                          function="to_nchw"))]),
         record("f", [msg("no notebook")], Status.INVALID_NOTEBOOK),
         record("g", [], ignored=["attempt 2026-03-01-10-00-00"])]


def page(**run):
    return pages.report(CLASS, {"to_nchw": 2.0}, {"title": "Week 1: tensors", "graded": 2,
                                                  **run}, lambda s: s)


def test_one_kind_of_mistake_is_one_item_with_who_made_it():
    mistakes = page().split("Commonest mistakes", 1)[1].split("<h2>", 1)[0]
    assert mistakes.count("<li>") == 1 and "(3)" in mistakes
    assert "Name a (a), Name b (b), Name c (c)" in mistakes
    for not_a_mistake in ("not implemented", "did not finish", "no notebook", "C = 1"):
        assert not_a_mistake not in mistakes


def test_statuses_late_absent_and_not_graded_are_on_the_page():
    shown = page(absent=["Absent, Al", "<b>x</b>"])
    statuses = shown.split("Statuses", 1)[1].split("<h2>", 1)[0]
    assert ("not written, not kept or never finished</strong> 3: Name d (d), Name e (e), "
            "Name h (h)") in statuses
    assert "marked late by the LMS</strong> 1: Name c (c)" in statuses
    assert "other attempts or files not graded</strong> 1: Name g (g)" in statuses
    assert "in the roster, no submission</strong> 2: Absent, Al, &lt;b&gt;x&lt;/b&gt;" \
        in statuses
    assert "invalid notebook</strong> 1: Name f (f)" in statuses
    assert "<h1>Week 1: tensors: class report</h1>" in shown
    assert "8 submission(s): 2 graded" in shown and "6 kept from an earlier run" in shown
    assert "not graded: attempt 2026-03-01-10-00-00" in shown  # on the student's row


def test_the_isolation_line_is_in_the_reports_language():
    shown = pages.report(CLASS, {"to_nchw": 2.0}, {"isolation": ["cgroup", "seccomp"]},
                         lambda s: s, "hu")
    assert "Elszigetelés: vezérlőcsoport (folyamatok, memória), seccomp (rendszerhívások)." \
        in shown
    assert "Isolation: none." in pages.report(CLASS, {"to_nchw": 2.0}, {}, lambda s: s)


def test_a_mistake_is_told_apart_by_its_prose_not_by_the_example_it_gives():
    def wrong(what, factor):
        return msg("{what} has the right shape but wrong values: {example}.", what=msg(what),
                   example=msg("{example} ({relation})", example=msg(
                       "the value at {index} is {actual}, not {expected}", index="[0]",
                       actual=str(factor * 10), expected="10"), relation=msg(
                       "every value is {factor} times the right one", factor=str(factor))))
    result = "to_nchw's result"
    mistakes = pages.report(
        [record("a", [wrong(result, 6)]), record("b", [wrong(result, 3)]),
         record("c", [wrong("The input batch after to_nchw", 2)])],
        {"to_nchw": 2.0}, {}, lambda s: s).split("Commonest mistakes", 1)[1].split("<h2>")[0]
    assert mistakes.count("<li>") == 2
    assert "(2): <code>to_nchw</code>: to_nchw's result" in mistakes
    assert "Name a (a), Name b (b)" in mistakes and "(1)" in mistakes
