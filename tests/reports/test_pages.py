"""The instructor's report and the students' feedback pages, opened in headless Chromium:
what a person sees is there, and nothing from a submission runs in the browser."""
import os
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest

from autograder.config import ROOT

from conftest import grade_folder, solution_cells, stub_cells
from corpus import WRONG

A = "char_model"
# Planted in a file name and in an exception message; each would mark the page if it ran.
NAME = '<img src=x onerror="document.documentElement.dataset.pwned=1">'
PAYLOAD = ("<script>document.documentElement.dataset.pwned=2</script>"
           "<img src=x onerror=\"document.documentElement.dataset.pwned=3\">")
SHOTS = ROOT / "build" / "screenshots"


def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = ("headless Chromium is needed for the page tests and is not installed: "
                   "apt-get install -y chromium")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def browse(page, tmp_path, *args):
    done = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
                           *args, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(page, tmp_path):
    """The page's DOM after Chromium loaded it and ran whatever it would run."""
    return browse(page, tmp_path, "--dump-dom", "--virtual-time-budget=2000")


def screenshots(page, tmp_path, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 1400), (390, 1800)):
        browse(page, tmp_path, f"--window-size={width},{height}",
               f"--screenshot={SHOTS / f'{name}-{width}.png'}")
        assert (SHOTS / f"{name}-{width}.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    hostile = ["import torch", f"def train_bigram(*args, **kwargs):\n    raise ValueError({PAYLOAD!r})",
               f"print({PAYLOAD!r})"]
    wrong = next(code for name, question, hint, code in WRONG[A] if question == "sample")
    # A copy of the slip, under another name, with a payload in a comment and a string.
    copied = wrong.replace("\n", f"  # {PAYLOAD}\n", 1) + f"\nnote = {PAYLOAD!r}"
    records = grade_folder(A, {"ref": solution_cells(A), "stub": stub_cells(A),
                               "slip": solution_cells(A) + [wrong], NAME: hostile,
                               f"copy{NAME}": solution_cells(A) + [copied]}, root)
    return root / "out", records


def executed(page_dom):
    return re.search(r"<html[^>]*data-pwned", page_dom) or re.search(r"<script", page_dom) \
        or re.search(r"<img[^>]*onerror", page_dom)


def test_the_report_shows_the_class_and_runs_nothing(graded, tmp_path):
    out, records = graded
    page = dom(out / "report.html", tmp_path)
    counts = [int(c) for c in re.findall(r'class="bar" data-count="(\d+)"', page)]
    assert sum(counts) == len(records) == 5
    assert "of the class" in page and "Commonest mistakes" in page
    assert "onerror" in page  # the hostile name is shown, as text
    assert not executed(page)
    links = re.findall(r'href="(feedback/[^"]+\.html)"', page)
    assert len(links) == 5 and all((out / unquote(link)).is_file() for link in links)
    screenshots(out / "report.html", tmp_path, "report")


def test_the_report_shows_a_copy_side_by_side_and_runs_its_code_as_text(graded, tmp_path):
    out, _ = graded
    page = dom(out / "report.html", tmp_path)
    section = page[page.index("Similar code"):]
    assert "slip" in section and "copy&lt;img" in section  # the pair, named as text
    assert section.count("<pre") >= 2 and "<mark>" in section
    assert "pwned=2" in section and not executed(page)  # the payload, shown as text


def test_a_students_page_shows_the_hint_and_the_loss_curve(graded, tmp_path):
    out, _ = graded
    page = dom(out / "feedback" / "slip.html", tmp_path)
    hint = next(hint for name, question, hint, code in WRONG[A] if question == "sample")
    assert hint in page and "to fix" in page
    curve = re.search(r'<path class="student" d="([^"]*)"', page)
    assert curve and curve.group(1).count("L") > 100  # a point per step
    assert 'class="reference"' in page
    screenshots(out / "feedback" / "slip.html", tmp_path, "feedback")


def test_a_hostile_students_page_runs_nothing(graded, tmp_path):
    out, _ = graded
    pages = [p for p in (out / "feedback").glob("*.html") if p.name.startswith("<img")]
    assert len(pages) == 1
    page = dom(pages[0], tmp_path)
    assert "ValueError" in page and "pwned=2" in page  # the message is shown, as text
    assert not executed(page)


def test_the_browser_check_sees_a_payload_that_runs(tmp_path):
    """The control: the same payload left unescaped does run, and is caught."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><html><body><p>{PAYLOAD}</p></body></html>")
    page_dom = dom(page, tmp_path)
    assert re.search(r"<html[^>]*data-pwned", page_dom) and executed(page_dom)


def test_a_diverging_loss_is_drawn_on_a_log_axis_that_still_shows_the_reference(tmp_path):
    from autograder.records import Identity, QuestionResult, Record, Status
    from autograder.reports import pages
    diverging = [1.4 * 1.35 ** step for step in range(23)]  # 1.4 up to about 1000
    reference = [1.4 * 0.9 ** step for step in range(23)]
    record = Record("dan", A, "dan.ipynb", Status.GRADED, None, 3, 8,
                    {"train_bigram": QuestionResult(3, 8)}, identity=Identity("Dan", "", ""),
                    curves={"train_bigram": {"student": diverging, "reference": reference}})
    page = tmp_path / "dan.html"
    page.write_text(pages.feedback(record))
    shown = dom(page, tmp_path)
    assert 'data-scale="log"' in shown and "loss (log scale)" in shown
    ticks = re.findall(r'text-anchor="end" fill="#7b8794">([\d.e+]+)</text>', shown)
    assert {"1", "10", "100"} <= set(ticks)  # powers of ten marked
    reference_y = [float(y) for y in re.findall(
        r"[ML][\d.]+,([\d.]+)", re.search(r'class="reference" d="([^"]*)"', shown)[1])]
    assert max(reference_y) - min(reference_y) > 40  # not flattened against the axis
    screenshots(page, tmp_path, "diverging-loss")
