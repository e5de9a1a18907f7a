"""CUDA, checked in one command (``make gpu-check``): what ran where, and how long it took.

    .venv/bin/python bench/gpu_check.py [--out build/gpu-check]

On a machine with an NVIDIA GPU it runs, in order, each step with its own time:

1. the demo class of every assignment (``python -m autograder demo``), whose hidden checks
   run each case on the CPU and on ``cuda`` (checking.plugin.devices);
2. the wrong-solution corpus (tests/checks/test_corpus.py): every realistic mistake loses
   points on its question and nowhere else, on both devices;
3. the sandbox tests (tests/sandbox/), with CUDA present in the zygote and its sandboxes.

It prints the GPU, torch's CUDA build, which devices the checks used, each step's result
and seconds, and exits non-zero when a step fails. Without a GPU it says so, runs nothing
and exits with status 2: a CPU run proves nothing about CUDA.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.checking.plugin import devices  # noqa: E402  (no CUDA initialized)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "gpu-check"))
    args = parser.parse_args()
    if "cuda" not in devices():
        print("gpu-check: no NVIDIA GPU here (NVML finds none): nothing ran; run it on a "
              "machine with one")
        return 2
    info = subprocess.run([sys.executable, "-c", (
        "import json, torch; print(json.dumps({'torch': torch.__version__, "
        "'cuda': torch.version.cuda, 'gpu': torch.cuda.get_device_name(0), "
        "'memory_gib': round(torch.cuda.get_device_properties(0).total_memory / 2**30)}))")],
        capture_output=True, text=True, check=False)
    print("gpu-check:", info.stdout.strip() or info.stderr.strip()[-500:])
    print(f"devices the hidden checks use: {', '.join(devices())}")
    steps = [
        ("demo, every assignment", [sys.executable, "-m", "autograder", "demo", "--out",
                                    args.out]),
        ("wrong-solution corpus", [sys.executable, "-m", "pytest", "-q", "-x",
                                   "tests/checks/test_corpus.py"]),
        ("sandbox tests", [sys.executable, "-m", "pytest", "-q", "tests/sandbox"]),
    ]
    failed = []
    for name, command in steps:
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        verdict = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        last = (done.stdout.strip().splitlines() or [""])[-1]
        print(f"{name:<24} {verdict:<18} {seconds:7.1f} s   {last[:100]}")
        if done.returncode:
            failed.append(name)
            print((done.stdout + done.stderr)[-3000:])
    for report in sorted(Path(args.out).glob("demo/*/grades.csv")):
        print(f"demo {report.parent.name}: {json.dumps(_scores(report))}")
    return 1 if failed else 0


def _scores(path):
    lines = path.read_text().splitlines()[1:]
    return {line.split(",")[0]: line.split(",")[2] for line in lines}


if __name__ == "__main__":
    sys.exit(main())
