"""What is flagged for an instructor's review: code that reaches for the machinery the
verdicts about *how* a student computed are observed with, read from the submitted text in
the grader (which the notebook cannot patch).

A flag is a signal, never a verdict: the score is computed as usual, and course.yaml's
``flagged`` decides whether flagged work is held at 0 until reviewed. Every mention counts,
whatever binds it (an import, an alias, a walrus, a ``for`` or ``with`` target, a default
argument, a dict of functions...): the names are found anywhere in a cell, not only where
they are called, so no way of binding them hides them.
"""
import ast

from ..i18n import N_
from ..jupyter import readable_code
from ..records import msg
from . import places

RAW_MEMORY = N_("the process's raw memory")
FRAMES = N_("the interpreter's frames or objects")
PRIVATE = N_("torch's private internals")
DYNAMIC = N_("code chosen only while running")
ELSEWHERE = N_("work on another thread or process")

MODULES = {"ctypes": RAW_MEMORY, "cffi": RAW_MEMORY, "mmap": RAW_MEMORY, "_imp": RAW_MEMORY,
           "numpy.ctypeslib": RAW_MEMORY, "inspect": FRAMES, "importlib": DYNAMIC,
           "builtins": DYNAMIC, "runpy": DYNAMIC, "code": DYNAMIC, "codeop": DYNAMIC,
           "marshal": DYNAMIC, "threading": ELSEWHERE, "_thread": ELSEWHERE,
           "multiprocessing": ELSEWHERE, "concurrent": ELSEWHERE, "subprocess": ELSEWHERE,
           "_posixsubprocess": ELSEWHERE, "torch.multiprocessing": ELSEWHERE,
           "torch._C": PRIVATE, "torch._dynamo": PRIVATE, "torch._functorch": PRIVATE}
NAMES = {"sys._getframe": FRAMES, "sys._current_frames": FRAMES, "sys.settrace": FRAMES,
         "sys.setprofile": FRAMES, "gc.get_objects": FRAMES, "gc.get_referrers": FRAMES,
         "gc.get_referents": FRAMES, "os.memfd_create": RAW_MEMORY, "os.fork": ELSEWHERE,
         "os.forkpty": ELSEWHERE, "os.posix_spawn": ELSEWHERE, "os.system": ELSEWHERE,
         "os.popen": ELSEWHERE, "torch.jit.fork": ELSEWHERE, "sys.modules.get": DYNAMIC,
         "sys.modules.pop": DYNAMIC, "sys.modules.setdefault": DYNAMIC,
         "sys.modules.values": DYNAMIC, "sys.modules.items": DYNAMIC, "sys.meta_path": DYNAMIC,
         "sys.path_hooks": DYNAMIC}
BUILTINS = {"exec": DYNAMIC, "eval": DYNAMIC, "compile": DYNAMIC, "__import__": DYNAMIC,
            "globals": DYNAMIC, "vars": DYNAMIC, "locals": DYNAMIC, "setattr": DYNAMIC,
            "delattr": DYNAMIC, "__builtins__": DYNAMIC}
ATTRIBUTES = {"__array_interface__": RAW_MEMORY, "__array_struct__": RAW_MEMORY,
              "f_back": FRAMES, "f_globals": FRAMES, "f_locals": FRAMES, "tb_frame": FRAMES,
              "gi_frame": FRAMES, "__globals__": FRAMES, "__code__": FRAMES,
              "__subclasses__": FRAMES, "_execution_engine": PRIVATE, "__dict__": DYNAMIC,
              "_C": PRIVATE, "_dynamo": PRIVATE, "_functorch": PRIVATE,
              "__getattribute__": DYNAMIC}
