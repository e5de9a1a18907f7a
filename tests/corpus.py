"""Realistic student mistakes and valid alternatives, per assignment.

A wrong solution is (name, question, hint, code): the code is appended to the reference
notebook, redefining a function; grading must cost points on ``question`` and the feedback must
contain ``hint``. A valid variant is (name, code) and must keep full marks.
"""

def _fit_linear(param="torch.zeros((), device=device, requires_grad=True)",
                reset="        w.grad = None\n        b.grad = None\n",
                record="losses.append(loss.item())"):
    """The reference fit_linear loop with one line changed: a typical beginner's slip."""
    return ("def fit_linear(x, y, steps, lr, device='cpu'):\n"
            "    x, y = x.to(device), y.to(device)\n"
            f"    w = {param}\n    b = {param}\n    losses = []\n"
            "    for _ in range(steps):\n        loss = ((w * x + b - y) ** 2).mean()\n"
            "        loss.backward()\n        with torch.no_grad():\n"
            "            w -= lr * w.grad\n            b -= lr * b.grad\n"
            f"{reset}        {record}\n    return w, b, losses")


def _fit_linear_nn(init="    with torch.no_grad():\n        model.weight.zero_(); model.bias.zero_()\n",
                   zero="        opt.zero_grad()\n", loss="torch.nn.MSELoss()",
                   record="losses.append(loss.item())"):
    """The reference nn/optim fit with one line changed."""
    return ("def fit_linear_nn(x, y, steps, lr, device='cpu'):\n"
            "    model = torch.nn.Linear(1, 1).to(device)\n"
            f"{init}    criterion = {loss}\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    x, y = x.to(device).unsqueeze(1), y.to(device).unsqueeze(1)\n    losses = []\n"
            "    for _ in range(steps):\n"
            f"{zero}        loss = criterion(model(x), y)\n        loss.backward()\n"
            f"        opt.step()\n        {record}\n"
            "    return model.weight.detach(), model.bias.detach(), losses")


def _bigram(loss="F.cross_entropy(W[xs], ys)", record="        losses.append(loss.item())\n"):
    """The reference train_bigram with its loss or its recording changed."""
    return ("def train_bigram(text, steps, lr, seed, device='cpu'):\n"
            "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
            "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
            "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    W = torch.randn(len(chars), len(chars), generator=g).to(device).requires_grad_()\n"
            "    losses = []\n    for _ in range(steps):\n"
            f"        loss = {loss}\n        W.grad = None\n"
            "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
            f"{record}    return W, losses")


