"""Every demand a hidden check makes is written in the released notebook: each check is
mapped to the sentences of the question that ask for it, and each sentence must be there."""
import ast
import json
import re

import pytest

from autograder.assignments import NAMES, check_file
from autograder.config import ROOT

ASKED = {
    "tensor_shapes": {
        "test_make_tensor_gives_float32_zeros_of_that_shape":
            ["Return a float32 tensor of zeros with exactly the given shape", "(1, 1) or ()"],
        "test_make_tensor_creates_on_the_given_device": ["created on the given device"],
        "test_to_nchw_moves_every_value_to_its_place":
            ["result[n, c, h, w] == batch_hwc[n, h, w, c]", "Any of N, H, W, C may be 1",
             "Do not change the input."],
        "test_to_nchw_keeps_dtype_and_device": ["Keep the dtype and device"],
        "test_to_nchw_keeps_autograd_working": ["keep autograd working"],
        "test_flatten_images_gives_one_row_per_image":
            ["row n holds image n's values in their original order",
             "The result always has two dimensions, also when N or C·H·W is 1."],
        "test_flatten_images_keeps_dtype_device_and_autograd": ["Keep dtype, device and autograd."],
        "test_image_to_batch_gives_a_float_batch_of_one":
            ["a float32 batch of one image, 1×C×H×W, with values in [0, 1]",
             "result[0, c, h, w] == image[h, w, c] / 255", "Any of H, W, C may be 1."],
        "test_image_to_batch_keeps_device_and_input":
            ["Keep the image's device, and do not change the input."],
        "test_batch_to_image_gives_rounded_uint8_pixels":
            ["Return the H×W×C uint8 image with values round(value · 255)",
             "Remove only the batch dimension, with squeeze(0)", "any of them may be 1"],
        "test_batch_to_image_keeps_device_and_input":
            ["Keep the batch's device, and do not change the input."],
    },
    "requires_grad": {
        "test_loss_graph_names_the_nodes_back_to_the_leaf":
            ["at each node, follow its first input that is not None",
             "ending with 'AccumulateGrad'", "Compute loss = (W·x − target)² as in the course text"],
        "test_loss_graph_keeps_the_graph_and_calls_no_backward":
            ["Do not call backward(): W must still have no .grad after the call."],
        "test_grad_of_poly_values":
            ["Return, as a Python float, the derivative of 2x⁴ + x³ + 3x² + 5x + 1 at the number x",
             "(an int or a float"],
        "test_grad_of_poly_uses_autograd": ["computed by autograd"],
        "test_grad_of_poly_gives_the_same_answer_every_call": ["Each call must give the same answer"],
        "test_multistep_grad_values":
            ["a single number of shape () too",
             "Return d(out)/dx computed with autograd: a tensor with x's shape, dtype and device."],
        "test_multistep_grad_leaves_the_callers_tensor_alone":
            ["Do not change the caller's tensor: do not call requires_grad_() on it and do not "
             "leave a .grad on it."],
        "test_multistep_grad_does_not_accumulate": ["Work on a copy"],
        "test_multistep_grad_uses_autograd_and_keeps_dtype":
            ["computed with autograd: a tensor with x's shape, dtype and device"],
        "test_predict_values":
            ["Return the predictions w·x + b for every element of x", "The result has x's shape and device."],
        "test_predict_records_no_graph":
            ["the result must not require grad and must have no grad_fn",
             "detaching the result afterwards is too late, the graph was already built"],
        "test_predict_leaves_w_b_and_x_alone":
            ["Do not change w, b or x: after the call w and b must still require grad",
             "Leave autograd as you found it: after predict returns, gradient recording must be on"],
    },
    "manual_backward": {
        "test_manual_grad_matches_autograd": ["Return dL/dW for every element"],
        "test_manual_grad_does_not_use_autograd":
            ["no backward(), no torch.autograd, no requires_grad"],
        "test_manual_grad_leaves_inputs_and_types_alone":
            ["a tensor with W's shape, dtype and device", "Do not modify the inputs."],
        "test_linear_grads_match_autograd":
            ["Return the tuple (dL/dw, dL/db) as two scalar tensors", "(of any length, 1 included)"],
        "test_linear_grads_do_not_use_autograd": ["no autograd (no backward(), no requires_grad)"],
        "test_linear_grads_leaves_its_inputs_alone": ["do not modify the inputs"],
        "test_mean_grad_matches_autograd":
            ["Derive d(out)/dx by hand", "a single number of shape () included",
             "the mean over all n elements of x"],
        "test_mean_grad_does_not_use_autograd": ["Again: no autograd"],
        "test_mean_grad_leaves_x_and_its_type_alone":
            ["a tensor with x's shape, dtype and device", "do not modify the input."],
        "test_bigram_grad_matches_autograd":
            ["Derive the gradient of this loss with respect to W and return it"],
        "test_bigram_grad_does_not_use_autograd": ["No autograd, and do not modify the inputs."],
        "test_bigram_grad_leaves_inputs_and_types_alone":
            ["a tensor with W's shape, dtype and device", "No autograd, and do not modify the inputs."],
    },
    "no_grad_update": {
        "test_sgd_step_updates_the_callers_tensor":
            ["Update it in place to W − lr · W.grad under torch.no_grad()",
             "lr is a number (int or float)"],
        "test_sgd_step_returns_the_same_leaf": ["return W itself"],
        "test_sgd_step_is_written_by_hand": ["Write the update yourself: no torch.optim."],
        "test_sgd_step_resets_the_gradient": ["reset its gradient"],
        "test_fit_linear_finds_the_line":
            ["Fit a line y ≈ w·x + b by gradient descent on the mean squared error"],
        "test_fit_linear_records_decreasing_float_losses":
            ["record each step's loss as a Python float (loss.item())",
             "Start from w = 0 and b = 0, and record each step's loss before that step's update"],
        "test_fit_linear_returns_leaf_parameters":
            ["create w and b as leaf tensors with requires_grad=True on device",
             "Return (w, b, losses): the two leaf tensors"],
        "test_fit_linear_is_written_by_hand":
            ["no nn.Linear (or other nn layers with weights) and no torch.optim",
             "repeat steps times: loss, loss.backward() on that loss (the grader checks that the "
             "gradients come from it), update under no_grad, reset the grads"],
        "test_fit_linear_creates_tensors_on_the_given_device":
            ["(torch.zeros((), device=device, requires_grad=True)), and move x, y there too"],
        "test_fit_linear_nn_follows_the_hand_written_trajectory":
            ["your losses must follow fit_linear's step for step", "set its weight and bias to 0",
             "record the loss as a Python float"],
        "test_fit_linear_nn_uses_nn_and_optim": ["Write the same fit with torch.nn.Linear(1, 1)"],
        "test_fit_linear_nn_trains_on_the_device":
            ["build the model on device", "the trained weight (shape (1, 1)) and bias (shape (1,))"],
    },
    "char_model": {
        "test_train_bigram_reaches_the_count_based_floor":
            ["Build the vocabulary with chars = sorted(set(text))",
             "steps of gradient descent on F.cross_entropy(W[xs], ys)"],
        "test_train_bigram_losses_are_honest_floats":
            ["the steps losses as Python floats"],
        "test_train_bigram_follows_gradient_descent_step_by_step":
            ["The loss is exactly F.cross_entropy(W[xs], ys), with nothing added",
             "losses[i] is the loss computed in step i, before that step's update",
             "steps=0 returns it"],
        "test_train_bigram_keeps_w_a_leaf_on_the_device":
            ["(float32)", "as a leaf on device with requires_grad=True",
             "A generator makes random numbers on its own device"],
        "test_train_bigram_is_hand_written_and_reproducible":
            ["no layers with weights (nn.Linear, nn.Embedding, nn.Parameter) and no torch.optim",
             "seeded by seed"],
        "test_sample_follows_the_model":
            ["take the row of W for the current character, turn it into probabilities with "
             "F.softmax, draw the next character with torch.multinomial",
             "find the index of start from itos itself"],
        "test_sample_draws_at_random_with_the_right_probabilities":
            ["draw the next character with torch.multinomial"],
        "test_sample_works_on_the_device_of_w":
            ["on W's device (torch.Generator(device=W.device))"],
        "test_sample_tracks_no_gradients":
            ["do not track gradients while sampling. Sample inside torch.no_grad(), or from "
             "W.detach() taken once before the loop; W[i].detach() is too late"],
        "test_sample_is_reproducible_for_a_seed":
            ["so that the same seed always gives the same text",
             "return the n drawn characters as a string (without start)",
             "Always draw all n characters: a . (the end of a name) does not end the text"],
    },
}


def _text(assignment):
    """The released notebook's Markdown, without emphasis or code marks, one space apart."""
    notebook = json.loads((ROOT / "assignments" / f"{assignment}.ipynb").read_text())
    text = " ".join("".join(cell["source"]) for cell in notebook["cells"]
                    if cell["cell_type"] == "markdown")
    return re.sub(r"\s+", " ", text.replace("**", "").replace("`", ""))


def _checks(assignment):
    tree = ast.parse(check_file(assignment).read_text())
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


@pytest.mark.parametrize("assignment", NAMES)
def test_every_check_is_mapped_to_what_the_question_asks(assignment):
    assert _checks(assignment) == set(ASKED[assignment])


@pytest.mark.parametrize("assignment", NAMES)
def test_every_mapped_sentence_is_in_the_released_notebook(assignment):
    text = _text(assignment)
    missing = [(check, sentence) for check, sentences in ASKED[assignment].items()
               for sentence in sentences if sentence not in text]
    assert not missing, missing
