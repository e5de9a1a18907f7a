"""Downloads and gradebook files as the LMSs really make them (their naming rules, files
from ../shared/lms-fixtures/), including hostile ones: each written file is re-read the
way that LMS's importer reads it."""
import csv
import io
import shutil
import zipfile

import pytest

from autograder import lms
from autograder.config import ROOT, Assignment, Course
from autograder.discovery import discover
from autograder.lms import blackboard, canvas, download, gradescope, moodle
from autograder.lms.sheet import SheetError
from autograder.records import Identity, QuestionResult, Record, Status
from autograder.reports.feedback import comment_html

import downloads
from downloads import A, good, stub, zipped

FIXTURES = ROOT.parent / "shared" / "lms-fixtures"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="no ../shared/lms-fixtures")


def record(student, score, name="", lms_="moodle", user=None):
    return Record(student, A, f"{student}.ipynb", Status.GRADED, None, score, 7,
                  {"make_tensor": QuestionResult(score, 7)},
                  identity=Identity(name, lms_, student if user is None else user))


def read(tmp_path, data, name="download.zip", roster=None):
    path = tmp_path / name
    path.write_bytes(data)
    logs = []
    found = lms.read([path], A, tmp_path / "unpacked", logs.append, roster)
    return {s.student: s for s in found}, logs


# Moodle ---------------------------------------------------------------------------------

TEAM_SHEET = ("Identifier,Full name,Email address,Status,Group,Grade,Maximum grade,"
              "Grade can be changed,Last modified (submission),Last modified (grade),"
              "Feedback comments\r\n"
              "Participant 501,Ada Lovelace,ada@x,Submitted,Team_Red,,100.00,Yes,-,-,\r\n"
              "Participant 502,Erdős Pál,pal@x,Submitted,Team_Red,,100.00,Yes,-,-,\r\n"
              "Participant 503,Kim Min-ji,minji@x,Submitted,Default group,,100.00,Yes,-,-,\r\n"
              "Participant 504,No Team,no@x,No submission,Not a member of any group,,100.00,"
              "Yes,-,-,\r\n")


def test_moodle_team_submissions_reach_every_member(tmp_path):
    # Moodle 4.1+: "<group name>_<group id>_assignsubmission_file/" ("_" in a group's name
    # becomes a space), and the default group's folder has no id
    found, _ = read(tmp_path, zipped({
        f"Team Red_7_assignsubmission_file/{A}.ipynb": good(),
        f"Default group_assignsubmission_file/{A}.ipynb": stub()}))
    assert sorted(found) == ["7", "Default group"]
    assert found["Default group"].identity.user_id == ""
    (tmp_path / "sheet.csv").write_text(TEAM_SHEET, encoding="utf-8")
    records = [record("7", 7, "Team Red"), record("Default group", 3.5, "Default group", user="")]
    data, _, given, missing, unknown, _ = moodle.worksheet(records, tmp_path / "sheet.csv",
                                                           comment_html)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert [row[5] for row in rows[1:]] == ["100.00", "100.00", "50.00", ""]
    assert rows[1][10].startswith("<p>tensor_shapes: 7 / 7</p>") and rows[2][10] == rows[1][10]
    assert [pid for pid, _, _ in given] == ["501", "502", "503"]
    assert missing == ["504"] and unknown == []
    names = zipfile.ZipFile(io.BytesIO(moodle.feedback_zip(given, lambda r: "x"))).namelist()
    assert names[1] == "Erdős Pál_502_assignsubmission_file_feedback.html"


def test_moodle_team_column_in_an_unlisted_language_is_found_by_its_names(tmp_path):
    sheet = TEAM_SHEET.replace("Group,Grade,Maximum grade", "Gruppe,Bewertung,Bestwertung")
    (tmp_path / "sheet.csv").write_text(sheet.replace("Default group", "Standardgruppe"))
    records = [record("7", 7, "Team Red"), record("Standardgruppe", 0, "Standardgruppe", user="")]
    data, _, given, _, _, _ = moodle.worksheet(records, tmp_path / "sheet.csv", comment_html)
    assert [row[5] for row in csv.reader(io.StringIO(data.decode()))][1:] == [
        "100.00", "100.00", "0.00", ""]


