"""Each LMS's gradebook file, re-read with that LMS's import rules, matches grades.csv."""
import csv
import io
import zipfile

import pytest

from autograder.config import Assignment, Course
from autograder.lms import blackboard, brightspace, canvas, moodle
from autograder.lms.export import absent, export
from autograder.lms.sheet import Sheet, SheetError
from autograder.records import Identity, QuestionResult, Record, Status, msg
from autograder.reports.feedback import comment_html
from autograder.reports.pages import feedback
from autograder.reports.gradebook import gradebook

WEEK = Assignment("tensor_shapes", "Week 1, \"tensors\"", "55")
HOSTILE = '=HYPERLINK("http://x","y")'


def record(student, score, name, lms, late=False):
    return Record(student, "tensor_shapes", f"{student}.ipynb", Status.GRADED, None, score, 7,
                  {"make_tensor": QuestionResult(min(score, 2), 2, failed=[] if score >= 2 else
                                                 [msg("Use {name}", name="device=")]),
                   "rest": QuestionResult(max(score - 2, 0), 5)},
                  identity=Identity(name, lms, student, late))


def rows(text, delimiter=","):
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def generic(records):
    return {row["student"]: row["score"] for row in csv.DictReader(io.StringIO(
        gradebook(records, ["make_tensor", "rest"])))}


def test_canvas_import_from_the_gradebook_export(tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section,"Week 1, ""tensors"" (55)",'
                      'Current Points\n    Points Possible,,,,,7,\n'
                      '"Lovelace, Ada",101,s1,ada,A,,\n'
                      f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",102,s2,x,A,,\n'
                      '"O\'Brien, ""Pat""",103,s3,pat,B,,\n', encoding="utf-8")
    records = [record("101", 7, "lovelaceada", "canvas"), record("102", 3.5, "x", "canvas"),
               record("999", 2, "stranger", "canvas")]
    text, missing, unknown, _ = canvas.gradebook(records, WEEK, Course(), 7.0, roster)
    table = rows(text)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        'Week 1, "tensors" (55)']
    assert table[1][0] == "    Points Possible" and table[1][-1] == "7"
    assert canvas_reads(table, 'Week 1, "tensors" (55)')["101"] == "7"
    by_id = {row[1]: row for row in table[2:]}
    assert by_id["101"][0] == "Lovelace, Ada" and by_id["103"][0] == "O'Brien, \"Pat\""
    assert by_id["102"][0].startswith("'=")  # a spreadsheet shows it, never runs it
    assert missing == ["103"] and by_id["103"][-1] == ""  # marked blank, listed
    assert unknown == ["999"]
    expected = generic(records)
    assert all(by_id[i][-1] == expected[i] for i in ("101", "102"))
    text, _, _, _ = canvas.gradebook(records, WEEK, Course(missing="zero"), 7.0, roster)
    assert {r[1]: r[-1] for r in rows(text)[2:]}["103"] == "0"


def canvas_reads(table, title):
    """{user id: grade} as Canvas's GradebookImporter reads the file: the header starts with
    Student, ID (or LastName, FirstName, ID), the SIS columns it knows follow, and the column
    just before the assignments' must be Section; rows whose first cell says Points Possible
    are not students."""
    header = table[0]
    split = header[:2] == ["LastName", "FirstName"]
    assert (header[0] == "Student" and header[1] == "ID") or (split and header[2] == "ID")
    count = 4 if split else 3
    if header[count - 1] == "SIS Login ID":
        count += 1
    elif header[count - 1:count + 1] == ["SIS User ID", "SIS Login ID"]:
        count += 2 + (header[count + 1] == "Integration ID")
        count += header[count - 1] == "Root Account"
    assert header[count - 1] == "Section", header
    column = header.index(title)
    return {row[2 if split else 1]: row[column] for row in table[1:]
            if "Points Possible" not in row[0]}


