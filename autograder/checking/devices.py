"""Whether code keeps its data on the device it was given, judged on a CPU-only machine.

``dry_run`` calls a student function with its tensors on the meta device, which stands in
for a GPU: in the sandbox the call follows CUDA's rules for devices (sandbox/inside/dryrun.py). An
error that a GPU would raise too fails the check with the line that raised it and the fix;
after an error the dry run itself may cause (an operation the meta device lacks, a zero
where a value was) the call is made again on the CPU: an error there is the student's, and
without one the dry run could not follow this code, and nothing is judged. Any other error
is the code's own.
"""
from ..i18n import N_
from ..records import Message, msg, place
from .expect import CheckFailed
from .student import StudentError

# (words in the error that mark it, what the student reads): errors a GPU raises too.
RULES = (
    (("for generator",),
     N_("{call} draws random numbers with a generator on another device than its tensors "
        "({where}); on a GPU this fails. Make the generator on the tensors' device "
        "(`torch.Generator(device=W.device)`), or draw on the CPU and move the result with "
        "`.to(device)`.")),
    (("same device", "expected device"),
     N_("{call} mixes devices ({where}): a tensor used there is on the CPU while the others "
        "are on the device the function was given, so on a GPU this line fails. Create every "
        "tensor on that device (`device=x.device` when you make it, or `.to(x.device)`), and "
        "do not name a device (`\"cpu\"`, `.cuda()`) inside the function.")),
    (("to numpy",),
     N_("{call} calls `.numpy()` on a tensor that may be on a GPU ({where}), which fails "
        "there. Copy it to the CPU first (`x.cpu().numpy()`), and move the result back with "
        "`.to(x.device)`.")),
    (("CUDA", "cuda"),
     N_("{call} asks for CUDA by name ({where}); on a machine without a GPU this fails. Use "
        "the device the function was given (`device=x.device`, `.to(x.device)`) instead of "
        "`.cuda()` or `\"cuda\"`.")),
)


def dry_run(student, function, args=(), kwargs=None):
    """The Reply of ``function`` called with ``args`` (tensors on the meta device), or None
    when the dry run cannot follow code that works on the CPU; fails the check on an error a
    GPU raises too, or one the code raises on the CPU."""
    try:
        return student.run(function, args, kwargs)
    except StudentError as error:
        text = str(error.message.params.get("message", ""))
        for words, sentence in RULES:
            if any(word in text for word in words):
                raise CheckFailed(sentence, call=error.message.params.get("call", function),
                                  where=where(student, error.message.params)) from None
        if not _artifact(error.message.params):
            raise  # not defined, too slow, crashed, or an error of the code's own
    # An error the dry run may have caused (no kernel for the meta device, a zero where a
    # value was): the same call on the CPU says whether the code fails anyway.
    student.run(function, _on_cpu(args), _on_cpu(kwargs or {}))
    return None


def _artifact(params):
    """Whether a raised error may come from the dry run itself rather than the code."""
    return "meta" in str(params.get("message", "")).lower() or params.get("error") in (
        "ZeroDivisionError", "ValueError", "IndexError", "KeyError")


def _on_cpu(spec):
    """An argument spec with every mention of the meta device made the CPU."""
    if type(spec) is str and spec == "meta":
        return "cpu"
    if type(spec) is dict:
        return {key: _on_cpu(value) for key, value in spec.items()}
    if type(spec) in (list, tuple):
        return type(spec)(_on_cpu(value) for value in spec)
    return spec


def where(student, params):
    """``code cell N, line L: the line`` for where an error was raised (``params``' where),
    from the notebook."""
    key = place(params["where"]) if isinstance(params.get("where"), Message) else None
    if key is None:
        return msg("in the function")
    cell, line = map(int, key.split(":"))
    lines = dict(student.cells).get(cell - 1, "").splitlines()
    code = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
    return msg("{where}: {code}", where=params["where"], code=code)
