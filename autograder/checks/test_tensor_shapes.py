"""Hidden checks for assignment 1, tensor_shapes."""
import pytest
import torch

from autograder.checking import (CheckFailed, StudentError, dry_run, expect, expect_close,
                                 expect_tensor, msg, question, result_of, tensor)


def _expect_connected(reply, grad, shape, function):
    """The result (of ``shape``: the weights back-propagated have it) must stay in the
    autograd graph of the input."""
    result = expect_tensor(reply.value, result_of(function))
    expect(result.shape == shape, "The result of {function} has shape {actual}, not "
           "{expected}, so the grader could not send gradients back through it.",
           function=function, actual=result.shape, expected=shape)
    expect(reply.backward_error is None and reply.args[0].grad is not None,
           "{function} cuts the result off from autograd: gradients cannot flow back to the "
           "input. Do not use .detach(), .data, torch.tensor(...) or NumPy here.",
           function=function)
    expect_close(reply.args[0].grad, grad, call=reply.call,
                 what=msg("The gradient flowing back through {function}", function=function))


@question("make_tensor", points=1)
@pytest.mark.parametrize("shape", [(2, 3), (4,), (1, 2, 3, 4), (1, 1), ()])
def test_make_tensor_gives_float32_zeros_of_that_shape(student, device, shape):
    """`make_tensor` gives float32 zeros of the shape asked for."""
    call = f"make_tensor({shape})"
    result = expect_tensor(student.call("make_tensor", shape, device=device), call)
    expect(result.shape == shape, "{call} should have shape {expected}, but it has shape "
           "{actual}.", call=call, expected=shape, actual=result.shape)
    expect(result.dtype == "torch.float32", "make_tensor should return float32 values, "
           "not {dtype}.", dtype=result.dtype)
    expect(result.device == device, "make_tensor(..., device={device}) returned a tensor "
           "on {actual}.", device=device, actual=result.device)
    expect(bool((result.data == 0).all()), "make_tensor should be filled with zeros.")


@question("make_tensor", points=1)
def test_make_tensor_creates_on_the_given_device(student):
    """`make_tensor` creates its tensor on `device`."""
    ignores = msg("make_tensor ignores its `device` argument: create the tensor with "
                  "device=device, or your code will fail on a GPU.")
    reply = dry_run(student, "make_tensor", [(2, 3)], {"device": "meta"})
    if reply is not None:
        expect(expect_tensor(reply.value, result_of("make_tensor")).device == "meta", ignores)


SHAPES = [(2, 4, 5, 3), (3, 4, 4, 4), (1, 3, 2, 1)]  # H≠W, square, N=1 and C=1


@question("to_nchw", points=1)
@pytest.mark.parametrize("shape", SHAPES)
def test_to_nchw_moves_every_value_to_its_place(student, device, rng, shape):
    """`to_nchw` moves every value to its place."""
    batch = torch.randn(shape, generator=rng)
    reply = student.run("to_nchw", [tensor(batch, device=device)])
    result = expect_tensor(reply.value, result_of("to_nchw"))
    expected = batch.permute(0, 3, 1, 2)
    expect(result.shape == tuple(expected.shape), "to_nchw of a {shape} batch should have "
           "shape {expected}, but has {actual}.", shape=shape, expected=tuple(expected.shape),
           actual=result.shape)
    expect_close(result, expected, msg("to_nchw's result (each value must move with its "
                                       "pixel and channel: use permute, not reshape or view)"),
                 call=reply.call)
    expect_close(reply.args[0], batch, msg("The input batch after to_nchw (do not change it)"),
                 call=reply.call)


@question("to_nchw", points=1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.int64])
def test_to_nchw_keeps_dtype_and_device(student, dtype):
    """`to_nchw` keeps the dtype and the device."""
    reply = dry_run(student, "to_nchw", [tensor(torch.zeros(2, 4, 5, 3, dtype=dtype),
                                                device="meta")])
    if reply is None:
        return
    result = expect_tensor(reply.value, result_of("to_nchw"))
    expect(result.dtype == str(dtype), "to_nchw changed the dtype from {expected} to "
           "{actual}; keep the input's dtype.", expected=str(dtype), actual=result.dtype)
    expect(result.device == "meta", "to_nchw moved the tensor to another device; keep the "
           "input's device.")
    expect(result.shape == (2, 3, 4, 5), "to_nchw should give shape (N, C, H, W).")


@question("to_nchw", points=1)
def test_to_nchw_keeps_autograd_working(student, device, rng):
    """gradients still flow back through `to_nchw`."""
    batch, weights = torch.randn(2, 4, 5, 3, generator=rng), torch.randn(2, 3, 4, 5, generator=rng)
    reply = student.run("to_nchw", [tensor(batch, requires_grad=True, device=device)],
                        backward=tensor(weights, device=device))
    _expect_connected(reply, weights.permute(0, 2, 3, 1), (2, 3, 4, 5), "to_nchw")


@question("flatten_images", points=1)
@pytest.mark.parametrize("shape", [(8, 3, 4, 5), (1, 2, 3, 3), (4, 1, 1, 1)])
def test_flatten_images_gives_one_row_per_image(student, device, rng, shape):
    """`flatten_images` gives one row per image."""
    batch = torch.randn(shape, generator=rng)
    reply = student.run("flatten_images", [tensor(batch, device=device)])
    result = expect_tensor(reply.value, result_of("flatten_images"))
    expected = batch.reshape(shape[0], -1)
    expect(result.shape == tuple(expected.shape), "flatten_images of a {shape} batch should "
           "have shape {expected} (N rows), but has {actual}.", shape=shape,
           expected=tuple(expected.shape), actual=result.shape)
    expect_close(result, expected, msg("flatten_images' result (row n must be image n's values "
                                       "in their original C, H, W order)"),
                 call=reply.call)