@pytest.mark.parametrize("missing", ["blank", "zero"])
def test_canvas_import_keeps_every_grade_it_did_not_give(tmp_path, missing):
    # lib/gradebook_exporter.rb: a "Manual Posting" row before Points Possible, a custom
    # column after Section, EX (excused), N/A (not assigned), the Test Student last; the
    # importer (gradebook_importer.rb, no_change_to_value?) reads a blank over a grade as
    # deleting it.
    roster = tmp_path / "export.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section,Notes,Week 1 (55),'
                      'Current Points\n,,,,,,Manual Posting,\n'
                      '    Points Possible,,,,,(read only),7,(read only)\n'
                      '"Lovelace, Ada",101,s1,ada,A,,,0\n"Emailed, Late",102,s2,x,A,,5.5,5.5\n'
                      '"Excused, Ed",103,s3,y,A,,EX,0\n"Other, Section",104,s4,z,B,,N/A,0\n'
                      '"Dash, Dee",105,s5,d,A,,-,0\n"Student, Test",106,,t,A,,,0\n')
    text, absent_ones, _, kept = canvas.gradebook([record("101", 7, "lovelaceada", "canvas")],
                                                  Assignment("tensor_shapes", "Week 1", "55"),
                                                  Course(missing=missing), 7.0, roster)
    zero = "0" if missing == "zero" else None
    grades = canvas_reads(rows(text), "Week 1 (55)")
    assert grades == {"101": "7", "102": "5.5", "103": "EX", "104": "N/A",
                      "105": zero or "-", "106": zero or ""}
    assert absent_ones == ["102", "103", "104", "105", "106"] and kept == []
    # Excused or not assigned and still submitted: a score would undo the teacher's decision.
    graded = [record(user, 6, "x", "canvas") for user in ("103", "104")]
    text, _, _, kept = canvas.gradebook(graded, Assignment("tensor_shapes", "Week 1", "55"),
                                        Course(missing=missing), 7.0, roster)
    assert canvas_reads(rows(text), "Week 1 (55)")["103"] == "EX" and kept == ["103", "104"]


def test_scores_go_on_the_lms_columns_own_points(tmp_path):
    canvas_export, grade_centre = tmp_path / "export.csv", tmp_path / "gc.csv"
    canvas_export.write_text("Student,ID,SIS Login ID,Section,Week 1 (55)\n"
                             "    Points Possible,,,,\"12,5\"\n\"Lovelace, Ada\",101,a,A,\n")
    grade_centre.write_text("Username,Week 1 [Összes pont: 20 Pontszám] |8812\nalovelace,\n")
    records = [record("101", 3.5, "Ada", "canvas")]
    table = rows(canvas.gradebook(records, Assignment("tensor_shapes", "Week 1", "55"),
                                  Course(), 7.0, canvas_export)[0])
    assert table[1][-1] == "12.5" and canvas_reads(table, "Week 1 (55)") == {"101": "6.25"}
    upload = blackboard.upload([record("alovelace", 6, "Ada", "blackboard")],
                               Assignment("tensor_shapes", "Week 1", "8812"), Course(), 7.0,
                               grade_centre)[0]
    assert rows(upload)[1] == ["alovelace", "17.14"]  # 6 of 7 is 17.14 of 20


def test_canvas_import_from_an_export_with_split_names_and_every_sis_column(tmp_path):
    roster = tmp_path / "export.csv"  # as lib/gradebook_exporter.rb writes it with these options
    roster.write_text(
        "LastName,FirstName,ID,SIS User ID,SIS Login ID,Integration ID,Root Account,Section,"
        "Notes,Week 1 (55),Current Score\n"
        ",,,,,,,,,Manual Posting,\n"
        "    Points Possible,,,,,,,,,7,(read only)\n"
        "Lovelace,Ada,101,s1,ada,i1,school.example.edu,A,keen,,\n"
        "Curie,Marie,102,s2,marie,i2,school.example.edu,A,,,\n", encoding="utf-8")
    week = Assignment("tensor_shapes", "Week 1", "55")
    text, missing, unknown, _ = canvas.gradebook([record("101", 6.5, "lovelaceada", "canvas")],
                                              week, Course(), 7.0, roster)
    table = rows(text)
    assert table[0] == ["LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID",
                        "Integration ID", "Root Account", "Section", "Week 1 (55)"]
    assert canvas_reads(table, "Week 1 (55)") == {"101": "6.5", "102": ""}
    assert missing == ["102"] and unknown == []
    assert canvas.is_roster(Sheet(roster))
    assert canvas.names(roster)["101"] == "Lovelace, Ada"


