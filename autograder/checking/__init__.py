"""The checks API: what a hidden check imports, the grader's handle on a submission
(student.py), the pytest plugin that runs the checks (plugin.py), and the grading of one
submission (grade.py).
"""
from ..i18n import N_
from ..records import msg
from .devices import dry_run
from .expect import (CheckFailed, diagnose, example, expect, expect_by_hand, expect_close,
                     expect_float_losses, expect_observable, expect_parameter, expect_tensor,
                     expect_trajectory, expect_uses, expect_values, follows, holds, matches,
                     question, relative_error, result_of)
from .source import AUTOGRAD, AUTOGRAD_METHODS, LAYERS, OPTIMIZERS
from .student import StudentError
from .values import Opaque, TensorInfo, ref, tensor

__all__ = ["AUTOGRAD", "AUTOGRAD_METHODS", "LAYERS", "N_", "OPTIMIZERS", "CheckFailed", "Opaque",
           "StudentError", "TensorInfo", "diagnose", "dry_run", "example", "expect",
           "expect_by_hand", "expect_close", "expect_float_losses", "expect_observable",
           "expect_parameter", "expect_tensor", "expect_trajectory", "expect_uses",
           "expect_values", "follows", "holds", "matches", "msg", "question", "ref",
           "relative_error", "result_of", "tensor"]