def test_moodle_identity_comes_from_moodles_prefix_not_the_students_file_name(tmp_path):
    # the flat layout: "<full name>_<pid>_assignsubmission_file_<the student's file name>"
    found, _ = read(tmp_path, zipped({
        f"Ada Lovelace_501_assignsubmission_file_{A}.ipynb": good(),
        f"Eve Evil_601_assignsubmission_file_x_501_assignsubmission_file_{A}.ipynb": stub()}))
    assert found["501"].identity.name == "Ada Lovelace"
    assert found["501"].path.name == f"Ada Lovelace_501_assignsubmission_file_{A}.ipynb"
    assert found["601"].identity.name == "Eve Evil"


@pytest.mark.parametrize("codepage, names", [
    ("cp852", ["Erdős Pál", "Łukasz Świątek"]),   # a Hungarian or Polish Windows
    ("cp437", ["Müller Françoise", "José García"]),  # the zip standard's own
])
def test_zip_names_without_the_utf8_flag_come_out_right(tmp_path, codepage, names):
    data = zipped({f"{name}_{number}_assignsubmission_file/{A}.ipynb": good()
                   for number, name in enumerate(names, 501)}, False, codepage)
    found, _ = read(tmp_path, data)
    assert [found[str(n)].identity.name for n in (501, 502)] == names


POLISH = ("Identyfikator;Imię i nazwisko;Adres email;Status;Ocena;Maksymalna ocena;"
          "Ocena może zostać zmieniona;Ostatnia modyfikacja (przesłanie);"
          "Ostatnia modyfikacja (ocena);Komentarz zwrotny\r\n"
          "Uczestnik 501;Łukasz Świątek;l@x;Przesłane do oceny;;10,00;Tak;-;-;\r\n"
          "Uczestnik 502;Zażółć Gęślą;z@x;Brak;;10,00;Tak;-;-;\"-10%: spóźnienie darowane\"\r\n")


def test_a_windows_1250_worksheet_goes_back_in_windows_1250(tmp_path):
    original = POLISH.encode("cp1250")
    (tmp_path / "sheet.csv").write_bytes(original)
    data, warning, _, missing, _, _ = moodle.worksheet(
        [record("501", 7, "Łukasz Świątek")], tmp_path / "sheet.csv", comment_html)
    text = data.decode("cp1250")
    assert not warning and "Łukasz Świątek" in text and "?" not in text.replace("?", "", 0)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][4] == "10,00" and rows[1][9].startswith("<p>tensor_shapes: 7 / 7</p>")
    assert data.splitlines()[0] == original.splitlines()[0]  # headers, byte for byte
    assert data.splitlines()[2] == original.splitlines()[2]  # the row not graded
    assert missing == ["502"]


def test_a_character_the_sheets_encoding_lacks_is_said_and_written_as_utf8(tmp_path):
    (tmp_path / "sheet.csv").write_bytes(POLISH.encode("cp1250"))
    korean = lambda r: "<p>텐서: 7 / 7</p>"  # noqa: E731
    data, warning, _, _, _, _ = moodle.worksheet([record("501", 7)], tmp_path / "sheet.csv",
                                                 korean)
    assert "cannot hold" in warning and "UTF-8" in warning
    assert data.startswith(b"\xef\xbb\xbf") and "텐서" in data.decode("utf-8-sig")
    assert "Zażółć Gęślą" in data.decode("utf-8-sig")


def test_a_utf8_bom_worksheet_keeps_its_bom_and_line_ends(tmp_path):
    original = ("\ufeff" + POLISH).encode("utf-8")
    (tmp_path / "sheet.csv").write_bytes(original)
    data, _, _, _, _, _ = moodle.worksheet([], tmp_path / "sheet.csv", comment_html)
    assert data == original  # nothing graded: nothing changed


# Blackboard -----------------------------------------------------------------------------

GRADE_CENTRE = ('"Last Name","First Name","Username","Student ID","Last Access","Availability",'
                '"Week 1 [Total Pts: 7 Score] |8812","Week 2 [Total Pts: 9 Score] |8813"\n'
                '"de Vries","Piet","p_devries","1","","Available","",""\n'
                '"Lovelace","Ada","alovelace","2","","Available","",""\n')