# inspect's helpers that read a function's text or signature and reach no frame: named
# directly on the module (``inspect.signature(f)``), they are not flagged; the module itself,
# or any other of its names, is.
READ_ONLY = {"inspect": {"signature", "Signature", "Parameter", "getsource", "getsourcelines",
                         "getdoc", "cleandoc", "getfullargspec", "isfunction", "ismethod",
                         "isclass", "ismodule", "isbuiltin", "isroutine",
                         "isgeneratorfunction", "iscoroutinefunction"},
             "importlib": {"reload", "metadata"},  # a module run again; package versions
             "multiprocessing": {"cpu_count"}}  # how many cores, as os.cpu_count()
NAMESPACES = ("globals", "locals", "vars", "dir")  # ``'x' in globals()`` only tests a name
GETTERS = {"getattr": 1, "operator.attrgetter": 0, "operator.methodcaller": 0}  # name's place
PATHS = ("/proc/self", "/proc/thread-self", "/dev/mem")


def scan(cells):
    """One Message per line of the notebook's code cells ``[(index, source)]`` that reaches
    for the machinery (cell numbered from 1, as the feedback counts them); a module a
    ``%%writefile`` cell writes counts as code. The cells share one namespace, so an import
    in one counts in all."""
    trees = {}
    for index, source in cells:
        try:
            trees[index] = ast.parse(readable_code(source))
        except (SyntaxError, ValueError):
            continue  # a cell that does not parse never ran
    reader, flags = _Reader(trees.values()), []
    for index, source in cells:
        lines, seen = source.splitlines(), set()
        found = reader.reached(trees[index]) if index in trees else []
        for node, what in sorted(found, key=lambda hit: getattr(hit[0], "lineno", 0)):
            line = getattr(node, "lineno", 0)
            if line in seen or not 0 < line <= len(lines):
                continue
            seen.add(line)
            flags.append(msg("{where}: {code} (reaches {what})",
                             where=places.at(cells, index + 1, line),
                             code=lines[line - 1].strip()[:120], what=msg(what)))
    return flags


def observed(noted, cells, flagged=()):
    """One Message per line the sandbox's audit hook saw cause an event it refuses or notes
    (sandbox/inside/audit.py: ``noted`` holds (event, cell, line)), unless ``flagged`` has it."""
    sources, seen, found = dict(cells), {_where(flag) for flag in flagged}, []
    for event, cell, line in sorted(noted, key=lambda note: note[1:]):
        lines = sources.get(cell - 1, "").splitlines()
        if (cell, line) not in seen and 0 < line <= len(lines):
            seen.add((cell, line))
            found.append(msg("{where}: {code} (ran {event} while running)",
                             where=places.at(cells, cell, line),
                             code=lines[line - 1].strip()[:120], event=event))
    return found


def _where(flag):
    where = flag.params.get("where")
    return (where.params.get("cell"), where.params.get("line")) if where else (None, None)


