"""The channel lets only plain data through, however a submission shapes its reply."""
import os
import threading
import time

import pytest
import torch

from autograder.sandbox import channel


@pytest.mark.parametrize("value", [None, True, 3, 2.5, "text", [1, (2, "x")],
                                   {"a": {1: [None]}}, torch.arange(6).reshape(2, 3)])
def test_plain_values_pass_unchanged(value):
    back = channel.plain(value)
    assert torch.equal(back, value) if isinstance(value, torch.Tensor) else back == value


@pytest.mark.parametrize("value", [object(), {("tuple", "key"): 1},
                                   torch.zeros(2, requires_grad=True), torch.zeros(3).to_sparse(),
                                   torch.zeros(channel.MAX_ITEMS + 1)], ids=["object", "tuple key", "requires grad", "sparse", "too many items"])
def test_anything_else_is_refused(value):
    with pytest.raises(channel.ChannelError):
        channel.plain(value)


def test_nesting_and_size_are_bounded():
    deep = []
    for _ in range(channel.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(channel.ChannelError):
        channel.plain(deep)
    with pytest.raises(channel.ChannelError):
        channel.plain(list(range(channel.MAX_ITEMS + 1)))


def test_text_loses_control_characters_and_direction_overrides():
    assert channel.plain("ok\x1b[2J\r\u202eyes\n\ttab") == "ok\ufffd[2J\ufffd\ufffdyes\n\ttab"


def test_frames_round_trip_and_garbage_is_an_error():
    read, write = os.pipe()
    channel.send(write, {"event": "ready", "values": [1.5, "x"]})
    assert channel.receive(read, deadline=None) == {"event": "ready", "values": [1.5, "x"]}
    os.write(write, (10).to_bytes(8, "big") + b"\xff" * 10)
    with pytest.raises(channel.ChannelError):
        channel.receive(read)
    os.write(write, (channel.MAX_FRAME + 1).to_bytes(8, "big"))
    with pytest.raises(channel.ChannelError, match="over the"):
        channel.receive(read)
    os.close(write)
    with pytest.raises(channel.ChannelError, match="ended"):
        channel.receive(read)
    os.close(read)


def test_a_silent_sender_times_out():
    read, write = os.pipe()
    with pytest.raises(channel.ChannelTimeout):
        channel.receive(read, deadline=time.monotonic() + 0.05)
    os.close(read)
    os.close(write)


def test_one_object_referenced_many_times_counts_every_time():
    """Small on the wire (pickle sends a repeated object once), huge once decoded."""
    read, write = os.pipe()
    text, block = "x" * 2**20, torch.zeros(2**18)  # 1 MB each
    for message in ([text] * 200, [block] * 200):
        sender = threading.Thread(target=channel.send, args=(write, message))
        sender.start()
        with pytest.raises(channel.ChannelError, match="size limit"):
            channel.receive(read)
        sender.join()
    os.close(read)
    os.close(write)


@pytest.mark.parametrize("value", [torch.arange(6.0).reshape(2, 3).t(), torch.zeros(0, 3),
                                   torch.ones(2, dtype=torch.complex64).conj(), torch.tensor(True),
                                   torch.ones(3, dtype=torch.bfloat16) * 1.5,
                                   torch.ones(3, requires_grad=True) * 2],
                         ids=["transposed", "empty", "conjugate", "bool", "bfloat16", "in a graph"])
def test_tensor_values_travel_as_records(value):
    back = channel.unpack(channel.pack(value))
    assert back.dtype == value.dtype and torch.equal(back, value.detach().resolve_conj())


def test_what_has_no_values_to_send_is_none_and_bad_records_are_refused():
    assert channel.pack(torch.ones(2, device="meta")) is None
    assert channel.pack(torch.zeros(3).to_sparse()) is None
    tag = channel.TAG
    for record in [(tag, "float32", (3,), b"\0" * 8), (tag, "object", (1,), b"\0" * 8),
                   (tag, "float32", (-1,), b""), (tag, "float32", [2], b"\0" * 8)]:
        with pytest.raises(channel.ChannelError):
            channel.plain(record)
