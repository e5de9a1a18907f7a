"""What the sandbox's main thread counts and traps for a call (main_thread.py), black-box through
Student: with autograd's nodes read from outside, and counted inside where they cannot be."""
import pytest
import torch

from autograder.checking.student import StudentError
from autograder.checking.values import tensor

from conftest import started

NOTEBOOK = '''
import torch
import torch.autograd.forward_ad as fwAD

def records(x):
    return (x * 2).sum()

def dual(x):
    with fwAD.dual_level():
        fwAD.make_dual(x, torch.ones_like(x))
    return torch.func.jvp(lambda t: t * 2, (x,), (torch.ones_like(x),))[0]

def draws(device):
    return torch.randn(3, generator=torch.Generator(), device=device)
'''


@pytest.fixture(scope="module", params=["outside", "inside"])
def student(request):
    with started(NOTEBOOK, counted_outside=request.param == "outside") as student:
        yield student


def test_graph_counts_the_nodes_a_call_recorded(student):
    assert student.run("records", [tensor(torch.ones(3), requires_grad=True)]).usage["graph"] == 2
    assert student.run("records", [tensor(torch.ones(3))]).usage["graph"] == 0


def test_forward_ad_counts_the_dual_levels_entered(student):
    assert student.run("dual", [tensor(torch.ones(3))]).usage["forward_ad"] == 2
    assert student.run("records", [tensor(torch.ones(3))]).usage["forward_ad"] == 0


def test_a_generator_on_another_device_fails_on_meta_only(student):
    with pytest.raises(StudentError, match="generator"):
        student.call("draws", "meta")
    assert student.call("draws", "cpu").shape == (3,)
