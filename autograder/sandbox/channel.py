"""The narrow channel between the trusted grader and a sandboxed submission.

Messages are length-prefixed frames holding a pickle of plain data only (None, bool, int,
float, str, bytes, list, tuple, dict); a tensor travels as a record ``(TAG, dtype, shape,
bytes)``. The grader unpickles with no class allowed at all, then checks that what came
back is plain data within size bounds, so a submission can send numbers, text and tensor
values -- never objects with behaviour of their own.

The sandbox's runner thread uses ``frame``, ``read_frame`` and ``restore`` too, on private
copies of this module's globals (inside/runner.py): every name below is bound at import, to C
functions where it matters, so nothing a notebook rebinds later (``torch.save``,
``os.write``, a builtin) changes what is sent.
"""
import io
import pickle
from types import MappingProxyType
from _pickle import dumps as _dumps, loads as _loads
from os import read as _read, write as _write
from select import select as _select
from struct import Struct
from time import monotonic as _monotonic

import torch

MAX_FRAME = 64 * 2**20
MAX_ITEMS = 1_000_000
MAX_DECODED = 128 * 2**20  # bytes of text and tensor data in one decoded message
MAX_DEPTH = 20
TAG = "\x00tensor"
_HEADER = Struct("!Q")
_pack_header, _unpack_header = _HEADER.pack, _HEADER.unpack
_Tensor, _TensorBase = torch.Tensor, torch._C.TensorBase
_plain_mode = torch._C.DisableTorchFunctionSubclass
_get = tuple(getattr(_TensorBase, name).__get__ for name in
             ("data", "device", "dtype", "shape", "layout"))
_is_conj, _is_neg = _TensorBase.is_conj, _TensorBase.is_neg
_numpy, _contiguous, _to, _view, _reshape, _clone = (
    _TensorBase.numpy, _TensorBase.contiguous, _TensorBase.to, _TensorBase.view,
    _TensorBase.reshape, _TensorBase.clone)
_resolve_conj, _resolve_neg = _TensorBase.resolve_conj, _TensorBase.resolve_neg
_frombuffer, _empty, _strided = torch.frombuffer, torch.empty, torch.strided
DTYPES = MappingProxyType({str(dtype)[6:]: dtype for dtype in (
    torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
    torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128)})
_BITS = MappingProxyType({torch.bfloat16: torch.int16})  # numpy lacks it: bits go as integers


class ChannelError(Exception):
    """The other side sent something malformed, or went away."""


class ChannelTimeout(ChannelError):
    """No complete message arrived before the deadline."""


def pack(tensor):
    """A tensor's values as a record, or None where they cannot be read (meta, sparse, a
    dtype outside DTYPES). A CPU tensor is read through torch's C getters and numpy with no
    operator dispatch, so no kernel or hook a notebook registered runs."""
    with _plain_mode():
        data = _get[0](tensor)  # shares the storage, carries no autograd state
        device, dtype, shape = _get[1](data), _get[2](data), tuple(_get[3](data))
        name = str(dtype)[6:]
        if _get[4](data) is not _strided or device.type == "meta" or name not in DTYPES:
            return None
        if device.type != "cpu" or _is_conj(data) or _is_neg(data) or dtype in _BITS:
            data = _contiguous(_resolve_neg(_resolve_conj(_to(data, "cpu"))))
            data = _view(data, _BITS[dtype]) if dtype in _BITS else data
        return (TAG, name, shape, _numpy(data).tobytes())


def unpack(record):
    """The CPU tensor a record describes; ChannelError if the record is inconsistent."""
    _, name, shape, data = record
    dtype = DTYPES.get(name) if type(name) is str else None
    if dtype is None or type(shape) is not tuple or any(type(n) is not int or n < 0
                                                         for n in shape):
        raise ChannelError("malformed tensor record")
    count = 1
    for size in shape:
        count *= size
    if count > MAX_ITEMS or count * dtype.itemsize != len(data):
        raise ChannelError("tensor record of the wrong size")
    if count == 0:
        return _empty(shape, dtype=dtype)
    # a tensor of its own, as student code gets them in Jupyter, not a view of the buffer
    # (a view refuses what a leaf or its .grad allows: detach_(), resize_())
    return _clone(_reshape(_frombuffer(bytearray(data), dtype=dtype), shape))


def is_record(value):
    return (type(value) is tuple and len(value) == 4 and value[0] == TAG
            and type(value[3]) is bytes)


