"""The sandbox's audit hook, sealed in a fresh process: a compiled extension module loads
from the installed packages' folders only, never from a copy the notebook made."""
import subprocess
import sys

from autograder.config import ROOT

PROBE = r'''
import glob, shutil, sys, sysconfig, types, _imp
from autograder.sandbox.inside import audit
folder = sysconfig.get_paths(vars={"platbase": sys.base_prefix})["platstdlib"] + "/lib-dynload"
name = next(n for n in ("xxlimited", "xxlimited_35", "_xxtestfuzz", "_lsprof")
            if glob.glob(f"{folder}/{n}.*") and n not in sys.modules)
installed = glob.glob(f"{folder}/{name}.*")[0]
copy = shutil.copy(installed, ".")
noted = []
audit.seal(set(), noted)
results = []
for origin in (copy, f"{folder}/../lib-dynload/{installed.rsplit('/', 1)[1]}", installed):
    try:
        _imp.create_dynamic(types.SimpleNamespace(name=name, origin=origin))
        results.append("loaded")
    except PermissionError:
        results.append("refused")
print(results, len(noted))
'''


def test_compiled_code_loads_only_from_the_installed_folders(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    # Noted only where a notebook's cell caused it: none here.
    assert done.stdout.strip() == "['refused', 'refused', 'loaded'] 0", done.stderr[-2000:]