def _blackboard(receipt_label="Naam"):
    stamp = "2026-03-01-10-00-00"
    head = f"Week 1 - Tensors_p_devries_attempt_{stamp}"
    later = "Week 1 - Tensors_alovelace_attempt_2026-03-02-10-00-00"
    return {f"{head}.txt": f"{receipt_label}: Piet de Vries (p_devries)\nOpdracht: Week 1\n",
            f"{head}_{A}.ipynb": good(),
            f"{later}_{A}.ipynb": stub(),
            # what a student can add: a file named like another student's receipt and work
            f"{later}_Week 1 - Tensors_p_devries_attempt_2026-03-09-10-00-00.txt":
                "Name: Piet de Vries (p_devries)\n",
            f"{later}_Week 1 - Tensors_p_devries_attempt_2026-03-09-10-00-00_{A}.ipynb": stub()}


def test_blackboard_receipts_in_another_language_keep_the_username(tmp_path):
    found, _ = read(tmp_path, zipped(_blackboard()))
    assert sorted(found) == ["alovelace", "p_devries"]
    assert found["p_devries"].identity.name == "Piet de Vries"
    assert found["p_devries"].identity.attempt == "2026-03-01-10-00-00"  # not the fake one


def test_blackboard_usernames_are_resolved_against_the_grade_centre(tmp_path):
    entries = {k: v for k, v in _blackboard().items() if not k.endswith("00-00.txt")}
    (tmp_path / "gc.csv").write_text(GRADE_CENTRE)
    found, _ = read(tmp_path, zipped(entries), roster=tmp_path / "gc.csv")
    assert sorted(found) == ["alovelace", "p_devries"]
    assert found["p_devries"].identity.name == "Piet de Vries"  # the Grade Centre's name
    without, _ = read(tmp_path, zipped(entries), name="again.zip")
    assert "devries" in without  # what a receiptless name alone gives


def test_the_grade_centre_file_is_found_by_its_content(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a_receipt.txt").write_text("Name: Piet de Vries (p_devries)\n")
    (folder / "gc_C1_fullgc_2026.csv").write_text(GRADE_CENTRE)
    assert lms.roster(Assignment(A, "Week 1"), Course(), folder).name.startswith("gc_C1")


def test_blackboard_upload_fills_the_grade_centres_own_column_with_feedback(tmp_path):
    (tmp_path / "gc.csv").write_text(GRADE_CENTRE)
    text, missing, _ = blackboard.upload(
        [record("p_devries", 5, lms_="blackboard")], Assignment(A, "Week 1"), Course(), 7.0,
        tmp_path / "gc.csv", comment_html)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Username", "Week 1 [Total Pts: 7 Score] |8812", "Feedback to Learner",
                       "Feedback Format"]
    assert rows[1][:2] == ["p_devries", "5"] and rows[1][3] == "HTML"
    assert len(rows) == 2 and missing == ["alovelace"]  # no row for her: no change


@needs_fixtures
def test_a_real_blackboard_receipt_names_its_user():
    receipt = (FIXTURES / "blackboard_receipt_example.txt").read_text()
    assert blackboard.RECEIPT_NAME.search(receipt)["user"] == "500206565"


