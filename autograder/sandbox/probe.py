"""Runs inside the sandbox: builds call arguments and describes what came back.

Everything here is captured before student code runs, and every description is
plain data (see channel.plain). The grader never trusts these descriptions
for values it can check itself; they report autograd state that only exists in
the submission's process: leaf-ness, grad, grad_fn, identity, in-place changes.
"""
import contextlib
import math

import torch
from torch.autograd.variable import Variable

_TensorBase = torch._C.TensorBase
_plain_mode = torch._C.DisableTorchFunctionSubclass
_detach = _TensorBase.detach
_clone = _TensorBase.clone
_to = _TensorBase.to
_is_inference = _TensorBase.is_inference
_get = {name: getattr(_TensorBase, name).__get__
        for name in ("is_leaf", "requires_grad", "grad_fn", "grad", "_version", "dtype",
                     "device", "shape", "layout")}
_MAX_LEN = 100_000
MAX_VALUES = 1_000_000  # elements of a returned tensor whose values are sent back


class Usage:
    """Counts autograd passes (backward and forward-mode) and operations that recorded
    autograd history (``graph``, counted while ``recording()`` is active). Which APIs a
    function uses (torch.optim, layers with weights, autograd at all) is read from its
    source in the grader instead (checking/source.py)."""

    def __init__(self):
        self.counts = {"backward": 0, "forward_ad": 0, "graph": 0}
        engine = Variable._execution_engine
        usage = self

        class CountingEngine:
            def run_backward(self, *args, **kwargs):
                usage.counts["backward"] += 1
                return engine.run_backward(*args, **kwargs)

            def __getattr__(self, name):
                return getattr(engine, name)

        Variable._execution_engine = CountingEngine()

    def snapshot(self):
        return dict(self.counts)

    def recording(self):
        """A context in which every torch operation whose result joined an autograd graph
        adds one to ``graph``, and a generator on another device than an operation's
        result fails on the meta device as it does on CUDA."""
        return _CallMode(self.counts)


class _CallMode(torch.overrides.TorchFunctionMode):
    def __init__(self, counts):
        super().__init__()
        self.counts = counts

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        items = result if type(result) in (tuple, list) else (result,)
        tensors = [item for item in items if isinstance(item, torch.Tensor)]
        if any(_get["grad_fn"](item) is not None for item in tensors):
            self.counts["graph"] += 1
        if func is torch._make_dual:  # forward-mode AD (forward_ad, torch.func.jvp)
            self.counts["forward_ad"] += 1
        generator = kwargs.get("generator")
        if isinstance(generator, torch.Generator) and tensors:
            made, drew = _get["device"](tensors[0]).type, generator.device.type
            if made == "meta" and drew != "meta":  # what CUDA says for a CPU generator
                raise RuntimeError(f"Expected a '{made}' device type for generator but found "
                                   f"'{drew}'")
        return result


def build(spec, names, built):
    """Turn a request's argument spec into the objects passed to student code.

    Tensor specs become fresh tensors (on their device, optionally a leaf that
    requires grad and already has a grad); each is appended to ``built`` so its
    state after the call can be described too.
    """
    if type(spec) is dict and "__tensor__" in spec:
        tensor = _to(spec["__tensor__"], spec["device"])
        if spec["requires_grad"]:
            tensor.requires_grad_(True)
        if spec["grad"] is not None:
            tensor.grad = _to(spec["grad"], spec["device"])
        if spec["name"]:
            names[spec["name"]] = tensor
        built.append(tensor)
        return tensor
    if type(spec) is dict and "__ref__" in spec:
        return names[spec["__ref__"]]
    if type(spec) is list:
        return [build(item, names, built) for item in spec]
    if type(spec) is tuple:
        return tuple(build(item, names, built) for item in spec)
    if type(spec) is dict:
        return {key: build(item, names, built) for key, item in spec.items()}
    return spec


@contextlib.contextmanager
def call_context(default_device, usage):
    """Grad mode on, autograd history counted, and optionally a default device that traps
    missing device=."""
    torch.set_grad_enabled(True)
    if default_device:
        torch.set_default_device(default_device)
    try:
        with usage.recording():
            yield
    finally:
        torch.set_default_device(None)
        torch.set_grad_enabled(True)


def backward(result, weights):
    """Back-propagate sum(result * weights), to see which inputs get gradients."""
    torch.autograd.backward(torch.sum(result * weights))


def describe(value, inputs=(), depth=0):
    """Plain-data description of a value; tensors keep their autograd state."""
    with _plain_mode():
        return _describe(value, inputs, depth)


def _describe(value, inputs, depth):
    if depth > 8:
        return {"__object__": "nested too deeply"}
    kind = type(value)
    if value is None or kind is bool:
        return value
    if issubclass(kind, float):
        return float.__float__(value)
    if issubclass(kind, int):
        return int.__index__(value)
    if issubclass(kind, str):
        return str.__str__(value)[:_MAX_LEN]
    if issubclass(kind, torch.Tensor):
        return _describe_tensor(value, inputs)
    if kind is torch.Size:
        return tuple(int(size) for size in value)
    if kind in (list, tuple):
        items = [_describe(item, inputs, depth + 1) for item in value[:_MAX_LEN]]
        return items if kind is list else tuple(items)
    if kind is dict:
        return {key: _describe(item, inputs, depth + 1)
                for key, item in list(value.items())[:_MAX_LEN]
                if type(key) in (str, int)}
    return {"__object__": type_name(value)}


def type_name(value):
    """The name of value's type, read without running any of its code."""
    name = type.__dict__["__name__"].__get__(type(value))
    return str.__str__(name)[:100]


def _describe_tensor(tensor, inputs):
    device, layout = _get["device"](tensor), _get["layout"](tensor)
    shape = tuple(int(size) for size in _get["shape"](tensor))
    data = None
    if device.type != "meta" and layout is torch.strided and math.prod(shape) <= MAX_VALUES:
        data = _clone(_to(_detach(tensor), "cpu"), memory_format=torch.contiguous_format)
        if type(data) is not torch.Tensor:
            data = None
    grad = _get["grad"](tensor)
    grad_fn = _get["grad_fn"](tensor)
    return {
        "__tensor__": data,
        "type": type_name(tensor),
        "dtype": str(_get["dtype"](tensor)),
        "device": device.type,
        "shape": shape,
        "layout": str(layout),
        "requires_grad": bool(_get["requires_grad"](tensor)),
        "is_leaf": bool(_get["is_leaf"](tensor)),
        "grad_fn": None if grad_fn is None else type_name(grad_fn),
        "grad": None if grad is None else _describe_tensor(grad, ()),
        "version": 0 if _is_inference(tensor) else int(_get["_version"](tensor)),  # none kept
        "same_as": next((i for i, arg in enumerate(inputs) if arg is tensor), None),
    }
