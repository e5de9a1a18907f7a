"""How many uploads the LTI tool accepts and grades, and how long a student waits for
feedback, on this machine.

    .venv/bin/python bench/lti_load.py [--students 40] [--workers 2]

It starts an LTI 1.3 platform on loopback (tests/lti/platform_double.py) and the tool
(its web service under waitress, ``--workers`` grading processes), launches ``--students``
students, and has them all upload the tensor_shapes reference at once (one thread each).
It prints the uploads per second the web service accepted, the notebooks per second graded,
and the median and slowest time from upload to the feedback page, against one student
alone on an idle tool measured first in the same run.
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "lti")]

from platform_double import Platform  # noqa: E402
from test_tool import Tool, feedback, launched, submit  # noqa: E402


def one(platform, user, waits, accepted):
    http = launched(platform, user)
    start = time.monotonic()
    sent = submit(platform, http)
    accepted.append((start, time.monotonic()))
    feedback(platform, http, sent.headers["Location"], seconds=600)
    waits.append(time.monotonic() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    platform = Platform()
    with tempfile.TemporaryDirectory() as folder:
        tool = Tool(Path(folder), platform, workers=args.workers)
        try:
            alone, accepted = [], []
            one(platform, "warm-up", [], [])  # the zygote and the reference timing
            one(platform, "alone", alone, accepted)
            waits, accepted = [], []
            threads = [threading.Thread(target=one, args=(platform, f"s{n}", waits, accepted))
                       for n in range(args.students)]
            start = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.monotonic() - start
        finally:
            tool.close()
            platform.close()
    print(f"{args.students} students at once, {args.workers} grading worker(s)")
    span = max(end for _, end in accepted) - min(start for start, _ in accepted)
    print(f"accepted: {args.students / span:.1f} uploads/s (each upload page and upload: "
          f"median {statistics.median(e - s for s, e in accepted) * 1000:.0f} ms)")
    print(f"graded: {args.students / took:.2f} notebooks/s; upload to feedback: median "
          f"{statistics.median(waits):.1f} s, slowest {max(waits):.1f} s; one student "
          f"alone: {alone[0]:.1f} s ({statistics.median(waits) / alone[0]:.1f}x)")


if __name__ == "__main__":
    main()