WRONG = {
    "tensor_shapes": [
        ("type(torch.FloatTensor), a CPU type", "image_to_batch", ".type(torch.FloatTensor)",
         "def image_to_batch(image):\n"
         "    return image.permute(2, 0, 1).unsqueeze(0).type(torch.FloatTensor) / 255"),
        ("ignores device", "make_tensor", "ignores its `device`",
         "def make_tensor(shape, device='cpu'):\n    return torch.zeros(shape)"),
        ("ones", "make_tensor", "filled with zeros",
         "def make_tensor(shape, device='cpu'):\n    return torch.ones(shape, device=device)"),
        ("float64", "make_tensor", "float32",
         "def make_tensor(shape, device='cpu'):\n"
         "    return torch.zeros(shape, dtype=torch.float64, device=device)"),
        ("hard-coded cuda", "make_tensor", "asks for CUDA by name",
         "def make_tensor(shape, device='cpu'):\n    return torch.zeros(shape).cuda()"),
        ("reshape scrambles pixels", "to_nchw", "use permute",
         "def to_nchw(b):\n    n, h, w, c = b.shape\n    return b.reshape(n, c, h, w)"),
        ("transpose swaps H and W", "to_nchw", "should have shape",
         "def to_nchw(b):\n    return b.transpose(1, 3)"),
        ("detach", "to_nchw", "cuts the result off from autograd",
         "def to_nchw(b):\n    return b.detach().permute(0, 3, 1, 2)"),
        ("float cast", "to_nchw", "changed the dtype",
         "def to_nchw(b):\n    return b.permute(0, 3, 1, 2).float()"),
        ("flattens everything", "flatten_images", "N rows",
         "def flatten_images(batch):\n    return batch.flatten()"),
        ("channels-last order", "flatten_images", "original C, H, W order",
         "def flatten_images(batch):\n    return batch.permute(0, 2, 3, 1).reshape(batch.shape[0], -1)"),
        ("rebuilt with torch.tensor", "flatten_images", "changed the dtype",
         "def flatten_images(batch):\n"
         "    return torch.tensor(batch.reshape(batch.shape[0], -1).tolist())"),
        ("squeezes size-1 dimensions", "to_nchw", "should have shape",
         "def to_nchw(b):\n    return b.permute(0, 3, 1, 2).squeeze()"),
        ("squeezes a one-pixel row", "flatten_images", "N rows",
         "def flatten_images(batch):\n    return batch.reshape(batch.shape[0], -1).squeeze()"),
        ("forgets to scale", "image_to_batch", "divide by 255",
         "def image_to_batch(image):\n    return image.permute(2, 0, 1).float().unsqueeze(0)"),
        ("reshape instead of permute", "image_to_batch", "move the channels with permute",
         "def image_to_batch(image):\n    h, w, c = image.shape\n"
         "    return image.reshape(1, c, h, w).float() / 255"),
        ("batch dimension last", "image_to_batch", "unsqueeze(0)",
         "def image_to_batch(image):\n    return image.permute(2, 0, 1).float().div(255).unsqueeze(-1)"),
        ("float64", "image_to_batch", "float32",
         "def image_to_batch(image):\n    return image.permute(2, 0, 1).double().div(255)[None]"),
        ("NumPy without .cpu()", "image_to_batch", "calls `.numpy()` on a tensor",
         "import numpy as np\n"
         "def image_to_batch(image):\n    array = image.numpy().transpose(2, 0, 1) / 255.0\n"
         "    return torch.from_numpy(array.astype(np.float32))[None].to(image.device)"),
        ("squeeze() drops size-1 dimensions", "batch_to_image", "squeeze(0)",
         "def batch_to_image(batch):\n"
         "    return (batch.squeeze() * 255).round().to(torch.uint8).permute(1, 2, 0)"),
        ("truncates instead of rounding", "batch_to_image", "round()",
         "def batch_to_image(batch):\n"
         "    return (batch[0].permute(1, 2, 0) * 255).to(torch.uint8)"),
        ("channels stay first", "batch_to_image", "channels last",
         "def batch_to_image(batch):\n    return (batch.squeeze(0) * 255).round().to(torch.uint8)"),
        ("scales in place", "batch_to_image", "do not change it",
         "def batch_to_image(batch):\n"
         "    return batch.mul_(255).round_().squeeze(0).permute(1, 2, 0).to(torch.uint8)"),
    ],
    "requires_grad": [
        ("names typed in after printing them once", "loss_graph", "without walking the graph",
         "def loss_graph(W, x, target):\n    loss = (W * x - target) ** 2\n"
         "    return loss, ['PowBackward0', 'SubBackward0', 'MulBackward0', 'AccumulateGrad']"),
        ("stops before the leaf", "loss_graph", "end at W's AccumulateGrad node",
         "def loss_graph(W, x, target):\n    loss = (W * x - target) ** 2\n"
         "    names, node = [], loss.grad_fn\n"
         "    while node is not None and node.next_functions and node.next_functions[0][0]:\n"
         "        names.append(type(node).__name__)\n        node = node.next_functions[0][0]\n"
         "    return loss, names"),
        ("squares by multiplying", "loss_graph", "compute (W·x − target) ** 2",
         "def loss_graph(W, x, target):\n    d = W * x - target\n    loss = d * d\n"
         "    names, node = [], loss.grad_fn\n    while node is not None:\n"
         "        names.append(type(node).__name__)\n"
         "        node = node.next_functions[0][0] if node.next_functions else None\n"
         "    return loss, names"),
        ("returns the nodes, not their names", "loss_graph", "list of strings",
         "def loss_graph(W, x, target):\n    loss = (W * x - target) ** 2\n"
         "    nodes, node = [], loss.grad_fn\n    while node is not None:\n"
         "        nodes.append(node)\n"
         "        node = node.next_functions[0][0] if node.next_functions else None\n"
         "    return loss, nodes"),
        ("backward to look at the graph", "loss_graph", "called backward()",
         "def loss_graph(W, x, target):\n    loss = (W * x - target) ** 2\n"
         "    loss.sum().backward(retain_graph=True)\n"
         "    return loss, ['PowBackward0', 'SubBackward0', 'MulBackward0', 'AccumulateGrad']"),
        ("detached loss", "loss_graph", "do not detach it",
         "def loss_graph(W, x, target):\n    loss = (W * x - target) ** 2\n"
         "    return loss.detach(), ['PowBackward0', 'SubBackward0', 'MulBackward0', 'AccumulateGrad']"),
        ("formula typed in", "grad_of_poly", "with autograd",
         "def grad_of_poly(x):\n    return 8 * x**3 + 3 * x**2 + 6 * x + 5"),
        ("returns a tensor", "grad_of_poly", "Python float",
         "def grad_of_poly(x):\n    t = torch.tensor(x, requires_grad=True)\n"
         "    (2*t**4 + t**3 + 3*t**2 + 5*t + 1).backward()\n    return t.grad"),
        ("global tensor accumulates", "grad_of_poly", "accumulating",
         "_t = torch.tensor(0.0, requires_grad=True)\n"
         "def grad_of_poly(x):\n    with torch.no_grad():\n        _t.fill_(x)\n"
         "    (2*_t**4 + _t**3 + 3*_t**2 + 5*_t + 1).backward()\n    return _t.grad.item()"),
        ("wrong polynomial", "grad_of_poly", "Check the polynomial",
         "def grad_of_poly(x):\n    t = torch.tensor(float(x), requires_grad=True)\n"
         "    (2*t**4 + t**3 + 3*t**2 + 1).backward()\n    return t.grad.item()"),
        ("an int cannot require grad", "grad_of_poly", "Only Tensors of floating point",
         "def grad_of_poly(x):\n    t = torch.tensor(x, requires_grad=True)\n"
         "    (2*t**4 + t**3 + 3*t**2 + 5*t + 1).backward()\n    return t.grad.item()"),
        ("divides by len(x)", "multistep_grad", "12·y/n",
         "def multistep_grad(x):\n    x = x.detach().clone().requires_grad_(True)\n"
         "    ((2 * (3 * x + 2) ** 2).sum() / len(x)).backward()\n    return x.grad"),
        ("sum instead of mean", "multistep_grad", "12·y/n",
         "def multistep_grad(x):\n    x = x.detach().clone().requires_grad_(True)\n"
         "    (2 * (3 * x + 2) ** 2).sum().backward()\n    return x.grad"),
        ("changes the caller's tensor", "multistep_grad", "caller's tensor",
         "def multistep_grad(x):\n    x.requires_grad_(True)\n"
         "    (2 * (3 * x + 2) ** 2).mean().backward()\n    return x.grad"),
        ("formula typed in", "multistep_grad", "must use autograd",
         "def multistep_grad(x):\n    return 12 * (3 * x + 2) / x.numel()"),
        ("casts to float32", "multistep_grad", "changed the dtype",
         "def multistep_grad(x):\n    x = x.detach().float().requires_grad_(True)\n"
         "    (2 * (3 * x + 2) ** 2).mean().backward()\n    return x.grad"),
        ("prediction keeps the graph", "predict", "compute it under torch.no_grad()",
         "def predict(w, b, x):\n    return w * x + b"),
        ("detaches too late", "predict", "detached the result",
         "def predict(w, b, x):\n    return (w * x + b).detach()"),
        ("switches training off", "predict", "do not call requires_grad_(False)",
         "def predict(w, b, x):\n    w.requires_grad_(False)\n    b.requires_grad_(False)\n"
         "    return w * x + b"),
        ("writes into x", "predict", "x after predict",
         "def predict(w, b, x):\n    with torch.no_grad():\n        return x.mul_(w).add_(b)"),
        ("grad mode switched off as a statement", "predict", "turned gradient recording off",
         "def predict(w, b, x):\n    torch.set_grad_enabled(False)\n    return w * x + b"),
    ],
    "manual_backward": [
        ("forgets the 2", "manual_grad", "factor 2",
         "def manual_grad(W, x, target):\n    return (W * x - target) * x"),
        ("sign flipped", "manual_grad", "the sign",
         "def manual_grad(W, x, target):\n    return 2 * (target - W * x) * x"),
        ("derivative for x", "manual_grad", "wrong gradient",
         "def manual_grad(W, x, target):\n    return 2 * (W * x - target) * W"),
        ("uses autograd", "manual_grad", "called autograd",
         "def manual_grad(W, x, target):\n    W = W.clone().requires_grad_(True)\n"
         "    ((W * x - target) ** 2).sum().backward()\n    return W.grad"),
        ("forward-mode AD", "manual_grad", "called autograd",
         "import torch.autograd.forward_ad as fwAD\n"
         "def manual_grad(W, x, target):\n    with fwAD.dual_level():\n"
         "        d = fwAD.make_dual(W, torch.ones_like(W))\n"
         "        return fwAD.unpack_dual((d * x - target) ** 2).tangent"),
        ("autograd inside a helper", "manual_grad", "called autograd",
         "def _grad_of(loss_fn, W):\n    W = W.detach().requires_grad_(True)\n"
         "    return torch.autograd.grad(loss_fn(W).sum(), W)[0]\n"
         "def manual_grad(W, x, target):\n"
         "    return _grad_of(lambda w: (w * x - target) ** 2, W)"),
        ("torch.func under an alias", "manual_grad", "called autograd",
         "from torch import func as _f\n"
         "def manual_grad(W, x, target):\n"
         "    return _f.grad(lambda w: ((w * x - target) ** 2).sum())(W)"),
        ("in place on W", "manual_grad", "do not change the inputs",
         "def manual_grad(W, x, target):\n    W.mul_(x).sub_(target).mul_(2 * x)\n    return W"),
        ("sum instead of mean", "linear_grads", "Both gradients are wrong. dL/dw is n times too large",
         "def linear_grads(w, b, x, y):\n    e = w * x + b - y\n"
         "    return (2 * e * x).sum(), (2 * e).sum()"),
        ("one gradient per point, not averaged", "linear_grads", "not one per point",
         "def linear_grads(w, b, x, y):\n    e = w * x + b - y\n    return 2 * e * x, 2 * e"),
        ("db without the 2", "linear_grads", "dL/db is half of what it should be",
         "def linear_grads(w, b, x, y):\n    e = w * x + b - y\n"
         "    return (2 * e * x).mean(), e.mean()"),
        ("gradients swapped", "linear_grads", "swapped",
         "def linear_grads(w, b, x, y):\n    e = w * x + b - y\n"
         "    return (2 * e).mean(), (2 * e * x).mean()"),
        ("sign of the inner derivative lost", "linear_grads", "dL/dw has the wrong sign",
         "def linear_grads(w, b, x, y):\n    e = y - (w * x + b)\n"
         "    return (2 * e * x).mean(), (2 * (w * x + b - y)).mean()"),
        ("uses autograd", "linear_grads", "called autograd",
         "def linear_grads(w, b, x, y):\n    w = w.clone().requires_grad_(True)\n"
         "    b = b.clone().requires_grad_(True)\n    ((w * x + b - y) ** 2).mean().backward()\n"
         "    return w.grad, b.grad"),
        ("reuses y's memory", "linear_grads", "do not change the inputs",
         "def linear_grads(w, b, x, y):\n    y -= w * x + b\n"
         "    return (-2 * y * x).mean(), (-2 * y).mean()"),
        ("gradients attached to a graph", "linear_grads", "attached to an autograd graph",
         "def linear_grads(w, b, x, y):\n    w = w.clone().requires_grad_(True)\n"
         "    e = w * x + b - y\n    return (2 * e * x).mean(), (2 * e).mean()"),
        ("forgets the mean's 1/n", "mean_grad", "1/n of the mean",
         "def mean_grad(x):\n    return 12 * (3 * x + 2)"),
        ("forgets the inner factor 3", "mean_grad", "dy/dx = 3",
         "def mean_grad(x):\n    return 4 * (3 * x + 2) / x.numel()"),
        ("returns float64 for a float32 x", "mean_grad", "a float32 x should give a float32",
         "def mean_grad(x):\n    return (12 * (3 * x + 2) / x.numel()).double()"),
        ("divides by the first dimension", "mean_grad", "all n elements",
         "def mean_grad(x):\n    return 12 * (3 * x + 2) / len(x)"),
        ("autograd on a copy", "mean_grad", "called autograd",
         "def mean_grad(x):\n    x = x.clone().requires_grad_(True)\n"
         "    (2 * (3 * x + 2) ** 2).mean().backward()\n    return x.grad"),
        ("in place on x", "mean_grad", "do not change the input",
         "def mean_grad(x):\n    return x.mul_(3).add_(2).mul_(12 / x.numel())"),
        ("sum instead of mean", "bigram_grad", "divide the summed contributions by n",
         "def bigram_grad(W, xs, ys):\n    p = torch.softmax(W[xs], 1)\n"
         "    p[torch.arange(len(ys)), ys] -= 1\n    return torch.zeros_like(W).index_add_(0, xs, p)"),
        ("repeated rows overwrite", "bigram_grad", "use index_add_",
         "def bigram_grad(W, xs, ys):\n    p = torch.softmax(W[xs], 1)\n"
         "    p[torch.arange(len(ys)), ys] -= 1\n    G = torch.zeros_like(W)\n"
         "    G[xs] += p / len(ys)\n    return G"),
        ("accumulates in a CPU tensor", "bigram_grad", "mixes devices",
         "def bigram_grad(W, xs, ys):\n    probs = torch.softmax(W[xs], dim=1)\n"
         "    probs[torch.arange(len(ys), device=W.device), ys] -= 1\n"
         "    G = torch.zeros(W.shape, dtype=W.dtype)\n"
         "    return G.index_add_(0, xs, probs) / len(ys)"),
        ("forgets the one-hot", "bigram_grad", "one-hot",
         "def bigram_grad(W, xs, ys):\n"
         "    return torch.zeros_like(W).index_add_(0, xs, torch.softmax(W[xs], 1)) / len(ys)"),
        ("log-softmax instead of softmax", "bigram_grad", "one-hot",
         "def bigram_grad(W, xs, ys):\n    p = torch.log_softmax(W[xs], 1)\n"
         "    p[torch.arange(len(ys)), ys] -= 1\n"
         "    return torch.zeros_like(W).index_add_(0, xs, p) / len(ys)"),
        ("autograd through cross_entropy", "bigram_grad", "called autograd",
         "def bigram_grad(W, xs, ys):\n    W = W.clone().requires_grad_(True)\n"
         "    torch.nn.functional.cross_entropy(W[xs], ys).backward()\n    return W.grad"),
        ("scribbles on W", "bigram_grad", "do not change the inputs",
         "def bigram_grad(W, xs, ys):\n    W.copy_(torch.softmax(W, 1))\n"
         "    p = W[xs].clone()\n    p[torch.arange(len(ys)), ys] -= 1\n"
         "    return torch.zeros_like(W).index_add_(0, xs, p) / len(ys)"),
    ],
    "no_grad_update": [
        ("returns w.squeeze(), as d2l's shapes suggest", "fit_linear",
         "w is not the parameter itself but computed from it (SqueezeBackward",
         _fit_linear(param="torch.zeros(1, device=device, requires_grad=True)").replace(
             "return w, b, losses", "return w.squeeze(), b.squeeze(), losses")),
        ("returns w.detach(), as fit_linear_nn's weight", "fit_linear",
         "w does not require grad after training: return the tensor you created",
         _fit_linear().replace("return w, b, losses", "return w.detach(), b.detach(), losses")),
        ("new tensor instead of in place", "sgd_step", "return W itself",
         "def sgd_step(W, lr):\n    with torch.no_grad():\n        W = W - lr * W.grad\n    return W"),
        ("keeps the gradient", "sgd_step", "left the old gradient",
         "def sgd_step(W, lr):\n    with torch.no_grad():\n        W -= lr * W.grad\n    return W"),
        ("wrong direction", "sgd_step", "W − lr·W.grad",
         "def sgd_step(W, lr):\n    with torch.no_grad():\n        W += lr * W.grad\n"
         "    W.grad = None\n    return W"),
        ("no no_grad", "sgd_step", "raised RuntimeError",
         "def sgd_step(W, lr):\n    W -= lr * W.grad\n    W.grad = None\n    return W"),
        ("torch.optim does the step", "sgd_step", "uses torch.optim",
         "def sgd_step(W, lr):\n    torch.optim.SGD([W], lr=lr).step()\n    W.grad = None\n"
         "    return W"),
        ("losses as tensors", "fit_linear", "Python floats",
         _fit_linear(record="losses.append(loss)")),
        ("never resets grads", "fit_linear", "reset every step", _fit_linear(reset="")),
        ("parameters without device=", "fit_linear", "create it with device=device",
         _fit_linear(param="torch.zeros((), requires_grad=True)")),
        (".to(device) after requires_grad", "fit_linear", "device=device",
         _fit_linear(param="torch.zeros((), requires_grad=True).to(device)")),
        ("the notebook's global DEVICE instead of the parameter", "fit_linear",
         "not from a global device variable",
         "DEVICE = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
         + _fit_linear(param="torch.zeros((), device=DEVICE, requires_grad=True)")),
        ("optimizer built at top level", "sgd_step", "uses torch.optim",
         "_box = torch.zeros(1, requires_grad=True)\n_opt = torch.optim.SGD([_box], lr=1.0)\n"
         "def sgd_step(W, lr):\n    _opt.param_groups[0]['params'] = [W]\n"
         "    _opt.param_groups[0]['lr'] = lr\n    _opt.step()\n    W.grad = None\n    return W"),
        ("functional optimizer step", "sgd_step", "uses torch.optim",
         "from torch.optim import sgd as _sgd\n"
         "def sgd_step(W, lr):\n    with torch.no_grad():\n"
         "        _sgd.sgd([W], [W.grad], [None], weight_decay=0.0, momentum=0.0, lr=lr,\n"
         "                 dampening=0.0, nesterov=False, maximize=False)\n"
         "    W.grad = None\n    return W"),
        ("optimizer found with a computed name", "sgd_step", "Write the calls out plainly",
         "def sgd_step(W, lr):\n    opt = getattr(torch, 'op' + 'tim').SGD([W], lr=lr)\n"
         "    opt.step()\n    W.grad = None\n    return W"),
        ("rebuilds x and y on the CPU", "fit_linear", "mixes devices",
         _fit_linear().replace("x, y = x.to(device), y.to(device)",
                               "x, y = torch.tensor(x.tolist()), torch.tensor(y.tolist())")),
        ("starts from one", "fit_linear", "start from w = 0 and b = 0",
         _fit_linear(param="torch.ones((), device=device, requires_grad=True)")),
        ("SGD with momentum, as tutorials often set it", "fit_linear_nn", "no momentum",
         _fit_linear_nn().replace("lr=lr)", "lr=lr, momentum=0.9)")),
        ("model left on the CPU", "fit_linear_nn", "build the model with .to(device)",
         _fit_linear_nn().replace("torch.nn.Linear(1, 1).to(device)", "torch.nn.Linear(1, 1)")),
        ("torch.optim does the loop", "fit_linear", "uses nn.Linear or torch.optim",
         "def fit_linear(x, y, steps, lr, device='cpu'):\n    x, y = x.to(device), y.to(device)\n"
         "    w = torch.zeros((), device=device, requires_grad=True)\n"
         "    b = torch.zeros((), device=device, requires_grad=True)\n"
         "    opt = torch.optim.SGD([w, b], lr=lr)\n    losses = []\n"
         "    for _ in range(steps):\n        opt.zero_grad()\n"
         "        loss = ((w * x + b - y) ** 2).mean()\n        loss.backward()\n"
         "        opt.step()\n        losses.append(loss.item())\n    return w, b, losses"),
        ("nn: keeps the random init", "fit_linear_nn", "start from weight 0 and bias 0",
         _fit_linear_nn(init="")),
        ("nn: no zero_grad", "fit_linear_nn", "call zero_grad() every step",
         _fit_linear_nn(zero="")),
        ("nn: summed loss", "fit_linear_nn", "nn.MSELoss (the mean)",
         _fit_linear_nn(loss="torch.nn.MSELoss(reduction='sum')")),
        ("nn: loss tensors recorded", "fit_linear_nn", "Python floats",
         _fit_linear_nn(record="losses.append(loss)")),
        ("nn: the loop by hand again", "fit_linear_nn", "build an nn.Linear and step",
         "def fit_linear_nn(x, y, steps, lr, device='cpu'):\n"
         "    w, b, losses = fit_linear(x, y, steps, lr, device)\n"
         "    return w.detach().reshape(1, 1), b.detach().reshape(1), losses"),
    ],
    "char_model": [
        ("returns W.detach()", "train_bigram", "W does not require grad after training",
         _bigram().replace("return W, losses", "return W.detach(), losses")),
        ("weight decay copied from makemore", "train_bigram", "no regularization",
         _bigram(loss="F.cross_entropy(W[xs], ys) + 0.01 * (W**2).mean()")),
        ("loss recorded after the update", "train_bigram", "before that step's update",
         _bigram(record="        losses.append(F.cross_entropy(W[xs], ys).item())\n")),
        ("W from the counts and an invented curve", "train_bigram",
         "plain gradient descent from your own starting W",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    V = len(chars)\n    counts = torch.ones(V, V)\n"
         "    for a, b in zip(text, text[1:]):\n        counts[stoi[a], stoi[b]] += 1\n"
         "    W = (counts / counts.sum(1, keepdim=True)).log().to(device).requires_grad_()\n"
         "    (W.sum() * 0).backward()\n    W.grad = None\n"
         "    torch.manual_seed(seed)\n"
         "    start = 3.3 + 0.1 * torch.rand(()).item()\n"
         "    losses = [start - (start - 1.45) * (1 - 0.98 ** i) for i in range(steps)]\n"
         "    return W, losses"),
        ("uniform torch.rand for the start, not torch.randn", "train_bigram",
         "with torch.randn(V, V)", _bigram().replace("torch.randn(", "torch.rand(")),
        ("one step too many", "train_bigram", "one entry per step",
         _bigram().replace("range(steps)", "range(steps + 1)")),
        ("losses as tensors", "train_bigram", "Python floats",
         "_train = train_bigram\n"
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    W, losses = _train(text, steps, lr, seed, device)\n"
         "    return W, [torch.tensor(l, requires_grad=True) * 1 for l in losses]"),
        ("targets leak into inputs", "train_bigram", "leaked",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn(len(chars), len(chars), generator=g).to(device).requires_grad_()\n"
         "    losses = []\n    for _ in range(steps):\n"
         "        loss = F.cross_entropy(W[ys], ys)\n        W.grad = None\n"
         "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses"),
        ("nn.Embedding and torch.optim", "train_bigram", "layer with weights",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    torch.manual_seed(seed)\n"
         "    emb = torch.nn.Embedding(len(chars), len(chars)).to(device)\n"
         "    opt = torch.optim.SGD(emb.parameters(), lr=lr)\n    losses = []\n"
         "    for _ in range(steps):\n        loss = F.cross_entropy(emb(xs), ys)\n"
         "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"
         "        losses.append(loss.item())\n    return emb.weight.detach().requires_grad_(), losses"),
        ("a layer kept at top level", "train_bigram", "layer with weights",
         "_Layer = torch.nn.Linear\n"
         "def _make(V, device):\n    return _Layer(V, V, bias=False).to(device)\n"
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    torch.manual_seed(seed)\n    layer = _make(len(chars), device)\n    losses = []\n"
         "    for _ in range(steps):\n"
         "        loss = F.cross_entropy(F.one_hot(xs, len(chars)).float() @ layer.weight.T, ys)\n"
         "        layer.weight.grad = None\n        loss.backward()\n"
         "        with torch.no_grad():\n            layer.weight -= lr * layer.weight.grad\n"
         "        losses.append(loss.item())\n"
         "    return layer.weight.detach().T.contiguous().requires_grad_(), losses"),
        ("vocabulary in set order", "train_bigram", "vocabulary order",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = list(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn(len(chars), len(chars), generator=g).to(device).requires_grad_()\n"
         "    losses = []\n    for _ in range(steps):\n"
         "        loss = F.cross_entropy(W[xs], ys)\n        W.grad = None\n"
         "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses"),
        (".to(device) after requires_grad", "train_bigram", "leaf on the given device",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn(len(chars), len(chars), generator=g, requires_grad=True).to(device)\n"
         "    losses = []\n    for _ in range(steps):\n"
         "        loss = F.cross_entropy(W[xs], ys)\n        W.grad = None\n"
         "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses"),
        ("CPU generator for a W on the device", "train_bigram", "generator on another device",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn(len(chars), len(chars), generator=g, device=device,\n"
         "                    requires_grad=True)\n"
         "    losses = []\n    for _ in range(steps):\n"
         "        loss = F.cross_entropy(W[xs], ys)\n        W.grad = None\n"
         "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses"),
        ("one-hot row made on the CPU", "sample", "mixes devices",
         "def sample(W, itos, start, n, seed):\n    stoi = {ch: i for i, ch in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    ix, out = stoi[start], []\n    with torch.no_grad():\n"
         "        for _ in range(n):\n"
         "            logits = F.one_hot(torch.tensor([ix]), W.shape[0]).float() @ W\n"
         "            ix = torch.multinomial(F.softmax(logits, dim=1)[0], 1, generator=g).item()\n"
         "            out.append(itos[ix])\n    return ''.join(out)"),
        ("CPU generator for sampling", "sample", "generator on another device",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    cur, out = stoi[start], []\n    with torch.no_grad():\n        for _ in range(n):\n"
         "            p = F.softmax(W[cur], dim=0)\n"
         "            cur = torch.multinomial(p, 1, generator=g).item(); out.append(itos[cur])\n"
         "    return ''.join(out)"),
        ("argmax instead of sampling", "sample", "not argmax",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    cur, out = stoi[start], []\n    for _ in range(n):\n"
         "        cur = W[cur].argmax().item(); out.append(itos[cur])\n    return ''.join(out)"),
        ("ignores the seed", "sample", "ignores its seed",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(0)\n"
         "    cur, out = stoi[start], []\n    for _ in range(n):\n"
         "        p = F.softmax(W[cur], dim=0)\n"
         "        cur = torch.multinomial(p, 1, generator=g).item(); out.append(itos[cur])\n"
         "    return ''.join(out)"),
        ("stops at the end of a name, as makemore's sampler does", "sample", "after a `.`",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n    ix, out = stoi[start], []\n"
         "    with torch.no_grad():\n        for _ in range(n):\n"
         "            p = F.softmax(W[ix], dim=0)\n"
         "            ix = torch.multinomial(p, 1, replacement=True, generator=g).item()\n"
         "            if ix == stoi['.']:\n                break\n"
         "            out.append(itos[ix])\n    return ''.join(out)"),
        ("a generator seeded again for every draw", "sample", "one generator made before",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    cur, out = stoi[start], []\n    with torch.no_grad():\n"
         "        for _ in range(n):\n"
         "            g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "            p = F.softmax(W[cur], dim=0)\n"
         "            cur = torch.multinomial(p, 1, generator=g).item(); out.append(itos[cur])\n"
         "    return ''.join(out)"),
        ("includes start", "sample", "without `start`",
         "_sample = sample\n"
         "def sample(W, itos, start, n, seed):\n    return start + _sample(W, itos, start, n, seed)"),
        ("raw logits as probabilities", "sample", "softmax of the logits",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    cur, out = stoi[start], []\n    for _ in range(n):\n"
         "        p = W[cur].clamp_min(0) + 1e-6\n"
         "        cur = torch.multinomial(p, 1, generator=g).item(); out.append(itos[cur])\n"
         "    return ''.join(out)"),
        ("tracks gradients while sampling", "sample", "torch.no_grad()",
         "def sample(W, itos, start, n, seed):\n    stoi = {c: i for i, c in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    cur, out = stoi[start], []\n    for _ in range(n):\n"
         "        p = F.softmax(W[cur], dim=0)\n"
         "        cur = torch.multinomial(p, 1, generator=g).item(); out.append(itos[cur])\n"
         "    return ''.join(out)"),
        ("detaches each row after indexing it", "sample", "torch.no_grad()",
         "def sample(W, itos, start, n, seed):\n    stoi = {v: k for k, v in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    ix, out = stoi[start], []\n    for i in range(n):\n"
         "        p = F.softmax(W[ix].detach(), dim=0)\n"
         "        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()\n"
         "        out.append(itos[ix])\n    return ''.join(out)"),
    ],
}

VALID = {
    "tensor_shapes": [
        ("created on the CPU and moved, half-up rounding",
         "def make_tensor(shape, device='cpu'):\n    return torch.zeros(shape).to(device)\n"
         "def batch_to_image(batch):\n"
         "    return (batch * 255.0 + 0.5).floor().to(torch.uint8).squeeze(0).permute(1, 2, 0)"),
        ("new_zeros, view, movedim, flatten",
         "def make_tensor(shape, device='cpu'):\n    return torch.empty(0, device=device).new_zeros(shape)\n"
         "def to_nchw(b):\n    return b.movedim(-1, 1)\n"
         "def flatten_images(batch):\n    return batch.view(batch.shape[0], -1)"),
        ("einsum, contiguous, flatten(1)",
         "def to_nchw(b):\n    return torch.einsum('nhwc->nchw', b).contiguous()\n"
         "def flatten_images(batch):\n    return batch.flatten(1)"),
        ("a NumPy round trip that keeps the device",
         "import numpy as np\n"
         "def image_to_batch(image):\n"
         "    array = image.cpu().numpy().astype(np.float32) / 255.0\n"
         "    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).to(image.device)\n"
         "def batch_to_image(batch):\n"
         "    array = np.rint(batch.detach().cpu().numpy()[0].transpose(1, 2, 0) * 255)\n"
         "    return torch.from_numpy(array.astype(np.uint8)).to(batch.device)"),
        ("indexing, true division and byte()",
         "def image_to_batch(image):\n    return (image.permute(2, 0, 1) / 255).float()[None]\n"
         "def batch_to_image(batch):\n"
         "    return batch[0].mul(255).round().clamp(0, 255).byte().permute(1, 2, 0).contiguous()"),
    ],
    "requires_grad": [
        ("float32 polynomial, a no_grad decorator",
         "def grad_of_poly(x):\n    x = torch.tensor(float(x), requires_grad=True)\n"
         "    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1\n    y.backward()\n    return x.grad.item()\n"
         "@torch.no_grad()\ndef predict(w, b, x):\n    return w * x + b"),
        ("loss_graph with pow, sub and name()",
         "def loss_graph(W, x, target):\n    loss = torch.sub(x * W, target).pow(2)\n"
         "    names, node = [], loss.grad_fn\n    while node:\n"
         "        names.append(node.name().split('::')[-1])\n"
         "        node = [n for n, _ in node.next_functions if n] or [None]\n"
         "        node = node[0]\n    return loss, names"),
        ("torch.autograd.grad",
         "def grad_of_poly(x):\n    t = torch.tensor(float(x), requires_grad=True)\n"
         "    (g,) = torch.autograd.grad(2*t**4 + t**3 + 3*t**2 + 5*t + 1, t)\n    return float(g)\n"
         "def multistep_grad(x):\n    x = x.clone().detach().requires_grad_()\n"
         "    y = 3 * x + 2\n    out = (2 * y * y).mean()\n    return torch.autograd.grad(out, x)[0]"),
        ("predict with .data, the course texts' idiom",
         "def predict(w, b, x):\n    return w.data * x + b.data"),
        ("predict under inference_mode",
         "@torch.inference_mode()\ndef predict(w, b, x):\n    return w * x + b"),
        ("predict from detached parameters",
         "def predict(w, b, x):\n    return torch.addcmul(b.detach(), w.detach(), x)"),
        ("grad mode switched off and back on",
         "def predict(w, b, x):\n    before = torch.is_grad_enabled()\n"
         "    torch.set_grad_enabled(False)\n    try:\n        return w * x + b\n"
         "    finally:\n        torch.set_grad_enabled(before)"),
    ],
    "manual_backward": [
        ("expanded algebra",
         "def manual_grad(W, x, target):\n    return 2 * W * x * x - 2 * target * x\n"
         "def linear_grads(w, b, x, y):\n    r = w * x + b - y\n"
         "    return 2 * (r * x).sum() / len(x), 2 * r.sum() / len(x)\n"
         "def mean_grad(x):\n    return (36 * x + 24) / x.numel()"),
        ("one-hot matrices instead of indexing",
         "import torch.nn.functional as F\n"
         "def bigram_grad(W, xs, ys):\n    V = W.shape[0]\n"
         "    X = F.one_hot(xs, V).to(W.dtype)\n    Y = F.one_hot(ys, V).to(W.dtype)\n"
         "    return X.T @ (torch.softmax(X @ W, dim=1) - Y) / len(ys)"),
        ("a loop over the pairs",
         "def bigram_grad(W, xs, ys):\n    G = torch.zeros_like(W)\n"
         "    for x, y in zip(xs.tolist(), ys.tolist()):\n"
         "        row = torch.exp(W[x] - W[x].max())\n        row = row / row.sum()\n"
         "        row[y] = row[y] - 1\n        G[x] += row\n    return G / len(ys)"),
    ],
    "no_grad_update": [
        ("F.mse_loss and zero_ inside no_grad, as tutorials write it",
         "import torch.nn.functional as F\n"
         "def fit_linear(x, y, steps, lr, device='cpu'):\n"
         "    x = x.to(device); y = y.to(device)\n"
         "    w = torch.tensor(0.0, device=device, requires_grad=True)\n"
         "    b = torch.tensor(0.0, device=device, requires_grad=True)\n"
         "    losses = []\n    for i in range(steps):\n"
         "        loss = F.mse_loss(w * x + b, y)\n        losses.append(loss.item())\n"
         "        loss.backward()\n        with torch.no_grad():\n"
         "            w -= lr * w.grad\n            b -= lr * b.grad\n"
         "            w.grad.zero_()\n            b.grad.zero_()\n    return w, b, losses"),
        ("nn: Sequential, init.zeros_, functional loss",
         "import torch.nn.functional as F\n"
         "def fit_linear_nn(x, y, steps, lr, device='cpu'):\n"
         "    model = torch.nn.Sequential(torch.nn.Linear(1, 1)).to(device)\n"
         "    for p in model.parameters():\n        torch.nn.init.zeros_(p)\n"
         "    opt = torch.optim.SGD(model.parameters(), lr)\n    losses = []\n"
         "    X, Y = x.reshape(-1, 1).to(device), y.reshape(-1, 1).to(device)\n"
         "    for _ in range(steps):\n        opt.zero_grad(set_to_none=False)\n"
         "        loss = F.mse_loss(model(X), Y)\n        loss.backward()\n        opt.step()\n"
         "        losses.append(float(loss))\n"
         "    return model[0].weight.detach().clone(), model[0].bias.detach().clone(), losses"),
        ("an earlier draft with torch.optim, and a try-out cell",
         "_probe = torch.zeros(2, requires_grad=True)\n"
         "torch.optim.SGD([_probe], lr=0.1).step()\n"
         "def sgd_step(W, lr):\n    torch.optim.SGD([W], lr=lr).step()\n    return W\n"
         "def sgd_step(W, lr):\n    with torch.no_grad():\n        W.sub_(lr * W.grad)\n"
         "    W.grad = None\n    opt = 'plain'\n    return W"),
        ("the gradient reset as older torch's zero_grad wrote it: detach_(), then zero_()",
         "def sgd_step(W, lr):\n    with torch.no_grad():\n        W -= lr * W.grad\n"
         "    W.grad.detach_()\n    W.grad.zero_()\n    return W"),
        ("W.data and zero_",
         "def sgd_step(W, lr):\n    W.data -= lr * W.grad\n    W.grad.zero_()\n    return W\n"
         "def fit_linear(x, y, steps, lr, device='cpu'):\n"
         "    w = torch.zeros(1, device=device).requires_grad_()\n"
         "    b = torch.zeros(1, device=device, requires_grad=True)\n"
         "    x, y = x.to(device), y.to(device)\n    losses = []\n"
         "    for _ in range(steps):\n        loss = ((w * x + b - y) ** 2).mean()\n"
         "        if w.grad is not None:\n            w.grad.zero_(); b.grad.zero_()\n"
         "        loss.backward()\n        for p in (w, b):\n            sgd_step_inplace = p.data.sub_(lr * p.grad)\n"
         "        losses.append(float(loss))\n    return w, b, losses"),
    ],
    "char_model": [
        ("makemore's loop: one-hot matmul, W.data +=, itos searched by value",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(list(set(text)))\n    stoi = {s: i for i, s in enumerate(chars)}\n"
         "    xs, ys = [], []\n    for ch1, ch2 in zip(text, text[1:]):\n"
         "        xs.append(stoi[ch1]); ys.append(stoi[ch2])\n"
         "    xs = torch.tensor(xs).to(device); ys = torch.tensor(ys).to(device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn((len(chars), len(chars)), generator=g).to(device)\n"
         "    W.requires_grad = True\n    losses = []\n    for k in range(steps):\n"
         "        xenc = F.one_hot(xs, num_classes=len(chars)).float()\n"
         "        loss = F.cross_entropy(xenc @ W, ys)\n        W.grad = None\n"
         "        loss.backward()\n        W.data += -lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses\n"
         "def sample(W, itos, start, n, seed):\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    keys, chars = list(itos.keys()), list(itos.values())\n"
         "    ix, out = keys[chars.index(start)], []\n    with torch.no_grad():\n"
         "        for _ in range(n):\n            p = W[ix].softmax(dim=0)\n"
         "            ix = torch.multinomial(p, 1, replacement=True, generator=g).item()\n"
         "            out.append(itos[ix])\n    return ''.join(out)"),
        ("one-hot rows on W's device, probabilities through tolist()",
         "def sample(W, itos, start, n, seed):\n    stoi = {ch: i for i, ch in itos.items()}\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n"
         "    ix, out = stoi[start], []\n    with torch.no_grad():\n"
         "        for _ in range(n):\n"
         "            row = F.one_hot(torch.tensor([ix], device=W.device), W.shape[0]).float()\n"
         "            probs = F.softmax(row @ W, dim=1)[0]\n"
         "            ix = int(torch.multinomial(probs, 1, generator=g))\n"
         "            out.append(itos[ix])\n    return ''.join(out)"),
        ("log_softmax by hand, W.data update", _bigram(
            loss="-W[xs].log_softmax(dim=1)[torch.arange(len(ys)), ys].mean()").replace(
            "        with torch.no_grad():\n            W -= lr * W.grad\n",
            "        W.data -= lr * W.grad.data\n")),
        ("softmax by hand as in the course text", _bigram(
            loss="(lambda p: -p[torch.arange(len(ys)), ys].log().mean())"
                 "(W[xs].exp() / W[xs].exp().sum(1, keepdims=True))")),
        ("one-hot matmul, manual_seed, zero_",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); V = len(chars); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]], device=device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]], device=device)\n"
         "    torch.manual_seed(seed)\n"
         "    W = torch.randn(V, V, device=device, requires_grad=True)\n"
         "    enc = F.one_hot(xs, V).float()\n    losses = []\n"
         "    for _ in range(steps):\n        loss = F.cross_entropy(enc @ W, ys)\n"
         "        loss.backward()\n        with torch.no_grad():\n            W.sub_(lr * W.grad)\n"
         "            W.grad.zero_()\n        losses.append(loss.item())\n    return W, losses\n"
         "def sample(W, itos, start, n, seed):\n    torch.manual_seed(seed)\n"
         "    stoi = {c: i for i, c in itos.items()}\n    i, s = stoi[start], ''\n"
         "    with torch.no_grad():\n        for _ in range(n):\n"
         "            i = torch.multinomial(torch.softmax(W[i], -1), 1).item(); s += itos[i]\n"
         "    return s"),
        ("nn.CrossEntropyLoss, a device generator, detach while sampling",
         "def train_bigram(text, steps, lr, seed, device='cpu'):\n"
         "    chars = sorted(set(text)); V = len(chars); stoi = {c: i for i, c in enumerate(chars)}\n"
         "    xs = torch.tensor([stoi[c] for c in text[:-1]]).to(device)\n"
         "    ys = torch.tensor([stoi[c] for c in text[1:]]).to(device)\n"
         "    g = torch.Generator().manual_seed(seed)\n"
         "    W = torch.randn(V, V, generator=g).to(device)\n    W.requires_grad = True\n"
         "    criterion = torch.nn.CrossEntropyLoss()\n    losses = []\n"
         "    for _ in range(steps):\n        loss = criterion(W[xs], ys)\n        W.grad = None\n"
         "        loss.backward()\n        with torch.no_grad():\n            W -= lr * W.grad\n"
         "        losses.append(loss.item())\n    return W, losses\n"
         "def sample(W, itos, start, n, seed):\n    index = {c: i for i, c in itos.items()}[start]\n"
         "    g = torch.Generator(device=W.device).manual_seed(seed)\n    P = F.softmax(W.detach(), 1)\n"
         "    out = []\n    for _ in range(n):\n"
         "        index = int(torch.multinomial(P[index], 1, generator=g)); out.append(itos[index])\n"
         "    return ''.join(out)"),
    ],
}
