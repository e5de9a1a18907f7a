"""How long the similarity report takes for a large class, against copydetect's own
all-pairs detector on the same code.

    .venv/bin/python bench/similarity.py [--students 500] [--assignment char_model]

It builds a class of ``--students`` notebooks: each is the reference solution with two of
the corpus's variants or mistakes (tests/corpus.py) chosen at random, and ten of them are
disguised copies of others (tests/copies.py). It prints the seconds
``reports.similarity.compare`` takes on it (reading the notebooks included; the median of
three runs, at the default threshold), the same for copydetect's ``CopyDetector`` over the
same code as .py files, their ratio, and how many copies reach the threshold. Nothing is
graded here, so the grades' part (the same wrong answer, the same results) is left out;
and since every notebook is made of the same few dozen fragments, many independent pairs
share one fragment and a near twin of another: how copies rank against independent work
is tested on a class graded for real (tests/reports/test_similarity.py), not here.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from copydetect import CopyDetector  # noqa: E402

from autograder.assignments import questions  # noqa: E402
from autograder.reports.similarity import compare  # noqa: E402
from conftest import solution_cells, write_notebook  # noqa: E402
from copies import disguise  # noqa: E402
from corpus import VALID, WRONG  # noqa: E402

COPIES = 10


def build(assignment, students, folder):
    """The class as notebooks in ``folder``; returns (records, {copy: original})."""
    chooser = random.Random(0)
    variants = [code for *_, code in WRONG[assignment]] + [c for _, c in VALID[assignment]]
    chosen = {f"s{i:03d}": frozenset(chooser.sample(range(len(variants)), 2))
              for i in range(students - COPIES)}
    cells = {name: solution_cells(assignment) + [variants[k] for k in sorted(picked)]
             for name, picked in chosen.items()}
    copied = {f"copy{k}": name for k, name in enumerate(chooser.sample(sorted(cells), COPIES))}
    for copy, name in copied.items():
        cells[copy] = disguise(cells[name], set(questions(assignment)))
    records = [SimpleNamespace(student=name, questions={},
                               path=write_notebook(folder / f"{name}.ipynb", sources))
               for name, sources in cells.items()]
    for name, sources in cells.items():
        (folder / "py").mkdir(exist_ok=True)
        (folder / "py" / f"{name}.py").write_text("\n".join(sources))
    return records, copied


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--assignment", default="char_model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        records, copied = build(args.assignment, args.students, folder)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            shown = compare(records, args.assignment)
            times.append(time.perf_counter() - start)
        ours = statistics.median(times)
        shown_pairs = {frozenset(pair.students) for pair in shown}
        found = sum(frozenset(item) in shown_pairs for item in copied.items())
        start = time.perf_counter()
        detector = CopyDetector(test_dirs=[str(folder / "py")], extensions=["py"],
                                display_t=0.5, silent=True, autoopen=False)
        detector.run()
        theirs = time.perf_counter() - start
    print(f"{args.students} students of {args.assignment}, "
          f"{args.students * (args.students - 1) // 2} pairs")
    print(f"torchgrade similar: {ours:.2f} s (median of 3: "
          f"{', '.join(f'{t:.2f}' for t in times)}), {len(shown)} pairs shown")
    print(f"copydetect CopyDetector: {theirs:.2f} s ({theirs / ours:.1f}x torchgrade's time)")
    print(f"copies shown: {found} of {len(copied)}")


if __name__ == "__main__":
    main()