def frame(message):
    """One message as the bytes of a frame (tensors in it become records)."""
    data = _dumps(_encode(message, {}), 5)
    return _pack_header(len(data)) + data


def send(fd, message):
    """Write one message to a file descriptor."""
    view = memoryview(frame(message))
    while view:
        view = view[_write(fd, view):]


def receive(fd, deadline=None, trusted=False):
    """Read one message; untrusted messages are checked to be plain data."""
    data = read_frame(fd, deadline)
    try:
        message = _Unpickler(io.BytesIO(data)).load()
    except Exception as error:  # hostile bytes may fail in any way
        raise ChannelError(f"unreadable message ({type(error).__name__})") from None
    return restore(message) if trusted else plain(message)


def read_frame(fd, deadline=None):
    """The payload of the next frame."""
    size = _unpack_header(_read_exactly(fd, _HEADER.size, deadline))[0]
    if size > MAX_FRAME:
        raise ChannelError(f"message of {size} bytes is over the {MAX_FRAME}-byte limit")
    return _read_exactly(fd, size, deadline)


def load_trusted(data):
    """A frame's payload from the grader itself, as the runner reads it."""
    return restore(_loads(data))


def restore(value):
    """Records in a trusted message turned back into tensors."""
    if is_record(value):
        return unpack(value)
    kind = type(value)
    if kind in (list, tuple):
        return kind(restore(item) for item in value)
    if kind is dict:
        return {key: restore(item) for key, item in value.items()}
    return value


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def _encode(value, packed):
    kind = type(value)
    if kind is _Tensor:  # one tensor sent many times is packed (and sent) once
        if id(value) not in packed:
            packed[id(value)] = (pack(value), value)
        return packed[id(value)][0]
    if kind in (list, tuple):
        return kind(_encode(item, packed) for item in value)
    if kind is dict:
        return {key: _encode(item, packed) for key, item in value.items()}
    return value


def _read_exactly(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - _monotonic()
            if left <= 0 or not _select([fd], [], [], left)[0]:
                raise ChannelTimeout("no answer in time")
        chunk = _read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelError("the submission's process ended")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def plain(value, depth=0, budget=None):
    """A copy of ``value`` if it is built only from plain data types, else ChannelError;
    tensor records become CPU tensors.

    Text loses terminal escapes, other control characters and bidirectional overrides,
    so nothing a submission says can restyle a terminal, a gradebook or feedback.
    """
    budget = budget if budget is not None else [MAX_ITEMS, MAX_DECODED]
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ChannelError("message too large or too deeply nested")
    kind = type(value)
    if kind is str or is_record(value):  # one object sent many times counts every time
        budget[1] -= len(value if kind is str else value[3])
        if budget[1] < 0:
            raise ChannelError("message decodes to more than the size limit")
    if value is None or kind in (bool, int, float):
        return value
    if kind is str:  # printable ASCII has nothing to take out
        return value if value.isascii() and value.isprintable() else \
            value.translate(_UNPRINTABLE)
    if is_record(value):
        return unpack(value)
    if kind in (list, tuple):
        if value and depth < MAX_DEPTH and all(type(item) in _NUMBERS for item in value):
            budget[0] -= len(value)  # a list of numbers, e.g. losses: as below, but at once
            if budget[0] < 0:
                raise ChannelError("message too large or too deeply nested")
            return kind(value)
        return kind(plain(item, depth + 1, budget) for item in value)
    if kind is dict:
        if any(type(key) not in (str, int) for key in value):
            raise ChannelError("dictionary keys must be strings or integers")
        return {plain(key, depth + 1, budget): plain(item, depth + 1, budget)
                for key, item in value.items()}
    if kind is torch.Tensor:
        if value.layout is not torch.strided or value.device.type != "cpu":
            raise ChannelError("only dense CPU tensors may be sent")
        if value.requires_grad or value.numel() > MAX_ITEMS:
            raise ChannelError("tensor is too large or carries autograd state")
        return value
    raise ChannelError(f"{kind.__name__} is not plain data")


_NUMBERS = frozenset((bool, int, float, type(None)))
_UNPRINTABLE = MappingProxyType({code: "\ufffd" for code in [  # read-only: the sandbox's
    *range(0, 9), *range(11, 32), *range(127, 160), 0x200E, 0x200F,  # runner thread uses it
    *range(0x202A, 0x202F), *range(0x2066, 0x206A)]})
