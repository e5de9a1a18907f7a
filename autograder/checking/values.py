"""What travels between a check and the sandbox, seen from the check: argument specs
(``tensor``, ``ref``), replies decoded into TensorInfo and Opaque values, a call written
out as a student would write it, and what it raised, said to a beginner."""
from dataclasses import dataclass

from ..i18n import N_
from ..records import NOT_IMPLEMENTED, msg
from . import places

# (words of errors PyTorch raises that beginners meet, what to do about them)
FIXES = (
    (("Only Tensors of floating point",), N_("only a float tensor can require grad: make it "
     "float first, e.g. torch.tensor(float(x), requires_grad=True).")),
    (("does not require grad and does not have a grad_fn",), N_("backward() was called on a "
     "result that nothing requiring grad went into: give the tensors you differentiate by "
     "requires_grad=True before computing with them, and do not compute it under "
     "torch.no_grad(), after torch.set_grad_enabled(False) or from .detach()ed tensors.")),
    (("backward through the graph a second time",), N_("each backward() frees its graph: "
     "compute the loss again before each backward() (inside the loop), rather than calling "
     "backward() twice on one loss.")),
    (("leaf Variable that requires grad is being used in an in-place",), N_("change a leaf "
     "that requires grad only under torch.no_grad() (with torch.no_grad(): W -= lr * "
     "W.grad).")),
    (("grad can be implicitly created only for scalar",), N_("backward() with no argument "
     "needs a single number: reduce the result first (.sum() or .mean()).")),
    (("modified by an inplace operation",), N_("a tensor the graph still needs was changed in "
     "place before backward(): write that step out of place (y = y + 1, not y += 1 or "
     "y.add_(1)).")),
    (("cannot be converted to Scalar", "only one element tensors can be converted"),
     N_(".item() and float() take a tensor of one element only: index or reduce it first.")),
    (("shapes cannot be multiplied",), N_("in a matrix product (n, k) @ (k, m) the inner sizes "
     "must match: print the shapes of both sides to see which one is off.")),
    (("must match the size of tensor b",), N_("the two shapes do not broadcast: print the "
     "shapes of both sides; a missing unsqueeze or a transposed tensor is the usual cause.")),
    (("not compiled with CUDA", "No CUDA GPUs are available", "Found no NVIDIA driver"),
     N_("code is graded where there may be no GPU: choose the device as the notebook's first "
        "cell does (device = \"cuda\" if torch.cuda.is_available() else \"cpu\") and use "
        "that, never \"cuda\" or .cuda() by name.")),
    (("invalid non-printable character", "invalid character"), N_("a character copied from "
     "a web page or a document (a non-breaking space, curly quotes, a typographic minus) is "
     "not Python: type that part of the line again.")),
    (("unindent does not match", "inconsistent use of tabs", "unexpected indent",
      "expected an indented block"), N_("indent each block one level deeper than the line "
     "that opens it (4 spaces), the same way on every line, without mixing tabs and spaces.")),
    (("expected target dtype to be Long",), N_("cross_entropy takes class indices as integers "
     "(torch.long), not floats.")),
    (("can't be cast to the desired output type",), N_("an in-place step (x /= 255, x += 0.5) "
     "cannot turn an integer tensor, such as uint8 pixels, into floats: convert first, out of "
     "place: x = x.float() / 255.")),
    (("Boolean value of Tensor with more than one value",), N_("if, and, or and not need one "
     "True or False: reduce the comparison with .all() or .any(), or compare one element.")),
    (("Dimension out of range",), N_("the tensor has fewer dimensions than the dim given: print "
     "its .shape and count from 0 (or from -1 at the end).")),
    (("to have the same dtype", "expected scalar type"), N_("two tensors in one operation have "
     "different dtypes (float64 from NumPy next to float32, or floats where class indices "
     "must be integers): convert one with .float(), .long() or .to(other.dtype).")),
    (("object has no attribute 'zero_'", "and 'NoneType'", "'NoneType' and"), N_("a value here "
     "is None, most often a .grad, which stays None until a backward() reaches that tensor: "
     "call loss.backward() first, on a loss computed (not under torch.no_grad()) from a leaf "
     "with requires_grad=True.")),
    (("view size is not compatible with input tensor",), N_("view() needs a tensor laid out in "
     "order, and permute() or transpose() gives one that is not: use reshape(), or call "
     ".contiguous() before view().")),
)


@dataclass
class TensorInfo:
    """A tensor returned by student code: values (None on meta) and autograd state."""
    data: object
    type: str
    dtype: str
    device: str
    shape: tuple
    layout: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: object
    grad: object
    version: int
    same_as: object