def test_a_gradebook_saved_as_a_workbook_is_named_not_skipped_in_silence(tmp_path):
    """An export opened and saved again in Excel (.xlsx), or a binary .xls, is not the
    LMS's text file: it is not read, and the run says which file and what to do."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "2026-03-01T0900_Grades-PYT101.xlsx").write_bytes(b"PK\x03\x04workbook")
    (folder / "gc_C1_fullgc.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    logs = []
    assert lms.roster(Assignment(A, "Week 1"), Course(), folder, logs.append) is None
    [line] = logs
    assert line.startswith("warning: 2026-03-01T0900_Grades-PYT101.xlsx, gc_C1_fullgc.xls "
                           "beside the download: a workbook (Excel, LibreOffice) is not read")
    (folder / "gc_C1_fullgc.csv").write_text(GRADE_CENTRE)
    assert lms.roster(Assignment(A, "Week 1"), Course(), folder, logs.append).suffix == ".csv"
    assert len(logs) == 1  # a readable gradebook beside it: nothing to say


@needs_fixtures
def test_a_real_grade_centre_header_as_the_xls_download_writes_it(tmp_path):
    """The real Grade Centre's columns (ids after "|", titles in braces), in the UTF-16
    tab-separated ``.xls`` that *Work Offline > Download* writes: the assignment's own
    column is chosen by title, and the score goes on its Total Pts (2)."""
    first, *columns = (FIXTURES / "blackboard_gc_header_columns.txt").read_text(
        encoding="utf-8").splitlines()
    header = [c.strip() for c in first.split("|")] + [c.strip()[2:] for c in columns]
    rows = [header, ["Lovelace", "Ada", "alovelace", "2", "", "Available", "88", "", "", ""],
            ["Erdős", "Pál", "perdos", "3", "", "Available", "", "", "", ""]]
    path = tmp_path / "gc_MTHA4007B_fullgc_2026-03-01.xls"
    path.write_bytes("\r\n".join("\t".join(f'"{c}"' for c in row) for row in rows)
                     .encode("utf-16"))
    assert lms.roster(Assignment(A, "New Assignment"), Course(), tmp_path) == path
    text, missing, _ = blackboard.upload(
        [record("alovelace", 7, lms_="blackboard")], Assignment(A, "New Assignment"),
        Course(), 7.0, path, comment_html)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Username", "New Assignment [Total Pts: 2 Score] |346905"]
    assert rows[1][:2] == ["alovelace", "2"] and missing == ["perdos"]
    by_id, _, _ = blackboard.upload([record("alovelace", 7, lms_="blackboard")],
                                    Assignment(A, "Week 1", lms_id="337485"), Course(), 7.0,
                                    path)
    assert by_id.splitlines()[0] == \
        '"Username","{003}{MTHA4007B-25-SEM2-B} [Total Pts: 100 Score] |337485"'
    assert by_id.splitlines()[1] == '"alovelace","100"'


# Canvas ---------------------------------------------------------------------------------

@needs_fixtures
@pytest.mark.parametrize("fixture, title, chosen", [
    ("canvas_export_sv_vahtras.csv", "Computer lab: basic Unix", "Computer lab: basic Unix (23892)"),
    ("canvas_export_header_2018.csv", "Problem Set 1", "Problem Set 1 (208548)"),
])
def test_canvas_uses_the_exports_own_column_when_its_title_matches(tmp_path, fixture, title,
                                                                     chosen):
    text, _, _, _ = canvas.gradebook([record("12345", 7, lms_="canvas")], Assignment(A, title),
                                  Course(), 7.0, FIXTURES / fixture)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", chosen]


@needs_fixtures
def test_canvas_with_several_columns_and_none_chosen_lists_them():
    with pytest.raises(SheetError, match=r"3 assignment columns.*Computer lab:git \(24233\).*"
                                         r"set lms_id"):
        canvas.gradebook([], Assignment(A, "Week 9"), Course(), 7.0,
                         FIXTURES / "canvas_export_sv_vahtras.csv")


def test_canvas_shows_the_rosters_names(tmp_path):
    (tmp_path / "export.csv").write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (55)\n"
        "    Points Possible,,,,,7\n\"Nguyễn, Thị Hồng\",101,,,A,\n", encoding="utf-8")
    found, _ = read(tmp_path, zipped({f"nguyễnthịhồng_101_9001_{A}.ipynb": good()}),
                    roster=tmp_path / "export.csv")
    assert found["101"].identity.name == "Nguyễn, Thị Hồng"


# Gradescope ------------------------------------------------------------------------------

@needs_fixtures
def test_gradescope_metadata_keyed_by_file_name(tmp_path):
    entries = {"submission_metadata.yml":
               (FIXTURES / "gradescope_otter_sample_metadata.yml").read_bytes(),
               "odd_filename--s2034.ipynb": good(), "GROUPodd_filename--s2034.ipynb": stub(),
               "file1.pdf": b"%PDF", "file2.pdf": b"%PDF"}
    found, _ = read(tmp_path, zipped(entries))
    assert found["someOtherName"].path.name == "GROUPodd_filename--s2034.ipynb"
    assert found["12345"].identity.ignored == ["file1.pdf"]  # a PDF: a row, not graded
    submissions = discover(list(found.values()) + [found["someName"]], A, "k", print)
    assert len(submissions) == len(found)


@needs_fixtures
def test_gradescope_metadata_keyed_by_folder_names_of_any_form(tmp_path):
    """otter's own test export: keys such as ``12345_empty_file``, each a folder of that
    submission's files (here one holds the notebook, one only a PDF: a row, not graded)."""
    metadata = (FIXTURES / "gradescope_otter_testgrade_metadata.yml").read_bytes()
    keys = [line[:-1] for line in metadata.decode().splitlines() if line.endswith("_file:")]
    entries = {"submission_metadata.yml": metadata, f"{keys[0]}/{A}.ipynb": good(),
               f"{keys[1]}/HW04__1_.pdf": b"%PDF"}
    found, _ = read(tmp_path, zipped(entries))
    assert found["12345"].path.name == f"{A}.ipynb"
    assert found["23456"].path.name == keys[1] and found["23456"].identity.ignored == [
        "HW04__1_.pdf"]
    assert len(found) == 2  # the keys with no folder in the download have no submission


