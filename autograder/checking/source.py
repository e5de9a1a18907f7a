"""What a graded function's code reaches, read from the submitted source in the grader.

Verdicts about *how* a function works (no torch.optim, no autograd...) are decided from the
notebook's text, which its process cannot patch. Names are followed to the module-level
definitions they had when the last cell ran, through imports and aliases, to qualified names
such as ``torch.optim.SGD``. Code that names things only at run time (``exec``, a computed
``getattr``...) cannot be followed; it is listed in ``dynamic``, for checks to refuse.
"""
import ast
import builtins
import importlib
from dataclasses import dataclass

from ..jupyter import module_code, python_source

DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "locals",
                 "setattr", "delattr"}
DYNAMIC_NAMES = {"importlib", "builtins", "__builtins__", "sys.modules", "ctypes", "gc",
                 "inspect", "pickle", "marshal", "dill", "copyreg", "runpy", "code", "codeop",
                 "types.FunctionType", "types.CodeType", "types.LambdaType",
                 "operator.methodcaller", "operator.attrgetter"}
DYNAMIC_ATTRIBUTES = {"__dict__", "__getattribute__", "__globals__", "__builtins__",
                      "__subclasses__", "__code__", "f_globals", "f_back"}

OPTIMIZERS = ("torch.optim",)
LAYERS = ("torch.nn.Parameter", "torch.nn.parameter", "torch.nn.Module", "torch.nn.modules",
          "torch.nn.Linear", "torch.nn.Bilinear", "torch.nn.LazyLinear", "torch.nn.Embedding",
          "torch.nn.EmbeddingBag", "torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU",
          "torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d", "torch.nn.Transformer",
          "torch.nn.MultiheadAttention", "torch.nn.LayerNorm", "torch.nn.BatchNorm1d",
          "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict",
          "torch.nn.ParameterList", "torch.nn.ParameterDict", "torch.nn.utils.parametrize")
AUTOGRAD = ("torch.autograd", "torch.func", "functorch", "torch.Tensor.backward")
# Work done there is out of sight of the counts the grader reads (one thread's operations).
ELSEWHERE = ("threading", "_thread", "concurrent", "multiprocessing", "subprocess", "os.fork",
             "os.posix_spawn", "torch.multiprocessing", "torch.jit.fork", "torch.jit._fork",
             "torch.futures")
AUTOGRAD_METHODS = {"backward", "forward_ad", "make_dual"}
# A prefix's last name read on any object also counts (``anything.optim``, ``x.Embedding``):
# the object may be an alias the reading could not follow. Not these everyday names:
GENERIC = {"func", "parameter", "modules", "utils", "nn", "torch"}


@dataclass(frozen=True)
class Code:
    """Qualified names reached (with every prefix), attribute names read on anything, and
    where the code names things only at run time."""
    names: frozenset
    attributes: frozenset
    dynamic: tuple

    def first(self, prefixes, methods=()):
        """The first reached name under one of ``prefixes``, or ``.name`` for an attribute
        named like a prefix's last part (or in ``methods``) read on anything; or None."""
        for prefix in prefixes:
            found = [name for name in self.names if name == prefix or name.startswith(prefix + ".")]
            if found:
                return max(sorted(found), key=len)
        tails = {prefix.rsplit(".", 1)[-1] for prefix in prefixes} - GENERIC
        return next((f".{name}" for name in sorted(self.attributes & (tails | set(methods)))),
                    None)


def read(cells, function):
    """The Code that ``function`` (a module-level name of the notebook) reaches."""
    return Module(cells).reach(function)


