"""What every process of a run does once before it forks: torch's lazy first uses.

The zygote warms up for the sandboxes it forks and the main process for the graders, so
neither pays for imports and first calls again in each submission.
"""
import functools
import gc
import importlib
import os

import torch


@functools.cache
def has_gpu():
    """Whether a CUDA GPU is present, asked through NVML: CUDA itself is not initialized,
    so sandboxes forked afterwards can still use the GPU."""
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    return torch.cuda.is_available()


@functools.cache
def warm_up(meta=True):
    """Run a little of everything once (later calls do nothing), before any sandbox is forked.

    torch imports much on first use (the meta device alone pulls in about 800 modules
    and takes half a second); done here, every sandbox inherits it for free. Graders
    build and compare tensors on the CPU only, so their parent leaves out ``meta``.
    Never touches CUDA: a process that initialized it cannot fork safely. On a GPU
    machine that includes autograd's first backward pass, which counts the GPUs
    (initializing CUDA) and starts a thread per device, so it is left to the sandbox. The
    collector waits meanwhile: those modules make many objects and none is garbage.
    """
    gc.disable()
    try:
        _run_a_little_of_everything(("cpu", "meta") if meta else ("cpu",))
    finally:
        gc.enable()
    if meta:  # the zygote
        # torch.compile in a sandbox runs the function as written: its compilers are
        # processes of their own, which no sandbox may start (eager code computes the same).
        import torch._dynamo
        torch._dynamo.config.disable = True


def _run_a_little_of_everything(devices):
    for device in devices:
        W = torch.ones(3, 4, device=device, dtype=torch.float64, requires_grad=True)
        x = torch.ones(4, device=device, dtype=torch.float64)
        loss = ((W @ x - 1) ** 2).mean() + W.permute(1, 0).reshape(-1).sum()
        torch.outer(W @ x, x).t().contiguous().view(-1)
        labels = torch.zeros(2, dtype=torch.long, device=device)
        torch.nn.functional.cross_entropy(torch.ones(2, 3, device=device), labels)
        torch.softmax(W.detach(), dim=1).log().exp()
    loss.detach()
    if not has_gpu():
        W = torch.ones(3, 4, requires_grad=True)
        torch.autograd.grad(((W @ torch.ones(4)) ** 2).mean(), W)
    torch.multinomial(torch.ones(3), 2, generator=torch.Generator().manual_seed(0))
    # Printing a tensor runs a dozen operations on it the first time: notebooks print a lot.
    for value in (torch.tensor(-36.0), torch.arange(6).reshape(2, 3), torch.ones(2) > 0,
                  torch.tensor([0.5, 1e-4], dtype=torch.float64, requires_grad=True) * 2,
                  torch.ones(2, 3, 4)):
        str(value), repr(value.grad_fn), value.tolist(), value.shape, value.dtype


# The libraries notebooks import beside torch (config.PROVIDED), as the modules a notebook
# usually imports from them: imported in the zygote once a notebook of the run asks for one,
# so that every later sandbox has them for free (matplotlib alone takes half a second).
PRELOADS = {"matplotlib": ("matplotlib.pyplot",), "pandas": ("pandas",),
            "seaborn": ("seaborn",), "scipy": ("scipy",), "sklearn": ("sklearn",),
            "tqdm": ("tqdm.auto",), "IPython": ("IPython.display",)}
_preloaded = set()


def preload(names):
    """Import the PRELOADS of ``names`` not imported yet; whether anything was. Plots go to
    matplotlib's Agg backend (MPLBACKEND, set by the zygote): drawn nowhere, shown nowhere."""
    new = [name for name in names if name in PRELOADS and name not in _preloaded]
    for name in new:
        _preloaded.add(name)
        for module in PRELOADS[name]:
            try:
                importlib.import_module(module)
            except Exception:  # a sandbox that imports it meets the error itself
                pass
    return bool(new)
