"""Points per question from check outcomes (no sandbox involved)."""
from autograder.records import CheckOutcome, Outcome, Status, Submission, msg
from autograder.scoring import record, score

QUESTIONS = {"a": 2, "b": 1, "c": 1}


def _check(question, check, passed, text=None, points=1):
    return CheckOutcome(question, check, points, passed, msg(text) if text else None)


def test_a_parametrized_check_shares_its_points_between_cases():
    checks = [_check("a", "t1", True, points=2), _check("a", "t1", False, "wrong", points=2),
              _check("a", "t1", True, points=2), _check("a", "t1", True, points=2)]
    result = score({"a": 2}, checks)["a"]
    assert result.score == 1.5 and result.passed == [] and result.failed == [msg("wrong")]


def test_each_distinct_failure_is_listed_once_and_full_checks_are_named():
    checks = [_check("a", "t1", False, "x"), _check("a", "t1", False, "x"),
              _check("a", "t2", True), _check("b", "t3", False, "y")]
    result = score(QUESTIONS, checks)
    assert result["a"].failed == [msg("x")] and result["a"].passed == ["t2"]
    assert result["a"].score == 1 and result["b"].score == 0


def test_a_question_nothing_checked_gets_zero_and_the_reason():
    why = msg("The notebook is not valid JSON.")
    result = score(QUESTIONS, [_check("a", "t1", True, points=2)], why)
    assert result["a"].full and result["b"].failed == [why] and result["c"].score == 0
    assert score(QUESTIONS, [])["c"].failed == [msg("This question could not be checked.")]


def test_outcomes_for_unknown_questions_are_ignored():
    assert score({"a": 1}, [_check("zzz", "t", True)])["a"].score == 0


def test_a_record_totals_its_questions_and_keeps_the_seed():
    outcome = Outcome(Status.TIMEOUT, msg("slow"), [_check("a", "t1", True, points=2),
                                                    _check("b", "t2", True)], seconds=1.5)
    graded = record("x", Submission("ann", "ann.ipynb", "k", seed=42), outcome, QUESTIONS)
    assert (graded.score, graded.max_score, graded.status, graded.seed) == (3, 4, Status.TIMEOUT, 42)
    assert graded.detail == msg("slow") and graded.seconds == 1.5


def test_one_error_met_on_several_inputs_is_said_once_with_the_smallest_input():
    raised = "{call} raised {error} (code cell {cell}, line {line}): {message}"
    slow = "{call} did not finish within {seconds:g} seconds. Look for a loop that never ends."
    big = "make_tensor((1, 2, 3, 4), device='cpu')"

    def failure(check, text, **params):
        return CheckOutcome("a", check, 1, False, msg(text, **params))
    checks = [failure("t1", raised, call=big, error="AssertionError", cell=3, line=2,
                      message="Torch not compiled with CUDA enabled"),
              failure("t1", raised, call="make_tensor((), device='cpu')", error="AssertionError",
                      cell=3, line=2, message="Torch not compiled with CUDA enabled"),
              failure("t2", raised, call=big, error="IndexError", cell=3, line=4, message="x"),
              failure("t3", "{ignores} Details: {details}", ignores="no", details=msg(
                  slow, call=big, seconds=5)),
              failure("t4", "{ignores} Details: {details}", ignores="no", details=msg(
                  slow, call="make_tensor((2,))", seconds=5))]
    failed = score({"a": 4}, checks)["a"].failed
    assert [m.params.get("call") or m.params["details"].params["call"] for m in failed] == [
        "make_tensor((), device='cpu')", big, "make_tensor((2,))"]