@dataclass
class Opaque:
    """Something that is not plain data; only its type name is known."""
    type: str


@dataclass
class Reply:
    value: object
    args: list
    usage: dict
    backward_error: object = None
    call: str = ""  # the call as a student would write it (describe_call)


def tensor(data, requires_grad=False, grad=None, name=None, device="cpu"):
    """Argument spec: a fresh tensor built in the sandbox from ``data``."""
    return {"__tensor__": data.detach().cpu(), "requires_grad": requires_grad,
            "grad": None if grad is None else grad.detach().cpu(), "name": name,
            "device": str(device)}


def ref(name):
    """Argument spec: an object the sandbox kept from an earlier call (store=...)."""
    return {"__ref__": name}


def decode(value):
    """Turn a plain-data description from the sandbox into TensorInfo/Opaque objects."""
    if type(value) is dict and "__tensor__" in value:
        info = {name: value.get(name) for name in TensorInfo.__dataclass_fields__ if name != "data"}
        info["grad"] = decode(info["grad"])
        info["shape"] = tuple(info["shape"] or ())
        return TensorInfo(data=value["__tensor__"], **info)
    if type(value) is dict and "__object__" in value:
        return Opaque(str(value["__object__"]))
    if type(value) is dict:
        return {key: decode(item) for key, item in value.items()}
    if type(value) is list:
        return [decode(item) for item in value]
    if type(value) is tuple:
        return tuple(decode(item) for item in value)
    return value


def describe_call(function, args, kwargs):
    """The call as a student would write it, small inputs shown, tensors by shape."""
    def show(value):
        if type(value) is dict and "__tensor__" in value:
            data, grad = value["__tensor__"], value["requires_grad"]
            if data.numel() <= 6:
                return f"tensor({_numbers(data.tolist())}{', requires_grad=True' if grad else ''})"
            return f"<{'×'.join(map(str, data.shape))} tensor{' requiring grad' if grad else ''}>"
        if type(value) is dict and "__ref__" in value:
            return value["__ref__"]
        if type(value) is dict:
            items = [f"{show(k)}: {show(v)}" for k, v in list(value.items())[:4]]
            return "{" + ", ".join(items) + (", ...}" if len(value) > 4 else "}")
        if type(value) in (list, tuple) and not (type(value) is tuple and len(value) == 1):
            items = [show(v) for v in value[:6]] + (["..."] if len(value) > 6 else [])
            return ("[{}]" if type(value) is list else "({})").format(", ".join(items))
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def _numbers(value):
    """A tensor's values as a student would type them: floats to 4 significant digits."""
    if isinstance(value, list):
        return "[" + ", ".join(_numbers(item) for item in value) + "]"
    if not isinstance(value, float):
        return repr(value)
    text = f"{value:.4g}"
    return text if any(c in text for c in ".ein") else text + ".0"


def mentions_meta(value):
    """Whether an argument spec names the meta device anywhere."""
    if type(value) is str:
        return value.startswith("meta")
    if type(value) is dict:
        return value.get("device") == "meta" if "__tensor__" in value else \
            any(mentions_meta(item) for item in value.values())
    return type(value) in (list, tuple) and any(mentions_meta(item) for item in value)


def describe_error(function, call, reply, cells=()):
    """One beginner-readable sentence (a Message) for an exception in student code:
    the call that failed, on which input, and what it raised where (in ``cells``)."""
    kind, message = reply.get("type", "Exception"), reply.get("message", "")
    if kind == "NotImplementedError" and not message:
        return msg(NOT_IMPLEMENTED.text, function=function)
    if kind == "TypeError" and "cell" not in reply and message.startswith(f"{function}() "):
        return msg(  # raised by the call itself: the parameters differ
            "{call} raised TypeError: {message}. The grader calls {function} with the "
            "parameters of the question's def line: keep their names and order as given, also "
            "those your code does not use (such as device).", call=call, function=function,
            message=message)
    params, fix = {"call": call, "error": kind, "message": message}, fix_for(message)
    if type(reply.get("cell")) is int and type(reply.get("line")) is int:
        params.update(where=places.at(cells, reply["cell"], reply["line"]))
        if fix:
            return msg("{call} raised {error} ({where}): {message} – what to do: {fix}",
                       fix=fix, **params)
        return msg("{call} raised {error} ({where}): {message}", **params)
    if fix:
        return msg("{call} raised {error}: {message} – what to do: {fix}", fix=fix, **params)
    return msg("{call} raised {error}: {message}", **params)


def fix_for(message):
    """What to do about an error PyTorch raised (its message), as a Message, or None."""
    return next((msg(fix) for words, fix in FIXES if any(w in str(message) for w in words)),
                None)
