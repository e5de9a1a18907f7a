"""What a student reads when a returned tensor has the right shape but wrong values: the call,
the first wrong element, and how all the values relate to the right ones."""
import pytest
import torch

from autograder.checking import CheckFailed, expect_close, follows, msg, tensor
from autograder.checking.values import TensorInfo, describe_call
from autograder.records import CheckOutcome
from autograder.reports.render import render
from autograder.scoring import score

RIGHT = torch.tensor([[10.0, 16.0, 22.0], [22.0, 16.0, 10.0]])


def _info(data):
    return TensorInfo(data, "Tensor", str(data.dtype), "cpu", tuple(data.shape),
                      "torch.strided", False, True, None, None, 0, None)


def _said(actual, expected=RIGHT, call="f(x)"):
    with pytest.raises(CheckFailed) as failed:
        expect_close(_info(actual), expected, msg("f's result"), call=call)
    return failed.value.message


@pytest.mark.parametrize("actual, relation", [
    (RIGHT * 6, " (every value is 6 times the right one)"),        # a sum instead of a mean
    (-RIGHT, " (every value has the wrong sign)"),
    (RIGHT + 0.5, " (every value is off by the same amount, +0.5)"),
    (RIGHT.flip(1) * torch.tensor([[1.0, 1, 1], [1, 1, 1]]).roll(1, 0),
     " (the right values are all there, but in the wrong places)"),  # reshape for permute
    (RIGHT + torch.tensor([[0.0, 0, 1], [0, 0, 0]]), ""),             # one slip: no relation
])
def test_wrong_values_name_the_call_the_first_wrong_element_and_the_relation(actual, relation):
    first = next(i for i, (a, b) in enumerate(zip(actual.flatten(), RIGHT.flatten())) if a != b)
    index = [first // 3, first % 3]
    expected = (f"f's result has the right shape but wrong values: for f(x), the value at "
                f"{index} is {actual.flatten()[first].item():.6g}, not "
                f"{RIGHT.flatten()[first].item():.6g}{relation}.")
    assert render(_said(actual)) == expected


def test_a_number_is_shown_without_an_index_and_a_relation():
    said = _said(torch.tensor(60.0), torch.tensor(10.0), call=None)
    assert render(said) == "f's result has the right shape but wrong values: it is 60, not 10."


def test_right_values_within_float32_rounding_pass():
    expect_close(_info(RIGHT * (1 + 1e-7)), RIGHT.double(), "f's result")


def test_one_mistake_met_on_several_inputs_is_said_once_for_the_smallest_call():
    calls = ["f(<3×4 tensor>)", "f(tensor(1.5))", "f(<2×3×4 tensor>)"]
    values = [RIGHT * 2, RIGHT * 3, RIGHT * 4]
    failed = score({"q": 3}, [CheckOutcome("q", "t", 1, False, _said(v, call=c))
                              for c, v in zip(calls, values)])["q"].failed
    assert len(failed) == 1 and "for f(tensor(1.5))," in render(failed[0])
    assert "3 times" in render(failed[0])
    shown = "f(tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]))"  # longer, but the input is smaller
    failed = score({"q": 2}, [CheckOutcome("q", "t", 1, False, _said(RIGHT * 2, call=c))
                              for c in ("f(<2×3×4 tensor>)", shown)])["q"].failed
    assert f"for {shown}," in render(failed[0])


def test_a_call_shows_small_tensors_rounded_as_a_student_would_type_them():
    x = torch.tensor([[-0.7740959381952198, 2.0], [1e-6, 3.0]])
    assert describe_call("f", [tensor(x), 2], {"lr": 0.1}) == (
        "f(tensor([[-0.7741, 2.0], [1e-06, 3.0]]), 2, lr=0.1)")
    assert describe_call("f", [tensor(torch.tensor(2.0), requires_grad=True)], {}) == (
        "f(tensor(2.0, requires_grad=True))")


def test_losses_follow_a_trajectory_as_numbers_or_one_element_tensors():
    reference = (9.2, 7.5, 6.1)
    assert follows([9.2, 7.5, 6.1], reference)
    assert follows([_info(torch.tensor(v)) for v in reference], reference)
    assert not follows([9.2, 7.5], reference) and not follows(None, reference)
    assert not follows([9.2, 7.6, 6.1], reference) and not follows(["9.2", 7.5, 6.1], reference)


def _raised(code):
    w = torch.ones(2, requires_grad=True)
    try:
        code(w)
    except (RuntimeError, ValueError, AssertionError, IndexError, TypeError,
            AttributeError) as error:
        return str(error)
    raise AssertionError("no error")


def _twice(w):
    loss = (w * w).sum()
    loss.backward()
    loss.backward()


def _changed_in_place(w):
    y = w.exp()
    y.add_(1)
    y.sum().backward()


# torch as the answer key: the errors as this torch raises them, each with its fix
BEGINNERS_ERRORS = {
    "make it float first": lambda w: torch.tensor(2, requires_grad=True),
    "nothing requiring grad went into": lambda w: (torch.ones(2) * 2).sum().backward(),
    "compute the loss again before each backward()": _twice,
    "only under torch.no_grad()": lambda w: w.sub_(1),
    "reduce the result first": lambda w: (w * 2).backward(),
    "write that step out of place": _changed_in_place,
    "take a tensor of one element only": lambda w: float(torch.ones(2)),
    "the inner sizes must match": lambda w: torch.ones(2, 3) @ torch.ones(2, 3),
    "do not broadcast": lambda w: torch.ones(3) + torch.ones(4),
    "class indices as integers": lambda w: torch.nn.functional.cross_entropy(
        torch.randn(3, 4), torch.tensor([0.0, 1.0, 2.0])),
    "convert first, out of place": lambda w: torch.zeros(2, dtype=torch.uint8).div_(255),
    "reduce the comparison with .all()": lambda w: bool(torch.ones(2) > 0),
    "count from 0": lambda w: torch.ones(2).sum(dim=1),
    "have different dtypes": lambda w: torch.ones(2, 2) @ torch.ones(2, 2).double(),
    "stays None until a backward()": lambda w: 0.1 * w.detach().grad,
    "call .contiguous() before view()": lambda w: torch.ones(2, 3).permute(1, 0).view(6),
    **({} if torch.cuda.is_available() else {  # the CPU build's answer to "cuda"
        "never \"cuda\" or .cuda() by name": lambda w: torch.zeros(1, device="cuda")}),
}


@pytest.mark.parametrize("fix", BEGINNERS_ERRORS)
def test_an_error_beginners_meet_is_said_with_what_to_do(fix):
    from autograder.checking.values import describe_error
    error = _raised(BEGINNERS_ERRORS[fix])
    said = render(describe_error("f", "f(x)", {"type": "RuntimeError", "message": error,
                                                "cell": 3, "line": 2}))
    assert said.startswith(f"f(x) raised RuntimeError (code cell 3, line 2): {error}")
    assert " – what to do: " in said and fix in said
    assert "what to do" not in render(describe_error("f", "f(x)", {"message": "odd"}))


@pytest.mark.parametrize("code, fix", [
    ("def f():\n\u00a0\u00a0\u00a0\u00a0return 1\n", "a non-breaking space"),
    ("x = \u201chi\u201d\n", "curly quotes"),
    ("if 1:\n        a = 1\n    b = 2\n", "without mixing tabs and spaces"),
    ("if 1:\n\ta = 1\n        b = 2\n", "without mixing tabs and spaces"),
    ("def f():\nreturn 1\n", "one level deeper than the line that opens it"),
])
def test_code_pasted_from_a_page_or_badly_indented_is_said_with_what_to_do(code, fix):
    """Python itself is the answer key: the syntax errors as it raises them."""
    from autograder.checking.values import fix_for
    with pytest.raises(SyntaxError) as error:
        compile(code, "<cell>", "exec")
    assert fix in render(fix_for(error.value.msg))