class Module:
    """The notebook's module level: the last binding of each name, and import aliases; and
    the modules its ``%%writefile`` cells write, whose names it follows too."""

    def __init__(self, cells, written=None):
        self.bindings, self.aliases, self.stars = {}, {}, []
        self.written, parts = ({} if written is None else written), {}  # name: Module, cells
        for index, source in cells:
            if (module := written is None and module_code(source)):  # -a adds to the module
                name, code, append = module
                parts[name] = (parts.get(name, []) if append else []) + [(index, code)]
                self.written[name] = Module(parts[name], self.written)
                continue
            try:
                self._bind(ast.parse(python_source(source)[0]).body)
            except (SyntaxError, ValueError):
                continue  # a cell that does not parse never ran either

    def _bind(self, statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bindings[node.name] = node
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._import(node, self.aliases)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and node.value is not None:
                            self.bindings[name.id] = node.value
                            self.aliases.pop(name.id, None)
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    qualified = _chain(node.value, self.aliases.get)  # T = torch.optim
                    if qualified and not isinstance(node, ast.AugAssign):
                        self.aliases[targets[0].id] = qualified
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    self._bind(getattr(node, field, []) or [])

    def _import(self, node, aliases):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                aliases[alias.asname or root] = alias.name if alias.asname else root
            return
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.stars.append(base)
            else:
                aliases[alias.asname or alias.name] = f"{base}.{alias.name}"

    def reach(self, function):
        names, attributes, dynamic = set(), set(), []
        seen, pending = set(), [(self, function)]
        while pending:
            module, name = pending.pop()
            if (id(module), name) in seen:
                continue
            seen.add((id(module), name))
            if name in module.aliases:
                _add(names, module.aliases[name])
            elif name in module.bindings:
                walker = _Walker(module, names, attributes, dynamic)
                walker.visit(module.bindings[name])
                pending.extend((module, free) for free in walker.free)
            elif (star := module._starred(name)) is not None:
                _add(names, star)
            if not pending:  # what written modules hold, of the names reached so far
                pending = [(self.written[first], rest) for first, _, rest in map(
                    lambda found: found.partition("."), names) if first in self.written
                    and rest.isidentifier() and (id(self.written[first]), rest) not in seen]
        return Code(frozenset(names), frozenset(attributes), tuple(dict.fromkeys(dynamic)))

    def _starred(self, name):
        for module in self.stars:
            if name in getattr(self.written.get(module), "bindings", ()):
                return f"{module}.{name}"
        for module in (m for m in self.stars if m.split(".")[0] in ("torch", "functorch")):
            try:
                if hasattr(importlib.import_module(module), name):
                    return f"{module}.{name}"
            except ImportError:
                pass
        return None


class _Walker(ast.NodeVisitor):
    """Collects, from one definition, the names it reaches and the module-level names it
    uses (``free``); names a function binds itself stay local."""

    def __init__(self, module, names, attributes, dynamic):
        self.module, self.names, self.attributes, self.dynamic = module, names, attributes, dynamic
        self.local_aliases, self.bound, self.free = {}, set(), set()

    def visit_FunctionDef(self, node):
        declared = {n for s in ast.walk(node) if isinstance(s, ast.Global) for n in s.names}
        for item in ast.walk(node):
            if isinstance(item, ast.Name) and isinstance(item.ctx, (ast.Store, ast.Del)):
                if item.id not in declared:
                    self.bound.add(item.id)
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.update([item.name] if item is not node else [])
            elif isinstance(item, ast.arg):
                self.bound.add(item.arg)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            qualified = _chain(node.value, self._qualify)
            if qualified:
                self.local_aliases[node.targets[0].id] = qualified
        self.generic_visit(node)

    def visit_Import(self, node):
        self.module._import(node, self.local_aliases)

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            qualified = self._qualify(node.id)
            if qualified:
                _add(self.names, qualified)
                if qualified in DYNAMIC_NAMES or qualified.split(".")[0] in DYNAMIC_NAMES:
                    self.dynamic.append(qualified)
            elif node.id in DYNAMIC_NAMES and node.id not in self.bound:
                self.dynamic.append(node.id)

    def visit_Attribute(self, node):
        self.attributes.add(node.attr)
        if node.attr in DYNAMIC_ATTRIBUTES:
            self.dynamic.append(f".{node.attr}")
        full = _chain(node, self._qualify)
        if full:
            _add(self.names, full)
            if full in DYNAMIC_NAMES or full.startswith(("sys.modules", "torch._C")):
                self.dynamic.append(full)  # torch._C: autograd's engine, hooks and modes
        self.generic_visit(node)

    def visit_Call(self, node):
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function in DYNAMIC_CALLS and function not in self.bound:
            self.dynamic.append(f"{function}()")
        if function in ("getattr", "hasattr") and function not in self.bound and node.args:
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self.visit(ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Load()))
            else:
                self.dynamic.append(f"{function}(..., name)")
        self.generic_visit(node)

    def _qualify(self, name):
        """The qualified name behind a name used here, noting module-level names to reach."""
        if name in self.local_aliases:
            return self.local_aliases[name]
        if name in self.bound:
            return None
        if name in self.module.aliases or name in self.module.bindings:
            self.free.add(name)
            return self.module.aliases.get(name)
        return None if hasattr(builtins, name) else self.module._starred(name)


def _chain(node, qualify):
    """The qualified name a Name or attribute chain stands for (``qualify`` maps its root
    name), or None."""
    parts = []
    node = _constant_getattr(node)
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = _constant_getattr(node.value)
    if not isinstance(node, ast.Name):
        return None
    root = qualify(node.id)
    return ".".join([root, *reversed(parts)]) if root else None


def _constant_getattr(node):
    """``getattr(x, "name")`` read as ``x.name``; any other node as it is."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "getattr" and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
        return ast.Attribute(value=node.args[0], attr=node.args[1].value, ctx=ast.Load())
    return node


def _add(names, qualified):
    parts = qualified.split(".")
    names.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
