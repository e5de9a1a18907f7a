"""What each command of ``python -m autograder`` does beyond grading (__main__.py parses
the command line and grades): dist, publish, similar, serve, and the helpers they share."""
import argparse
import shutil
from dataclasses import replace
from pathlib import Path

from . import assignments
from .config import LANGUAGES, ROOT, SIMILAR, ConfigError, Course
from .integrations import nbgrader
from .integrations.otter import build
from .lms.send import send
from .pipeline import compare_graded
from .reports.terminal import similar_table, student_table


def language(args, course):
    """The language asked for with --lang, else the course's; one line if unknown."""
    lang = args.lang or course.language
    if lang not in LANGUAGES:
        raise ConfigError(f"--lang {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def dist(args):
    """otter's releases and autograder.zips and the nbgrader course, per language:
    into --out itself for one language, into --out/<lang>/ for several."""
    course = Course.load(args.course)
    langs = [lang.strip() for lang in (args.lang or course.language).split(",") if lang.strip()]
    for lang in langs:
        language(argparse.Namespace(lang=lang), course)
    for name in args.names:
        assignments.check_file(name)
    for lang in langs:
        out = Path(args.out) if len(langs) == 1 else Path(args.out) / lang
        for name in args.names:
            for kind, path in build(name, out, lang).items():
                print(f"{name} ({lang}): {kind:<10} {path}")
        print(f"nbgrader course ({lang}): {nbgrader.build(out / 'nbgrader', args.names, lang)}")
    return 0


def publish(args):
    """Grades and comments from the store to the LMS, through its API."""
    course = Course.load(args.course)
    course = replace(course, language=language(args, course))
    send(course, args.assignment, _results(args), args.lms or course.lms, apply=args.yes)
    return 0


def similar(args):
    """The similarity report on what was graded: a table here, similarity.html there."""
    course = Course.load(args.course)
    course = replace(course, language=language(args, course))
    threshold = args.threshold if args.threshold is not None else (course.similar or (SIMILAR,))[0]
    pairs, page = compare_graded(args.assignment, _results(args), course, threshold)
    print(similar_table(pairs, threshold), f"side by side: {page}", sep="\n")
    return 0


def _results(args):
    """The folder graded into: --results, or out/<assignment> beside the course file."""
    assignments.check_file(args.assignment)
    results = Path(args.results or Path(args.course).resolve().parent / "out" / args.assignment)
    if not (results / "grades.sqlite").exists():
        raise ConfigError(f"nothing graded in {results}: run `make grade A={args.assignment}` "
                          "first, or name the folder graded into")
    return results


def show(records, out):
    if records:
        print(student_table(records) if len(records) <= 30 else
              f"every student's score: {out / 'grades.csv'}")


def demo_submissions(assignment, folder):
    """The demo class in ``folder``: alice submits the reference solution, bob the untouched
    stub, carol the partly wrong notebook kept in demo/."""
    folder.mkdir(parents=True, exist_ok=True)
    for student, source in (("alice", ROOT / "solutions" / f"{assignment}.ipynb"),
                            ("bob", ROOT / "assignments" / f"{assignment}.ipynb"),
                            ("carol", ROOT / "demo" / f"{assignment}.ipynb")):
        shutil.copyfile(source, folder / f"{student}.ipynb")
    return folder


def serve(args):
    """The LTI 1.3 tool: lti.yaml's platforms, attempts kept beside it in lti-data/, grades
    in the course's out/."""
    from .lti.service import serve as run  # the web stack is imported only to serve
    from .lti.settings import Settings
    settings = Settings.load(args.config)
    course = Course.load(args.course)
    run(settings, Path(args.config).resolve().parent / "lti-data",
        Path(args.course).resolve().parent / "out", language(args, course), args.host,
        args.port, args.workers, args.scheduler)
    return 0
