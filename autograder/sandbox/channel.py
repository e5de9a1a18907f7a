"""The narrow channel between the trusted grader and a sandboxed submission.

Messages are length-prefixed frames holding ``torch.save`` payloads. The grader
reads them with ``torch.load(weights_only=True)`` and then checks that what came
back is plain data, so a submission can send numbers, strings, lists, dicts and
plain CPU tensors -- never objects with behaviour of their own.
"""
import io
import os
import select
import struct
import time

import torch

MAX_FRAME = 64 * 2**20
MAX_ITEMS = 1_000_000
MAX_DECODED = 128 * 2**20  # bytes of text and tensor data in one decoded message
MAX_DEPTH = 20
_HEADER = struct.Struct("!Q")


class ChannelError(Exception):
    """The other side sent something malformed, or went away."""


class ChannelTimeout(ChannelError):
    """No complete message arrived before the deadline."""


def send(fd, message):
    """Write one message to a file descriptor."""
    buffer = io.BytesIO()
    torch.save(message, buffer)
    data = buffer.getvalue()
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd, deadline=None, trusted=False):
    """Read one message; untrusted messages are checked to be plain data."""
    size = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))[0]
    if size > MAX_FRAME:
        raise ChannelError(f"message of {size} bytes is over the {MAX_FRAME}-byte limit")
    data = _read_exactly(fd, size, deadline)
    try:
        message = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as error:  # hostile bytes may fail in any way
        raise ChannelError(f"unreadable message ({type(error).__name__})") from None
    return message if trusted else plain(message)


def _read_exactly(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ChannelTimeout("no answer in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelError("the submission's process ended")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def plain(value, depth=0, budget=None):
    """A copy of ``value`` if it is built only from plain data types, else ChannelError.

    Text loses terminal escapes, other control characters and bidirectional overrides,
    so nothing a submission says can restyle a terminal, a gradebook or feedback.
    """
    budget = budget if budget is not None else [MAX_ITEMS, MAX_DECODED]
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ChannelError("message too large or too deeply nested")
    if type(value) in (str, torch.Tensor):  # one object sent many times counts every time
        budget[1] -= len(value) if type(value) is str else value.numel() * value.element_size()
        if budget[1] < 0:
            raise ChannelError("message decodes to more than the size limit")
    kind = type(value)
    if value is None or kind in (bool, int, float):
        return value
    if kind is str:
        return value.translate(_UNPRINTABLE)
    if kind in (list, tuple):
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


_UNPRINTABLE = {code: "\ufffd" for code in [*range(0, 9), *range(11, 32), *range(127, 160),
                                             0x200E, 0x200F, *range(0x202A, 0x202F),
                                             *range(0x2066, 0x206A)]}
