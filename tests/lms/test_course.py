"""`make grade` on a course: a Canvas, a Moodle, a Blackboard, a Gradescope and a
Brightspace download dropped into submissions/<assignment>/ as downloaded, graded in one
command into each LMS's files."""
import csv
import io

import pytest

from autograder import __main__ as cli
from autograder.config import Assignment, ConfigError, Course

import downloads

WORKSHEET = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,"
             "Grade can be changed,Last modified (submission),Last modified (grade),"
             "Feedback comments\n"
             "Participant 501,Ada Lovelace,ada@x,Submitted,,100.00,Yes,-,-,\n"
             "Participant 502,Erdős Pál,pal@x,Submitted,,100.00,Yes,-,-,\n"
             "Participant 503,Kim Min-ji,minji@x,Submitted,,100.00,Yes,-,-,\n"
             "Participant 504,No Show,no@x,No submission,,100.00,Yes,-,-,\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    drops = {"tensor_shapes": ("submissions.zip", downloads.canvas("tensor_shapes")),
             "requires_grad": ("C1-Week 2-88.zip", downloads.moodle("requires_grad")),
             "manual_backward": ("gradebook_C1_Week3.zip",
                                 downloads.blackboard("manual_backward")),
             "no_grad_update": ("assignment_export.zip",
                                downloads.gradescope("no_grad_update"))}
    for name, (file, data) in drops.items():
        (root / "submissions" / name).mkdir(parents=True)
        (root / "submissions" / name / file).write_bytes(data)
    (root / "submissions/tensor_shapes/export.csv").write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (55)\n"
        "    Points Possible,,,,,7\n\"Lovelace, Ada\",101,,,A,\n\"Erdős, Pál\",102,,,A,\n"
        "\"Kim, Minji\",103,,,A,\n\"Absent, Al\",105,,,A,\n", encoding="utf-8")
    (root / "submissions/requires_grad/worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    (root / "submissions/manual_backward/gc.csv").write_text(
        "Last Name,First Name,Username,Week 3 [Total Pts: 8 Score] |4242\n"
        "Lovelace,Ada,alovelace,\nNowak,Paweł,p_nowak,\n", encoding="utf-8")
    (root / "course.yaml").write_text(
        "title: Deep learning 101\nassignments:\n"
        "  tensor_shapes: {title: Week 1, lms_id: 55}\n  requires_grad: {title: Week 2}\n"
        "  manual_backward: {title: Week 3, lms_id: 4242}\n  no_grad_update: {}\n"
        "  char_model: {}\n")
    code = cli.main(["grade", "--course", str(root / "course.yaml"), "--out", str(root / "out"),
                     "--jobs", "2"])
    return root, code