def test_canvas_anonymous_grades_stay_out_of_the_import_and_no_one_is_marked_absent(tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (55)\n"
                      "    Points Possible,,,,,7\n\"Lovelace, Ada\",101,,,A,N/A\n",
                      encoding="utf-8")
    graded = [record("anon_PzS2K", 7, "", "canvas")]
    text, missing, unknown, _ = canvas.gradebook(graded, WEEK, Course(missing="zero"), 7.0,
                                              roster)
    assert canvas_reads(rows(text), "Week 1 (55)") == {"101": "N/A"}  # kept: who sent what?
    assert missing == [] and unknown == []
    assert absent(graded, roster) == []
    lines = export(graded, WEEK, Course(lms="canvas"), 7.0, tmp_path, roster)
    assert any(line.startswith("1 graded anonymously") and "publish" in line
               for line in lines)


def test_canvas_import_without_a_roster_lists_the_graded(tmp_path):
    text, missing, unknown, _ = canvas.gradebook([record("101", 7, "-ada", "canvas")], WEEK,
                                              Course(), 7.0)
    assert rows(text) == [  # Canvas's importer needs the identity columns through Section
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", 'Week 1, "tensors" (55)'],
        ["    Points Possible", "", "", "", "", "7"], ["'-ada", "101", "", "", "", "7"]]


def test_moodle_worksheet_is_filled_in_place_with_scaled_grades(tmp_path):
    sheet = tmp_path / "worksheet.csv"
    header = ["Azonosító", "Teljes név", "E-mail cím", "Állapot", "Osztályzat",
              "Maximális osztályzat", "Az osztályzat módosítható", "Utolsó módosítás (beadás)",
              "Utolsó módosítás (osztályzat)", "Visszajelzés megjegyzései"]
    body = [["Résztvevő 501", "Ada Lovelace", "ada@x", "Beadva", "", "100,00", "Igen", "-", "-",
             ""], ["Résztvevő 502", HOSTILE, "p@x", "Nincs beadva", "", "100,00", "Igen", "-",
                   "-", "-10%: late penalty waived"]]
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows([header] + body)
    original = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    sheet.write_bytes(original)
    records = [record("501", 3.5, "Ada Lovelace", "moodle")]
    data, warning, given, missing, unknown, note = moodle.worksheet(records, sheet, comment_html)
    table = rows(data.decode("utf-8-sig"))
    assert data.startswith(b"\xef\xbb\xbf") and not warning and not note
    assert table[0] == header  # the headers Moodle wrote
    assert table[1][4] == "50,00" and table[1][0] == "Résztvevő 501"  # its decimal comma
    assert table[1][9].startswith("<p>tensor_shapes: 3.5 / 7</p><ul><li>make_tensor: 2 / 2")
    assert "`device=`" not in table[1][9]
    # a row not graded goes back byte for byte: the formula-like name and the teacher's
    # comment starting with "-" (Moodle's importer would rewrite a changed comment)
    assert original.splitlines()[2] == data.splitlines()[2]
    assert given == [("501", "Ada Lovelace", records[0])]
    assert missing == ["502"] and unknown == []
    zero = rows(moodle.worksheet(records, sheet, comment_html, zero=True)[0].decode("utf-8-sig"))
    assert zero[2][4] == "0,00" and zero[2][9] == "-10%: late penalty waived"
    body[1][4] = "80,00"  # graded by hand before: kept
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows([header] + body)
    sheet.write_bytes(buffer.getvalue().encode("utf-8"))
    again = moodle.worksheet(records, sheet, comment_html, zero=True)[0]
    assert again.splitlines()[2] == buffer.getvalue().encode("utf-8").splitlines()[2]