class _Reader(ast.NodeVisitor):
    """(node, what) for every mention of the machinery; imports followed through aliases,
    those of every cell first (a use may come before its import in the walk)."""

    def __init__(self, trees):
        self.aliases, self.found, self.called = {}, [], set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    self._alias(node, record=False)

    def reached(self, tree):
        self.found = []
        self.visit(tree)
        return self.found

    def visit_Import(self, node):
        self._alias(node)

    visit_ImportFrom = visit_Import

    def _alias(self, node, record=True):
        base = node.module if isinstance(node, ast.ImportFrom) else None
        for alias in node.names:
            full = f"{base}.{alias.name}" if base else alias.name
            local = alias.asname or (alias.name if base else alias.name.split(".")[0])
            self.aliases[local] = full if (base or alias.asname) else alias.name.split(".")[0]
            if record:
                self._qualified(node, full)

    def visit_Name(self, node):
        if node.id in BUILTINS and node.id not in self.aliases:
            self.found.append((node, BUILTINS[node.id]))
        elif node.id == "getattr" and node not in self.called:  # passed on, called elsewhere
            self.found.append((node, DYNAMIC))
        elif node.id in self.aliases:
            self._qualified(node, self.aliases[node.id])

    def visit_Attribute(self, node):
        if node.attr in ATTRIBUTES:
            self.found.append((node, ATTRIBUTES[node.attr]))
        dotted = _dotted(node)
        if dotted and dotted.split(".")[0] in self.aliases:
            self._qualified(node, ".".join([self.aliases[dotted.split(".")[0]],
                                            *dotted.split(".")[1:]]))
        else:
            self.generic_visit(node)

    def visit_Call(self, node):
        """A getter given a name it computes; a constant name counts as the attribute it
        reads (``getattr(t, '_C')`` as ``t._C``), and ``attrgetter('_C')`` hides what it
        will be applied to. ``globals().get('x')`` reads the name x."""
        if (name := read_by_name(node)) is not None:
            for part in [ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node),
                         *node.args[1:]]:  # the name read, and the default given
                self.visit(part)
            return
        self.called.add(node.func)
        place = GETTERS.get(self._resolved(node.func))
        if place is not None and len(node.args) > place:
            given = node.args[place]
            name = given.value if isinstance(given, ast.Constant) else None
            if not isinstance(name, str):
                self.found.append((node, DYNAMIC))
            elif name in ATTRIBUTES:
                self.found.append((node, ATTRIBUTES[name]))
            elif name.startswith("_") and not place:
                self.found.append((node, DYNAMIC))
            elif name.startswith("_") and self._resolved(node.args[0]).split(".")[0] == "torch":
                self.found.append((node, PRIVATE))
        self.generic_visit(node)

    def visit_Compare(self, node):
        """``name in globals()`` answers yes or no: the namespace call is not a flag there."""
        plain = all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        for part in [node.left, *node.comparators]:
            if not (plain and part is not node.left and isinstance(part, ast.Call)
                    and isinstance(part.func, ast.Name) and part.func.id in NAMESPACES
                    and part.func.id not in self.aliases and not part.args
                    and not part.keywords):
                self.visit(part)

    def visit_Subscript(self, node):
        if (name := read_by_name(node)) is not None:  # globals()['x'] reads the name x
            return self.visit(ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node))
        if self._resolved(node.value) == "sys.modules":  # a module chosen by its name
            self.found.append((node, DYNAMIC))
        self.generic_visit(node)

    def _resolved(self, node):
        """The full dotted name ``node`` stands for (``np.ctypeslib`` is
        ``numpy.ctypeslib``), or ''."""
        dotted = _dotted(node) or ""
        first, _, rest = dotted.partition(".")
        if first in self.aliases:
            return ".".join(filter(None, [self.aliases[first], rest]))
        return dotted

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value.startswith(PATHS):
            self.found.append((node, RAW_MEMORY))

    def _qualified(self, node, full):
        module, _, name = full.partition(".")
        if module in READ_ONLY and (name.split(".")[0] in READ_ONLY[module]
                                    or (not name and isinstance(node, ast.Import))):
            return  # its uses decide
        for table in (NAMES, MODULES):
            hit = next((what for prefix, what in table.items()
                        if full == prefix or full.startswith(prefix + ".")), None)
            if hit:
                self.found.append((node, hit))
                return


def read_by_name(node):
    """The name that ``globals()['x']`` or ``globals().get('x'[, default])`` reads (as the
    plain name x would), else None; a computed name or a write is not a plain read."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        namespace, key = node.value, node.slice
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
          and node.func.attr == "get" and 1 <= len(node.args) <= 2 and not node.keywords):
        namespace, key = node.func.value, node.args[0]
    else:
        return None
    plain = (isinstance(namespace, ast.Call) and isinstance(namespace.func, ast.Name)
             and namespace.func.id == "globals" and not namespace.args and not namespace.keywords)
    text = key.value if isinstance(key, ast.Constant) else None
    return text if plain and isinstance(text, str) and text.isidentifier() else None


def _dotted(node):
    """``a.b.c`` for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None
