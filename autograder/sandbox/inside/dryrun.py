"""A dry run on the meta device, which stands in for a GPU on a machine without one.

A check that wants to know whether code keeps its data on the device it was given passes
tensors on the meta device (shapes and dtypes, no values) and runs the call under CUDA's
rules, here in the sandbox's main thread (main_thread.call_context):

- an operation given tensors on the meta device and on the CPU fails with CUDA's error
  ("Expected all tensors to be on the same device"), except where CUDA allows it: a 0-dim
  CPU tensor is a scalar, the indices of an indexing operation may be on the CPU, and a
  copy moves data between devices;
- random numbers come from a generator on their tensors' device: ``torch.Generator(
  device=...)`` of the meta device makes one that says so, and a CPU generator feeding a
  meta tensor fails with CUDA's error;
- ``.numpy()`` of a meta tensor fails, as it does on CUDA (torch's own error).

Copying a meta tensor to the CPU (``.cpu()``, ``.item()``, ``.tolist()``, ``float()``) gives
zeros, so code that takes a round trip through the CPU or NumPy runs on to its end. A dry
run has no values: checks judge only devices, shapes and dtypes from it. Everything here is
on only while a call on the meta device runs, so other calls run at torch's own speed.
"""
import torch
from torch.utils._python_dispatch import TorchDispatchMode

_aten = torch.ops.aten
_COPIES = {_aten._to_copy.default, _aten.copy_.default, _aten._copy_from.default,
           _aten._copy_from_and_resize.default, _aten.lift_fresh.default}
_INDEXING = {_aten.index.Tensor, _aten.index_put_.default, _aten.index_put.default,
             _aten._index_put_impl_.default}
_isinstance, _type, _Tensor = isinstance, type, torch.Tensor
_Generator = torch.Generator


class MetaGenerator(torch.Generator):
    """A generator of the dry run's stand-in device: a CPU generator that says it is on
    the meta device (the meta device has no generator of its own, and draws no values)."""

    def __new__(cls, device="cpu"):
        if torch.device(device).type != "meta":
            return _Generator(device)
        return super().__new__(cls)

    @property
    def device(self):
        return torch.device("meta")


class _GeneratorTrap(torch.overrides.TorchFunctionMode):
    """A generator on another device than an operation's result fails as on CUDA."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        generator = kwargs.get("generator")
        if _isinstance(generator, _Generator):
            items = result if _type(result) in (tuple, list) else (result,)
            made = next((item.device.type for item in items
                         if _isinstance(item, _Tensor)), None)
            drew = generator.device.type
            if made == "meta" and drew != "meta":  # what CUDA says for a CPU generator
                raise RuntimeError(f"Expected a '{made}' device type for generator but found "
                                   f"'{drew}'")
        return result


class _OneDevice(TorchDispatchMode):
    """CUDA's rule for the devices of an operation's tensors; zeros for meta data copied
    to the CPU."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tensors = _tensors((*args, *kwargs.values()))
        if func is _aten._local_scalar_dense.default and tensors[0].device.type == "meta":
            return torch.zeros((), dtype=tensors[0].dtype).item()
        if func in _COPIES:
            return _copy(func, args, kwargs)
        ruled = tensors[:1] if func in _INDEXING else tensors
        devices = {t.device.type for t in ruled if t.device.type != "cpu" or t.dim() > 0}
        if len(devices) > 1:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {' and '.join(sorted(devices))}!")
        return func(*args, **kwargs)


def _tensors(items):
    """The tensors among ``items`` and the lists in them (an operation's arguments), found
    with builtins bound at import: a notebook that rebinds them changes nothing here."""
    found = []
    for item in items:
        if _isinstance(item, _Tensor):
            found.append(item)
        elif _type(item) in (list, tuple):
            found += _tensors(item)
    return found


def _copy(func, args, kwargs):
    """A copy between devices; from the meta device to the CPU, zeros."""
    if func is _aten._to_copy.default and args[0].device.type == "meta" and \
            torch.device(kwargs.get("device") or "meta").type == "cpu":
        return torch.zeros(args[0].shape, dtype=kwargs.get("dtype") or args[0].dtype)
    if func is _aten.copy_.default and args[1].device.type == "meta" and \
            args[0].device.type == "cpu":
        return args[0].zero_()
    return func(*args, **kwargs)


class DryRun:
    """The rules above, for the length of one call."""

    def __enter__(self):
        self.modes = _GeneratorTrap(), _OneDevice()
        torch.Generator = MetaGenerator
        for mode in self.modes:
            mode.__enter__()

    def __exit__(self, *exc):
        for mode in reversed(self.modes):
            mode.__exit__(*exc)
        torch.Generator = _Generator