def test_moodle_worksheet_in_an_unlisted_language_is_read_by_its_shape(tmp_path):
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text("Kennung,Vollständiger Name,Status,Bewertung,Bestwertung,Zuletzt,Notiz\n"
                     "Teilnehmer/in 501,Ada,Abgegeben,,10.00,\"5. März 2026, 10:00\",\n"
                     "Teilnehmer/in 502,Pál,Abgegeben,,10.00,-,\n")
    data, _, _, _, _, note = moodle.worksheet([record("501", 7, "Ada", "moodle")], sheet,
                                              comment_html)
    table = rows(data.decode())
    assert [row[3] for row in table[1:]] == ["10.00", ""] and not note
    assert table[1][6].startswith("<p>tensor_shapes: 7 / 7</p>")  # found by its place


def test_a_worksheet_without_a_feedback_column_says_so(tmp_path):
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text("Kennung,Vollständiger Name,Status,Bewertung,Bestwertung\n"
                     "Teilnehmer/in 501,Ada,Abgegeben,,10.00\n")
    data, _, _, _, _, note = moodle.worksheet([record("501", 7, "Ada", "moodle")], sheet,
                                              comment_html)
    assert "no feedback comments column" in note and "10.00" in data.decode()


@pytest.mark.parametrize("content", [b"name,email\nAda,ada@x\n", b"ID,x\n1,\"" + b"y" * 200_000,
                                     b"\x81\x8d\x8f\xff\xfe\x00"])
def test_a_roster_that_is_not_the_lms_export_is_one_line(tmp_path, content):
    roster = tmp_path / "names.csv"
    roster.write_bytes(content)
    with pytest.raises(SheetError):
        canvas.gradebook([], WEEK, Course(), 7.0, roster)
    with pytest.raises(SheetError):
        blackboard.upload([], WEEK, Course(), 7.0, roster)
    with pytest.raises(SheetError):
        moodle.worksheet([], roster, comment_html)


def test_moodle_worksheet_without_a_grade_column_is_one_clear_error(tmp_path):
    sheet = tmp_path / "not-a-worksheet.csv"
    sheet.write_text("a,b\n1,2\n")
    with pytest.raises(SheetError, match="no Grade column"):
        moodle.worksheet([], sheet, comment_html)


def test_moodle_feedback_zip_names_each_participant():
    data = moodle.feedback_zip([("501", "Ada_Lovelace", record("501", 7, "A", "moodle")),
                                ("502", "../..\\evil\x1b/x", record("502", 7, "B", "moodle"))],
                               feedback)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == ["Ada Lovelace_501_assignsubmission_file_feedback.html",
                     ".. .. evil  x_502_assignsubmission_file_feedback.html"]


def test_blackboard_upload_from_a_utf16_grade_centre_download(tmp_path):
    roster = tmp_path / "gc_C1_fullgc.xls"
    text = ("\"Last Name\"\t\"First Name\"\t\"Username\"\t\"Student ID\"\t"
            "\"Week 1 [Total Pts: 7 Score] |8812\"\n"
            "\"Lovelace\"\t\"Ada\"\t\"alovelace\"\t\"1\"\t\"\"\n"
            "\"Nowak\"\t\"Paweł\"\t\"p_nowak\"\t\"2\"\t\"\"\n"
            "\"Emailed\"\t\"Late\"\t\"late\"\t\"3\"\t\"5.00000\"\n")
    roster.write_bytes(text.encode("utf-16"))
    records = [record("alovelace", 6, "Ada Lovelace", "blackboard"),
               record("@evil", 1, "x", "blackboard")]
    week = Assignment("tensor_shapes", "Week 1", "8812")
    upload, missing, unknown = blackboard.upload(records, week, Course(), 7.0, roster)
    table = rows(upload)
    assert table[0] == ["Username", "Week 1 [Total Pts: 7 Score] |8812"]
    assert table[1:] == [["alovelace", generic(records)["alovelace"]]]  # no row: no change
    assert missing == ["p_nowak", "late"] and unknown == ["@evil"]
    zero = rows(blackboard.upload(records, week, Course(missing="zero"), 7.0, roster)[0])
    assert zero[1:] == [["alovelace", "6"], ["p_nowak", "0"]]  # "late" keeps its 5


