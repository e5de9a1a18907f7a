"""Command line: ``python -m autograder grade ASSIGNMENT PATH...`` and friends."""
import sys

from .sandbox.spawner import Zygote


def _grades_here(argv):
    """Whether the command grades on this machine (not on a Dask cluster)."""
    return argv[:1] in (["grade"], ["demo"]) and not any(a.startswith("--scheduler") for a in argv)


if __name__ == "__main__" and _grades_here(sys.argv[1:]):
    Zygote.start_early()  # it imports torch while the imports below run

import argparse  # noqa: E402 (and below)
import signal
from dataclasses import replace
from pathlib import Path

from . import assignments, lms
from .commands import demo_submissions, dist, language, publish, serve, show, similar
from .config import LANGUAGES, ROOT, Assignment, ConfigError, Course, Limits
from .integrations import nbgrader
from .i18n import feedback_template, update_catalogs
from .lms.publish import PublishError
from .lms.send import API
from .pipeline import grade, grade_course, make_backend, strays
from .release import notebooks_template, release
from .store import StoreError


def main(argv=None):
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m autograder",
                                     description="Grade PyTorch notebook assignments safely.")
    commands = parser.add_subparsers(dest="command", required=True)
    one_of = f"one of: {', '.join(assignments.NAMES)}"
    grade_cmd = commands.add_parser(
        "grade", help="grade the course's submissions/<assignment>/ (the demo when there are "
        "none), or the notebooks, folders and LMS downloads named")
    grade_cmd.add_argument("assignment", nargs="?", metavar="ASSIGNMENT", help=f"{one_of} (default: all)")
    grade_cmd.add_argument("paths", nargs="*", metavar="PATH", help="notebooks, folders or LMS download zips "
                           "(default: the course's submissions/<assignment>/)")
    grade_cmd.add_argument("--nbgrader", metavar="COURSE_DIR", default=None,
                           help="grade the nbgrader course's submitted/<student>/<assignment>/ "
                           "into its gradebook.db and autograded/")
    grade_cmd.add_argument("--replace-manual", action="store_true",
                           help="with --nbgrader: drop manual scores given in formgrader")
    demo_cmd = commands.add_parser("demo", help="grade the bundled demo submissions")
    release_cmd = commands.add_parser("release", help="write assignments/ (English) and "
                                      "assignments/<lang>/ from solutions/")
    release_cmd.add_argument("names", nargs="*", default=list(assignments.NAMES),
                             metavar="ASSIGNMENT", help="default: all")
    commands.add_parser("catalogs", help="re-extract the message catalogs of autograder/locale/ "
                        "and list what is left to translate")
    dist_cmd = commands.add_parser("dist", help="build the student release and the Gradescope "
                                   "autograder.zip with otter, into dist/<assignment>/, and "
                                   "the nbgrader course, dist/nbgrader/")
    dist_cmd.add_argument("names", nargs="*", default=list(assignments.NAMES),
                          metavar="ASSIGNMENT", help="default: all")
    dist_cmd.add_argument("--out", default=str(ROOT / "dist"), metavar="DIR",
                          help="output folder (default: dist/)")
    publish_cmd = commands.add_parser(
        "publish", help="send grades and feedback comments to the LMS (dry run without --yes)")
    publish_cmd.add_argument("assignment", metavar="ASSIGNMENT", help=one_of)
    publish_cmd.add_argument("--lms", choices=API, default=None, metavar="LMS",
                             help=f"{', '.join(API)} (default: lms in course.yaml)")
    publish_cmd.add_argument("--yes", action="store_true", help="really send (default: only "
                             "print the table of changes)")
    publish_cmd.add_argument("--results", default=None, metavar="DIR",
                             help="the folder graded into (default: out/<assignment> beside "
                             "the course file)")
    similar_cmd = commands.add_parser("similar", help="rank the pairs of students whose code "
                                      "is alike, in what was graded (grades never change)")
    similar_cmd.add_argument("assignment", metavar="ASSIGNMENT", help=one_of)
    similar_cmd.add_argument("results", nargs="?", default=None, metavar="PATH", help="the "
                             "folder graded into (default: out/<assignment> by the course file)")
    similar_cmd.add_argument("--threshold", type=float, default=None, metavar="SCORE", help="from "
                             "this score, 0 to 1 (default: similarity in course.yaml)")
    serve_cmd = commands.add_parser("serve", help="run the LTI 1.3 tool: students submit "
                                    "inside the LMS and are graded in seconds")
    serve_cmd.add_argument("--config", default=str(ROOT / "lti.yaml"), metavar="FILE",
                           help="the platforms registered (default: lti.yaml here)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on "
                           "(default: 127.0.0.1, behind an HTTPS proxy)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve_cmd.add_argument("--workers", type=_count, default=1, metavar="N",
                           help="grading processes (default: 1)")
    serve_cmd.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="grade on the Dask cluster whose scheduler is at ADDRESS")
    for command in (grade_cmd, demo_cmd, publish_cmd, dist_cmd, similar_cmd, serve_cmd):
        command.add_argument("--course", default=str(ROOT / "course.yaml"), metavar="FILE",
                             help="the course file (default: course.yaml here; optional)")
        many = " (several, comma-separated: one release each)" if command is dist_cmd else ""
        command.add_argument("--lang", default=None, metavar="LANG", help=f"the students' language, one of "
                             f"{', '.join(LANGUAGES)}{many} (default: language in course.yaml)")
    for command in (grade_cmd, demo_cmd):
        command.add_argument("--out", default=None, metavar="DIR", help="output folder "
                             "(default: out/ beside the course file)")
        command.add_argument("--jobs", type=_count, default=None, metavar="N",
                             help="submissions graded at once (default: all cores)")
        command.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                             help="seconds each cell or call into student code may take "
                             "(default: derived from the reference solution's timing)")
        command.add_argument("--strict", action="store_true", help="grade nothing where a "
                             "sandbox layer cannot be set up (isolation: strict in course.yaml)")
        command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                             help="grade on the Dask cluster whose scheduler is at ADDRESS "
                             "(tcp://HOST:8786) instead of on this machine")
    args = parser.parse_args(argv)
    if getattr(args, "out", "") is None:  # out/ beside the course file, wherever this runs
        args.out = str(Path(args.course).resolve().parent / "out")
    if args.command == "release":
        for name in args.names:
            for path in release(name):
                print("wrote", path.relative_to(ROOT))
        return 0
    if args.command == "catalogs":
        left = update_catalogs({"feedback": feedback_template(),
                                "notebooks": notebooks_template()})
        return 1 if any(left.values()) else 0
    try:
        if args.command == "publish":
            return publish(args)
        if args.command == "similar":
            return similar(args)
        if args.command == "serve":
            return serve(args)
        if args.command == "dist":
            return dist(args)
        limits = Limits.for_timeout(args.timeout) if args.timeout else None
        if args.command == "grade" and args.nbgrader:
            if not args.assignment or args.paths:
                raise ConfigError("--nbgrader takes one assignment and no paths: "
                                  "grade ASSIGNMENT --nbgrader COURSE_DIR")
            assignments.check_file(args.assignment)
            lang = language(args, Course.load(args.course))
            show(nbgrader.grade(args.nbgrader, args.assignment, args.jobs, limits,
                                args.replace_manual, lang=lang),
                 Path(args.nbgrader) / "torchgrade")
            return 0
        course = Course.load(args.course) if args.command == "grade" else Course()
        course = replace(course, language=language(args, course))
        if getattr(args, "strict", False):
            course = replace(course, isolation="strict")
        if args.command == "grade" and args.paths:
            assignment = (course.assignments.get(args.assignment)
                          or Assignment(args.assignment, args.assignment))
            roster = lms.roster(assignment, course, args.paths[0] if len(args.paths) == 1
                                else None)
            records = grade(args.assignment, args.paths, args.out, args.jobs, limits, live=True,
                            lang=course.language, scheduler=args.scheduler, roster=roster,
                            title=assignment.title, strict=course.isolation == "strict",
                            similar=course.similar)
            show(records, Path(args.out))
            print(f"report: {Path(args.out) / 'report.html'}")
            for line in lms.export(records, assignment, course,
                                   float(sum(assignments.questions(args.assignment).values())),
                                   Path(args.out), roster):
                print(line)
            return 0
        names = [args.assignment] if getattr(args, "assignment", None) else list(course.assignments)
        for name in names:
            assignments.check_file(name)
        graded = {} if args.command == "demo" else grade_course(
            course, names, args.out, args.jobs, limits, live=True, scheduler=args.scheduler)
        out = Path(args.out)
        if not graded and args.command == "grade" and strays(course):
            raise ConfigError(strays(course)[0])
        if not graded:
            out = out / "demo"
            if args.command == "grade":
                print(f"nothing in {course.submissions}/<assignment>/ to grade: grading the "
                      "bundled demo class instead")
            with make_backend(args.jobs, args.scheduler) as backend:
                for name in names:  # in out/demo/, never among the course's results
                    print(f"== {name}")
                    graded[name] = grade(name, [demo_submissions(name, out / name / "submissions")],
                                         out / name, args.jobs, limits, live=True,
                                         backend=backend, lang=course.language,
                                         strict=course.isolation == "strict")
                    show(graded[name], out / name)
        print("reports:", *(out / name / "report.html" for name in graded), sep="\n  ")
    except (assignments.UnknownAssignment, StoreError, ConfigError, PublishError,
            nbgrader.NbgraderError, lms.LayoutError, OSError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: every submission graded so far is saved; run the same command "
              "again to grade the rest.", file=sys.stderr)
        return 130
    return 0


def _count(text):
    """A number of processes or jobs: a whole number, 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _seconds(text):
    """A time limit: a number of seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return seconds


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops a run as Ctrl-C does: sandboxes ended, work kept


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    sys.exit(main())