def test_two_submissions_for_one_sid_are_a_row_that_says_so(tmp_path):
    metadata = ("submission_1:\n  :submitters:\n  - {':name': Ada, ':sid': s1}\n"
                "submission_2:\n  :submitters:\n  - {':name': Not Ada, ':sid': s1}\n")
    found = lms.read([_unzipped(tmp_path, {"submission_metadata.yml": metadata,
                                           f"submission_1/{A}.ipynb": good(),
                                           f"submission_2/{A}.ipynb": stub()})],
                     A, tmp_path / "u", print)
    logs = []
    chosen = discover(found, A, "k", logs.append)
    assert len(chosen) == 1 and chosen[0].identity.attempt == "submission_1"
    assert chosen[0].identity.ignored == ["another submission for the same id: submission_2"]
    assert "same student id" in logs[0]


def test_yaml_aliases_cannot_blow_up_an_id(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi"))
    bomb += "submission_1:\n  :submitters:\n  - {':sid': *i}\n"
    logs = []
    found = gradescope.read(_unzipped(tmp_path, {"submission_metadata.yml": bomb,
                                                  f"submission_1/{A}.ipynb": good()}), A,
                            logs.append)
    assert [s.student for s in found] == ["submission_1"] and "aliases" in logs[0]
    long = "submission_1:\n  :submitters:\n  - {':sid': [1, 2], ':name': '" + "x" * 5000 + "'}\n"
    (tmp_path / "d" / "submission_metadata.yml").write_text(long)
    found = gradescope.read(tmp_path / "d", A, logs.append)
    assert found[0].student == "submission_1" and len(found[0].identity.name) == 200


def _unzipped(tmp_path, entries):
    folder = tmp_path / "d"
    shutil.rmtree(folder, ignore_errors=True)
    for name, content in entries.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


# Caps --------------------------------------------------------------------------------

def test_the_unpacking_cap_counts_zips_inside_the_download(tmp_path, monkeypatch):
    inner = zipped({f"{name}_{n}_assignsubmission_file/{A}.ipynb": good()
                    for n, name in ((501, "Ada"), (502, "Bob"))})
    monkeypatch.setattr(download, "MAX_TOTAL", int(len(good()) * 6.5))
    outer = zipped({"part1.zip": inner, "part2.zip": inner.replace(b"Ada", b"Cyd")})
    found, logs = read(tmp_path, outer)
    assert len(found) < 4 and any("unpacks to more than" in line for line in logs)


def test_a_download_over_the_cap_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "MAX_TOTAL", 10)
    with pytest.raises(lms.LayoutError, match="unpacks to more than"):
        read(tmp_path, downloads.moodle())


def test_grading_a_download_that_cannot_be_read_exits_non_zero(tmp_path, capsys):
    from autograder import __main__ as cli
    (tmp_path / "class.zip").write_bytes(downloads.moodle()[:300])
    assert cli.main(["grade", A, str(tmp_path / "class.zip"), "--out",
                     str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is not a readable zip" in error


@pytest.mark.parametrize("encoding, name", [("cp1250", "Erdős Pál"), ("cp1250", "Łukasz Świątek"),
                                            ("cp1252", "José Núñez"), ("cp1252", "Zoë Brontë"),
                                            ("cp949", "김민지")])
def test_a_short_worksheet_in_a_windows_code_page_is_read_in_it(tmp_path, encoding, name):
    (tmp_path / "sheet.csv").write_bytes(
        ("Identifier,Full name,Grade,Maximum grade\n"
         f"Participant 501,{name},,10.00\n").encode(encoding))
    assert moodle.names(tmp_path / "sheet.csv") == {"501": name}
    data, warning, _, _, _, _ = moodle.worksheet([record("501", 7)], tmp_path / "sheet.csv",
                                                 comment_html)
    assert not warning and name in data.decode(encoding)