@question("flatten_images", points=1)
def test_flatten_images_keeps_dtype_device_and_autograd(student, device, rng):
    """`flatten_images` keeps the dtype and the device, and gradients flow through it."""
    batch = torch.randn(2, 3, 4, 5, dtype=torch.float64, generator=rng)
    weights = torch.randn(2, 60, dtype=torch.float64, generator=rng)
    reply = student.run("flatten_images", [tensor(batch, requires_grad=True, device=device)],
                        backward=tensor(weights, device=device))
    result = expect_tensor(reply.value, result_of("flatten_images"))
    expect(result.dtype == "torch.float64", "flatten_images changed the dtype; keep it.")
    expect(result.device == device, "flatten_images moved the tensor to another device.")
    _expect_connected(reply, weights.reshape(2, 3, 4, 5), (2, 60), "flatten_images")


IMAGES = [(4, 5, 3), (1, 1, 1), (2, 3, 1)]  # H≠W, one pixel, one channel


def _image(shape, rng):
    return torch.randint(0, 256, shape, generator=rng, dtype=torch.uint8)


@question("image_to_batch", points=2)
@pytest.mark.parametrize("shape", IMAGES)
def test_image_to_batch_gives_a_float_batch_of_one(student, device, rng, shape):
    """`image_to_batch` gives a float batch holding one image."""
    image = _image(shape, rng)
    reply = student.run("image_to_batch", [tensor(image, device=device)])
    result = expect_tensor(reply.value, result_of("image_to_batch"))
    expected = image.permute(2, 0, 1).float().div(255).unsqueeze(0)
    expect(result.shape == tuple(expected.shape), "image_to_batch of a {shape} image should "
           "have shape {expected} (channels first, then unsqueeze(0) for the batch), but has "
           "{actual}.", shape=shape, expected=tuple(expected.shape), actual=result.shape)
    expect(result.dtype == "torch.float32", "image_to_batch should return float32 values, "
           "not {dtype}.", dtype=result.dtype)
    if result.data is not None and torch.allclose(result.data.double(), expected.double() * 255):
        raise CheckFailed("image_to_batch keeps values 0–255; divide by 255 so that they are "
                          "in [0, 1].")
    expect_close(result, expected, msg("image_to_batch's result (result[0, c, h, w] must be "
                                       "image[h, w, c] / 255: move the channels with permute)"),
                 call=reply.call)


def _keeps_input_and_device(student, function, value, changed, moved):
    """``function`` leaves its input as it was and answers on the input's device."""
    reply = student.run(function, [tensor(value)])
    expect_close(reply.args[0], value, changed, call=reply.call)
    meta = dry_run(student, function, [tensor(value, device="meta")])
    if meta is not None:
        expect(expect_tensor(meta.value, result_of(function)).device == "meta", moved)


@question("image_to_batch", points=1)
def test_image_to_batch_keeps_device_and_input(student, rng):
    """`image_to_batch` keeps the device and leaves its input unchanged."""
    _keeps_input_and_device(
        student, "image_to_batch", _image((3, 2, 3), rng),
        msg("The image after image_to_batch (do not change it)"),
        msg("image_to_batch moved the tensor to another device; keep the image's device: "
            ".type(torch.FloatTensor), .cpu() and a NumPy round trip give a CPU tensor (use "
            ".float(), and .to(image.device) after NumPy)."))


@question("batch_to_image", points=2)
@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (1, 1, 2, 2), (1, 3, 1, 1)])
def test_batch_to_image_gives_rounded_uint8_pixels(student, device, rng, shape):
    """`batch_to_image` gives rounded uint8 pixels."""
    batch = torch.rand(shape, generator=rng)
    try:
        reply = student.run("batch_to_image", [tensor(batch, device=device)])
    except StudentError as error:
        if 1 not in shape[1:]:
            raise
        raise CheckFailed("batch_to_image fails on a {shape} batch, where C, H or W is 1: "
                          "remove only the batch dimension, with squeeze(0) (a plain squeeze() "
                          "drops the others too). Details: {details}", shape=shape,
                          details=error.message) from None
    result = expect_tensor(reply.value, result_of("batch_to_image"))
    expected = (batch.squeeze(0).permute(1, 2, 0) * 255).round().to(torch.uint8)
    expect(result.shape == tuple(expected.shape), "batch_to_image of a {shape} batch should "
           "have shape {expected}: remove only the batch dimension, with squeeze(0), then put "
           "the channels last; it has {actual}.", shape=shape, expected=tuple(expected.shape),
           actual=result.shape)
    expect(result.dtype == "torch.uint8", "batch_to_image should return uint8 values, not "
           "{dtype}.", dtype=result.dtype)
    truncated = (batch.squeeze(0).permute(1, 2, 0) * 255).to(torch.uint8)
    if result.data is not None and not torch.equal(truncated, expected) and \
            torch.equal(result.data.cpu(), truncated):
        raise CheckFailed("batch_to_image cuts values down instead of rounding them: round() "
                          "before converting to uint8.")
    expect_close(result, expected, msg("batch_to_image's result (result[h, w, c] must be "
                                       "round(batch[0, c, h, w] · 255))"),
                 call=reply.call)


@question("batch_to_image", points=1)
def test_batch_to_image_keeps_device_and_input(student, rng):
    """`batch_to_image` keeps the device and leaves its input unchanged."""
    _keeps_input_and_device(
        student, "batch_to_image", torch.rand(1, 3, 2, 4, generator=rng),
        msg("The batch after batch_to_image (do not change it)"),
        msg("batch_to_image moved the tensor to another device; keep the batch's device."))
