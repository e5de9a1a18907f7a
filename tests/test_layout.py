"""The package's shape: layers import only downwards, no cycles, small modules, and
importing anything changes nothing (no environment, no CUDA, no random draws)."""
import ast
import subprocess
import sys

import pytest

from autograder.config import PACKAGE, ROOT

# Lowest first. A module may import from its own component or from a lower layer.
LAYERS = [
    ("yamlfile",),
    ("config", "records"),
    ("formats",),
    ("assignments", "notebook", "jupyter", "discovery", "scoring", "store", "i18n"),
    ("sandbox",),
    ("checking",),
    ("checks", "reports"),
    ("backends", "lms"),
    ("pipeline", "release"),
    ("integrations", "lti"),
    ("commands",),
    ("__main__",),
]
LAYER = {component: index for index, names in enumerate(LAYERS) for component in names}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _component(module):
    return module.split(".")[1] if "." in module else "__init__"


def _imports(path):
    """The autograder modules ``path`` imports (relative imports resolved)."""
    package = _name(path) if path.name == "__init__.py" else _name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        known = {_name(m) for m in MODULES}
        found |= {target for target in targets if target in known}
    return found


GRAPH = {_name(path): _imports(path) - {_name(path)} for path in MODULES}


def test_every_component_has_a_layer():
    assert {_component(module) for module in GRAPH} - {"__init__"} <= set(LAYER)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_only_downwards(module):
    if module == "autograder":
        return
    mine = _component(module)
    upward = [target for target in GRAPH[module] if target != "autograder"
              and _component(target) != mine and LAYER[_component(target)] >= LAYER[mine]]
    assert not upward, f"{module} imports from its own layer or above: {upward}"


def test_no_import_cycles():
    state = {}

    def visit(module, path):
        if state.get(module) == "done":
            return
        assert state.get(module) != "active", " -> ".join(path + [module])
        state[module] = "active"
        for target in GRAPH[module]:
            if target in GRAPH and not module.startswith(target + "."):  # a package's own parent
                visit(target, path + [module])
        state[module] = "done"

    for module in GRAPH:
        visit(module, [])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= 260


def test_importing_everything_has_no_side_effects():
    """Every module, hidden checks included: the environment, CUDA and torch's random state
    are as they were."""
    modules = [name for name in GRAPH if name != "autograder.__main__"]
    code = (
        "import os, sys, torch\n"
        "env = dict(os.environ); state = torch.random.get_rng_state()\n"
        f"sys.path.insert(0, {str(PACKAGE / 'checks')!r})\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
        "assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())\n"
        "assert torch.equal(torch.random.get_rng_state(), state), 'random draws at import'\n"
        "assert not torch.cuda.is_initialized()\n"
        "print('clean')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "clean", done.stderr[-2000:]


def test_no_build_artefacts_are_tracked():
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout
    assert not [line for line in tracked.splitlines()
                if ".egg-info/" in line or "__pycache__" in line or line.startswith(("out/", "dist/"))]
