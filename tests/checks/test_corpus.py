"""Every hidden check earns its keep: wrong solutions lose points with the right hint,
valid variants keep full marks, the reference scores 100% and the stub 0."""
import pytest

from autograder.assignments import NAMES
from autograder.reports.render import render

from conftest import failures, untranslated
from corpus import VALID, WRONG


@pytest.mark.parametrize("assignment", NAMES)
def test_corpus(corpus_class, assignment):
    records = corpus_class(assignment)[0]  # the reference, the stub, wrong<i>, valid<i>

    reference = records["reference"]
    assert reference.score == reference.max_score, reference.questions
    assert records["stub"].score == 0
    problems = []
    for index, (name, question, hint, code) in enumerate(WRONG[assignment]):
        record = records[f"wrong{index}"]
        if record.questions[question].full:
            problems.append(f"{name}: no points lost on {question}")
        elif not any(hint in text for text in failures(record, question)):
            problems.append(f"{name}: hint {hint!r} not in {failures(record, question)}")
        for other, other_entry in record.questions.items():
            if other != question and not other_entry.full:
                problems.append(f"{name}: also lost points on {other}: "
                                f"{failures(record, other)}")
    for index, (name, code) in enumerate(VALID[assignment]):
        record = records[f"valid{index}"]
        if record.score < record.max_score:
            problems.append(f"valid {name} lost points: "
                            f"{ {q: failures(record, q) for q in record.questions} }")
        if record.flags:  # by its text, or by what it did while running (audit.py)
            problems.append(f"valid {name} flagged: {[render(f) for f in record.flags]}")
    if reference.flags:
        problems.append(f"the reference flagged: {[render(f) for f in reference.flags]}")
    assert not problems, "\n".join(problems)
    missing = untranslated(records.values())
    assert not missing, "feedback without a translation (python -m autograder catalogs):\n" + \
        "\n".join(missing)


def test_every_question_has_three_wrong_solutions():
    from autograder.assignments import questions
    for assignment in NAMES:
        for question in questions(assignment):
            count = sum(1 for case in WRONG[assignment] if case[1] == question)
            assert count >= 3, f"{assignment}.{question} has only {count} wrong solutions"


@pytest.mark.parametrize("name", ["never resets grads", "starts from one"])
def test_a_wrong_trajectory_is_not_also_blamed_on_backward(corpus_class, name):
    """fit_linear's backward() is judged by the gradient y gathers on the reference's
    trajectory: off it, that gradient differs however backward() was called, and the
    trajectory check has said what is wrong."""
    index = next(i for i, entry in enumerate(WRONG["no_grad_update"]) if entry[0] == name)
    said = " ".join(failures(corpus_class("no_grad_update")[0][f"wrong{index}"], "fit_linear"))
    assert "gradient descent from w = 0 and b = 0 gives" in said
    assert "backward() does not start from each step's loss" not in said


@pytest.mark.parametrize("name", ["transpose swaps H and W", "flattens everything"])
def test_a_wrong_shape_is_not_also_blamed_on_autograd(corpus_class, name):
    """Gradients of a result of the wrong shape cannot be checked: the feedback says that,
    not that the function cut the result off from autograd (it did not)."""
    index, question = next((i, entry[1]) for i, entry in enumerate(WRONG["tensor_shapes"])
                           if entry[0] == name)
    said = " ".join(failures(corpus_class("tensor_shapes")[0][f"wrong{index}"], question))
    assert "the grader could not send gradients back through it" in said
    assert "cuts the result off from autograd" not in said


def test_no_two_corpus_entries_are_the_same_code():
    """A second copy adds no case, and the class of tests/reports/test_similarity.py would
    hold two 'independent' students who copied."""
    for assignment in NAMES:
        codes = [entry[3] for entry in WRONG[assignment]] + [c for _, c in VALID[assignment]]
        assert len(codes) == len(set(codes)), assignment