def table(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def scores(root, name):
    return {r["student"]: r["score"] for r in csv.DictReader(io.StringIO(
        (root / "out" / name / "grades.csv").read_text()))}


def test_every_download_is_graded_with_identities(course):
    root, code = course
    assert code == 0
    assert scores(root, "tensor_shapes") == {"101": "13", "102": "0", "103": "13", "104": "0"}
    assert scores(root, "requires_grad") == {"501": "16", "502": "0", "503": "16"}
    assert scores(root, "manual_backward") == {"alovelace": "17", "p_nowak": "17"}  # latest
    assert scores(root, "no_grad_update") == {"s1": "15", "minji@example.edu": "0", "s3": "0"}
    assert not (root / "out" / "char_model").exists()  # nothing submitted: not graded


def test_canvas_import_matches_grades_csv_and_marks_non_submitters(course):
    root, _ = course
    rows = table(root / "out/tensor_shapes/canvas-import.csv")
    assert rows[0][-1] == "Week 1 (55)" and rows[1][-1] == "7"  # the export's points
    assert {r[1]: r[-1] for r in rows[2:]} == {"101": "7", "102": "0", "103": "7", "105": ""}
    report = (root / "out/tensor_shapes/report.html").read_text()
    assert "<h1>Week 1: class report</h1>" in report  # course.yaml's title
    assert "Lovelace, Ada (101)" in report  # the roster's name, not the file name's slug
    assert "in the roster, no submission</strong> 1: Absent, Al" in report
    assert "marked late by the LMS</strong> 1: Erdős, Pál (102)" in report


def test_moodle_worksheet_and_feedback_zip(course):
    root, _ = course
    rows = table(root / "out/requires_grad/moodle-worksheet.csv")
    assert [r[4] for r in rows[1:]] == ["100.00", "0.00", "100.00", ""]
    assert rows[1][9].startswith("<p>requires_grad: 16 / 16</p><ul><li>")
    assert (root / "out/requires_grad/moodle-feedback.zip").stat().st_size > 0


def test_blackboard_upload(course):
    root, _ = course
    path = root / "out/manual_backward/blackboard-upload.csv"
    rows = table(path)
    assert [row[:2] for row in rows] == [["Username", "Week 3 [Total Pts: 8 Score] |4242"],
                                         ["alovelace", "8"], ["p_nowak", "8"]]  # of 8
    assert rows[0][2:] == ["Feedback to Learner", "Feedback Format"]
    assert rows[1][2].startswith("<p>manual_backward: 17 / 17</p>") and rows[1][3] == "HTML"
    assert all(line.startswith('"') and line.endswith('"')  # every field quoted
               for line in path.read_text(encoding="utf-8").splitlines())


def test_a_regrade_reuses_the_unpacked_downloads_and_grades_nothing_again(course, capsys):
    root, _ = course
    assert cli.main(["grade", "tensor_shapes", "--course", str(root / "course.yaml"),
                     "--out", str(root / "out")]) == 0
    output = capsys.readouterr().out
    assert "4 submission(s) already graded" in output
    assert "1 in the roster with no submission (their grades in the LMS left as they are): Absent, Al (105)" in output
    assert "103: graded tensor_shapes-1.ipynb; not graded: tensor_shapes.ipynb" in output


def test_a_brightspace_download_and_its_grades_export(tmp_path, capsys):
    folder = tmp_path / "submissions" / "tensor_shapes"
    folder.mkdir(parents=True)
    (folder / "Week 1 Download Mar 3, 2026 812 AM.zip").write_bytes(
        downloads.brightspace(folders=True))
    (folder / "Grades-Week 1.csv").write_text(
        "OrgDefinedId,Username,Last Name,First Name,Email,"
        "Week 1 Points Grade <Numeric MaxPoints:26 Weight:5>,End-of-Line Indicator\n"
        "#7001,#alovelace,Lovelace,Ada,a@x,,#\n#7002,#pnowak,Nowak,Paweł,p@x,,#\n"
        "#7003,#absent,Show,No,n@x,,#\n", encoding="utf-8-sig")
    (tmp_path / "course.yaml").write_text("assignments:\n  tensor_shapes: {title: Week 1}\n")
    assert cli.main(["grade", "--course", str(tmp_path / "course.yaml"),
                     "--out", str(tmp_path / "out")]) == 0
    output = capsys.readouterr().out
    assert scores(tmp_path, "tensor_shapes") == {"alovelace": "13", "pnowak": "13",
                                                 "Kim Min-ji": "0"}
    rows = table(tmp_path / "out/tensor_shapes/brightspace-import.csv")
    assert rows == [["OrgDefinedId", "Username",
                     "Week 1 Points Grade <Numeric MaxPoints:26 Weight:5>",
                     "End-of-Line Indicator"],
                    ["#7001", "#alovelace", "26", "#"], ["#7002", "#pnowak", "26", "#"]]
    assert "1 in the roster with no submission (their grades in the LMS left as they are): No Show (absent)" in output
    assert "1 graded but not in the roster (not in the brightspace file): Kim Min-ji" in output
    assert "alovelace: graded Mar 2, 2026 930 PM; not graded: submission of Mar 1" in output


@pytest.mark.parametrize("text, words", [
    ("title: x\ntitel: x\n", "course.yaml, line 2: unknown key 'titel'"),
    ("lms: blackbord\n", "course.yaml, line 1: lms is 'blackbord'"),
    ("assignments: {tensor_shape: {}}\n", "unknown assignment 'tensor_shape'"),
    ("title: [1, 2]\n", "title must be a single value"),
    ("- tensor_shapes\n", "course.yaml: it must be a mapping of keys to values"),
    # a list of assignments, as ids or as items with an id: each mistake has its line
    ("assignments:\n  - tensor_shapes\n  - id: char_model\n    title: Bigrams\n"
     "    points: 5\n", "course.yaml, line 5: assignments: char_model: unknown key 'points'"),
    ("assignments:\n  - tensor_shapes\n  - [a, b]\n",
     "course.yaml, line 3: assignments: each item of the list must be an assignment's id"),
    ("assignments:\n  tensor_shapes:\n    title: {a: 1}\n",
     "course.yaml, line 3: assignments: tensor_shapes: title must be a single value"),
    ("title: x\n  bad: indent\n", "course.yaml, line 2, column 6: mapping values are not "
                                   "allowed here"),
    ("title: x\nassignments: {a: [1, 2}\n", "course.yaml, line 2, column 23: expected ','"),
    ("isolation: strict\nlms: canvas\nisolation: default\n",  # plain YAML keeps the last
     "course.yaml, line 3, column 1: isolation is given twice; keep one"),
    ("assignments:\n  char_model: {title: A, title: B}\n",
     "course.yaml, line 2, column 26: title is given twice"),
])
def test_bad_course_files_are_one_line_naming_the_key(tmp_path, capsys, text, words):
    (tmp_path / "course.yaml").write_text(text)
    with pytest.raises(ConfigError, match=words.replace("[", r"\[")):
        Course.load(tmp_path / "course.yaml")
    assert cli.main(["grade", "--course", str(tmp_path / "course.yaml")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and words in error


def test_assignments_may_be_listed_with_their_settings(tmp_path):
    (tmp_path / "course.yaml").write_text(
        "assignments:\n  - tensor_shapes\n  - id: char_model\n    title: Bigrams\n"
        "    lms_id: 77\n")
    course = Course.load(tmp_path / "course.yaml")
    assert list(course.assignments) == ["tensor_shapes", "char_model"]
    assert course.assignments["char_model"] == Assignment("char_model", "Bigrams", "77")


def test_the_shipped_course_file_is_the_defaults():
    assert Course.load() == Course.from_dict({}, Course.load().submissions.parent)


def test_a_folder_that_is_not_a_class_stops_the_command_with_one_line(tmp_path, capsys):
    folder = tmp_path / "drop" / "week3"
    folder.mkdir(parents=True)
    for name in ("ann.ipynb", "bob.ipynb"):
        (folder / name).write_text(downloads.good())
    assert cli.main(["grade", "tensor_shapes", str(tmp_path / "drop"), "--out",
                     str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "the layout is not recognised: found week3 holding 2 " \
        "notebooks" in error and "expected an LMS's download" in error
    assert not (tmp_path / "out" / "grades.csv").exists()


EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (55)\n    Points Possible,,,,,7\n"
          "\"Lovelace, Ada\",101,,,A,\n\"Absent, Al\",105,,,A,\n")


def test_the_gradebook_beside_a_download_zip_is_its_roster_and_two_are_never_guessed(
        tmp_path, capsys):
    (tmp_path / "submissions.zip").write_bytes(downloads.canvas("tensor_shapes"))
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    args = ["grade", "tensor_shapes", str(tmp_path / "submissions.zip"), "--out",
            str(tmp_path / "out"), "--jobs", "2"]
    assert cli.main(args) == 0
    assert "1 in the roster with no submission (their grades in the LMS left as they are): Absent, Al (105)" in \
        capsys.readouterr().out
    (tmp_path / "export (1).csv").write_text(EXPORT, encoding="utf-8")
    assert cli.main(args) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "2 gradebook files beside the download" in error \
        and "export (1).csv" in error and "course.yaml (roster:)" in error


def test_a_misspelt_assignment_folder_is_named_with_the_one_meant(tmp_path, capsys):
    (tmp_path / "submissions" / "tensor_shape").mkdir(parents=True)
    (tmp_path / "submissions" / "tensor_shape" / "ann.ipynb").write_text(downloads.good())
    (tmp_path / "course.yaml").write_text("assignments:\n  tensor_shapes: {}\n")
    assert cli.main(["grade", "--course", str(tmp_path / "course.yaml")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "tensor_shape is not an assignment of this course" in \
        error and "did you mean tensor_shapes?" in error
    assert not (tmp_path / "out").exists()  # not the demo instead