LAB = Assignment("tensor_shapes", "Week 1")
BRIGHTSPACE_EXPORT = (
    "OrgDefinedId,Username,Last Name,First Name,Email,"
    "Week 1 Points Grade <Numeric MaxPoints:14 Weight:10 Category:Labs>,"
    "Quiz Points Grade <Numeric MaxPoints:5>,End-of-Line Indicator\n"
    "#7001,#alovelace,Lovelace,Ada,ada@example.edu,,3,#\n"
    f"#7002,#pnowak,Nowak,Paweł,p@example.edu,,4,#\n"
    "#7005,#late,Emailed,Late,l@example.edu,9,,#\n"
    f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",#evil,Evil,Eve,e@example.edu,,,#\n')


def brightspace_reads(table):
    """{user: grade} as Brightspace's import takes the file: OrgDefinedId first, Username
    second, "<item> Points Grade" columns, the end-of-line mark last on every row."""
    header = table[0]
    assert header[:2] == ["OrgDefinedId", "Username"] and header[-1] == "End-of-Line Indicator"
    assert all(row[-1] == "#" and len(row) == len(header) for row in table[1:])
    [column] = [i for i, h in enumerate(header) if " Points Grade" in h]
    return {row[1].lstrip("#"): row[column] for row in table[1:]}


@pytest.mark.parametrize("missing", ["blank", "zero"])
def test_brightspace_import_from_the_grades_export_on_its_scale(tmp_path, missing):
    roster = tmp_path / "grades.csv"
    roster.write_text(BRIGHTSPACE_EXPORT, encoding="utf-8-sig")
    records = [record("alovelace", 7, "Ada Lovelace", "brightspace"),
               record("evil", 3.5, "Eve Evil", "brightspace"),
               Record("Kim Min-ji", "tensor_shapes", "k.ipynb", Status.GRADED, None, 2, 7, {},
                      identity=Identity("Kim Min-ji", "brightspace"))]
    text, absent_ones, unknown = brightspace.grades_import(
        records, LAB, Course(missing=missing), 7.0, roster)
    table = rows(text)
    assert table[0][2] == "Week 1 Points Grade <Numeric MaxPoints:14 Weight:10 Category:Labs>"
    grades = brightspace_reads(table)
    assert grades["alovelace"] == "14" and grades["evil"] == "7"  # on the item's 14 points
    assert table[1][:2] == ["#7001", "#alovelace"]  # the export's ids, as it wrote them
    assert all(not row[0].startswith("=") for row in table[1:])
    assert absent_ones == ["pnowak", "late"] and unknown == ["Kim Min-ji"]
    assert grades.get("pnowak") == ("0" if missing == "zero" else None)  # never a blank
    assert "late" not in grades  # the 9 the export shows stays


def test_brightspace_export_names_the_column_or_says_which_to_choose(tmp_path):
    roster = tmp_path / "grades.csv"
    roster.write_text(BRIGHTSPACE_EXPORT.replace("Week 1 Points", "Lab 1 Points"))
    with pytest.raises(SheetError, match="2 Points Grade columns and none is titled"):
        brightspace.grades_import([], LAB, Course(), 7.0, roster)
    roster.write_text("OrgDefinedId,Username,End-of-Line Indicator\n#1,#a,#\n")
    text, _, _ = brightspace.grades_import([record("a", 7, "A", "brightspace")], LAB,
                                           Course(), 7.0, roster)
    assert rows(text)[0][2] == 'Week 1 Points Grade'  # a new item, on our scale
    assert brightspace_reads(rows(text)) == {"a": "7"}
