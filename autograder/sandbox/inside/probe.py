"""Runs in the sandbox's runner thread: builds call arguments, describes what came back and
back-propagates through it.

The grader never trusts these descriptions for values it can check itself; they report
autograd state that only exists in the submission's process: leaf-ness, grad, grad_fn,
identity, in-place changes. Every name here is bound at import, before any student code
runs, to torch's C getters and C functions, and the runner thread calls these functions
on private copies of this module's globals and of builtins (runner.py): nothing a notebook
rebinds in torch, in builtins or in this module changes a description. Values are read
with no operator dispatch (channel.pack), and a tensor whose getters would run Python
code of its own (a ``__torch_dispatch__`` subclass) is not read at all.
"""
from math import prod as _prod

import torch

from ..channel import pack

_TensorBase, _Size = torch._C.TensorBase, torch.Size
_plain_mode = torch._C.DisableTorchFunctionSubclass
_to, _requires_grad_, _is_inference = (_TensorBase.to, _TensorBase.requires_grad_,
                                       _TensorBase.is_inference)
_set_grad = _TensorBase.grad.__set__
_is_leaf, _requires_grad, _grad_fn, _grad, _version, _dtype, _device, _shape, _layout = (
    getattr(_TensorBase, name).__get__ for name in ("is_leaf", "requires_grad", "grad_fn",
                                                     "grad", "_version", "dtype", "device",
                                                     "shape", "layout"))
_keys, _has, _PYTHON = torch._C._dispatch_keys, torch._C.DispatchKeySet.has, \
    torch._C.DispatchKey.Python
_sum, _mul, _ones_like = torch.sum, torch.mul, torch.ones_like
_run_backward = torch._C._ImperativeEngine().run_backward
_name_of, _mro_of = type.__dict__["__name__"].__get__, type.__dict__["__mro__"].__get__
_float, _index, _str = float.__float__, int.__index__, str.__str__
_MAX_LEN = 100_000
MAX_VALUES = 1_000_000  # elements of a returned tensor whose values are sent back


def build(spec, names, built):
    """Turn a request's argument spec into the objects passed to student code.

    Tensor specs become fresh tensors (on their device, optionally a leaf that
    requires grad and already has a grad); each is appended to ``built`` so its
    state after the call can be described too.
    """
    kind = type(spec)
    if kind is dict and "__tensor__" in spec:
        tensor = _to(spec["__tensor__"], spec["device"])
        if spec["requires_grad"]:
            _requires_grad_(tensor, True)
        if spec["grad"] is not None:
            _set_grad(tensor, _to(spec["grad"], spec["device"]))
        if spec["name"]:
            names[spec["name"]] = tensor
        built.append(tensor)
        return tensor
    if kind is dict and "__ref__" in spec:
        return names[spec["__ref__"]]
    if kind is list:
        return [build(item, names, built) for item in spec]
    if kind is tuple:
        return tuple(build(item, names, built) for item in spec)
    if kind is dict:
        return {key: build(item, names, built) for key, item in spec.items()}
    return spec


def backward(result, weights):
    """Back-propagate sum(result * weights) through autograd's C engine, to see which
    inputs get gradients."""
    with _plain_mode():
        loss = _sum(_mul(result, weights))
        _run_backward((loss,), (_ones_like(loss),), False, False, (), True, True)


def describe(value, inputs=()):
    """Plain-data description of a value; tensors keep their autograd state."""
    with _plain_mode():
        return _describe(value, inputs, 0)


def _describe(value, inputs, depth):
    if depth > 8:
        return {"__object__": "nested too deeply"}
    kind = type(value)
    mro = _mro_of(kind)
    if value is None or kind is bool:
        return value
    if _derives(mro, float):
        return _float(value)
    if _derives(mro, int):
        return _index(value)
    if _derives(mro, str):
        return _str(value)[:_MAX_LEN]
    if _derives(mro, _TensorBase):
        return _describe_tensor(value, inputs)
    if kind is _Size:
        return tuple(_index(size) for size in value)
    if kind is list or kind is tuple:
        items = [_describe(item, inputs, depth + 1) for item in value[:_MAX_LEN]]
        return items if kind is list else tuple(items)
    if kind is dict:  # keys like "__tensor__" are the descriptions' own
        return {key: _describe(item, inputs, depth + 1)
                for key, item in list(value.items())[:_MAX_LEN]
                if type(key) is int or (type(key) is str and not key.startswith("__"))}
    return {"__object__": type_name(value)}


def _derives(mro, base):
    """Whether ``base`` is in a class's MRO, by identity: ``in`` would run a metaclass's
    ``__eq__``."""
    return any(cls is base for cls in mro)


def type_name(value):
    """The name of value's type, read without running any of its code."""
    return _str(_name_of(type(value)))[:100]


def _describe_tensor(tensor, inputs):
    if _has(_keys(tensor), _PYTHON):
        return {"__object__": type_name(tensor)}
    device, layout = _device(tensor), _layout(tensor)
    shape = tuple(_index(size) for size in _shape(tensor))
    grad, grad_fn = _grad(tensor), _grad_fn(tensor)
    return {
        "__tensor__": pack(tensor) if _prod(shape) <= MAX_VALUES else None,
        "type": type_name(tensor),
        "dtype": str(_dtype(tensor)),
        "device": device.type,
        "shape": shape,
        "layout": str(layout),
        "requires_grad": bool(_requires_grad(tensor)),
        "is_leaf": bool(_is_leaf(tensor)),
        "grad_fn": None if grad_fn is None else type_name(grad_fn),
        "grad": None if grad is None else _describe_tensor(grad, ()),
        "version": 0 if _is_inference(tensor) else _index(_version(tensor)),  # none kept
        "same_as": next((i for i, arg in enumerate(inputs) if arg is tensor), None),
    }
