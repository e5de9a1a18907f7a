"""Each LMS's bulk download is recognised from its layout and read into students with
their LMS identity, the attempt graded and lateness."""
import io
import os
import zipfile

import pytest

from autograder import lms
from autograder.lms.download import pick

import downloads
from conftest import solution_cells, stub_cells
from downloads import A


def read(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    logs = []
    found = lms.read([path], A, tmp_path / "unpacked", logs.append)
    return {s.student: s for s in found}, logs


def test_canvas_ids_late_marks_and_reuploads(tmp_path):
    found, _ = read(tmp_path, "submissions.zip", downloads.canvas())
    assert sorted(found) == ["101", "102", "103", "104"]
    assert found["101"].identity.name == "lovelaceada" and not found["101"].identity.late
    assert found["102"].identity.late and found["102"].identity.name == "erdőspál"
    assert found["103"].path.name.endswith(f"{A}-1.ipynb")  # the re-upload is graded
    assert found["103"].identity.ignored == [f"{A}.ipynb"]
    assert found["104"].identity.ignored == ["notes.txt"]  # no notebook: still a row
    assert {s.identity.lms for s in found.values()} == {"canvas"}


def test_a_canvas_text_entry_or_link_is_a_row_without_a_notebook(tmp_path):
    # lib/content_zipper.rb: a text entry is <prefix>_text.html, a website URL _link.html
    found, _ = read(tmp_path, "submissions.zip", downloads.zipped({
        f"lovelaceada_101_9001_{A}.ipynb": downloads.good(),
        "erdőspál_LATE_102_link.html": "<html>https://colab.research.google.com/x</html>",
        "kimminji_103_text.html": "<html>def make_tensor(shape, device): ...</html>",
        "LATE_anon_x7QmA_text.html": "<html></html>"}))
    assert sorted(found) == ["101", "102", "103", "anon_x7QmA"]
    assert found["102"].identity.late and found["102"].identity.name == "erdőspál"
    assert found["102"].identity.ignored == ["erdőspál_LATE_102_link.html"]
    assert found["103"].path.name == "103-no-notebook" and found["anon_x7QmA"].identity.late


def test_canvas_anonymous_grading_downloads_are_one_row_per_anonymous_id(tmp_path):
    # lib/content_zipper.rb: [LATE_]anon_<anonymous id>_<attachment id>_<file> (no name)
    found, _ = read(tmp_path, "submissions.zip", downloads.zipped({
        f"anon_PzS2K_9001_{A}.ipynb": downloads.good(),
        f"LATE_anon_x7QmA_9002_{A}.ipynb": downloads.stub(),
        f"anon_Hk3bZ_9003_{A}.ipynb": downloads.good(), "anon_Hk3bZ_9004_notes.txt": "x"}))
    assert sorted(found) == ["anon_Hk3bZ", "anon_PzS2K", "anon_x7QmA"]
    assert found["anon_x7QmA"].identity.late and not found["anon_PzS2K"].identity.late
    assert found["anon_Hk3bZ"].identity.ignored == ["notes.txt"]
    assert all(s.identity.lms == "canvas" and s.identity.name == "" for s in found.values())


def test_a_script_is_chosen_only_where_a_student_sent_no_notebook(tmp_path):
    found, _ = read(tmp_path, "submissions.zip", downloads.zipped({
        f"lovelaceada_101_9001_{A}.py": "x = 1\n",
        "erdospal_102_9002_helpers.py": "x = 1\n",
        f"erdospal_102_9003_{A}.ipynb": downloads.good()}))
    assert found["101"].identity.attempt == f"{A}.py"
    assert found["102"].identity.attempt == f"{A}.ipynb"
    assert not found["102"].identity.ignored  # a module beside it, which it may import
    assert list(found["102"].beside) == ["helpers.py"]


def test_the_answers_are_graded_beside_a_copy_of_the_stub_or_a_draft(tmp_path):
    """Several notebooks from one student: the one answering most of the questions counts,
    whatever the names; a copy of the stub named after the assignment does not."""
    draft = downloads.notebook(stub_cells(A)[:4] + solution_cells(A)[4:])
    found, _ = read(tmp_path, "submissions.zip", downloads.zipped({
        f"lovelaceada_101_9001_{A}.ipynb": downloads.stub(),
        "lovelaceada_101_9001_my answers.ipynb": downloads.good(),
        "erdőspál_102_9002_final.ipynb": downloads.good(),
        "erdőspál_102_9002_draft.ipynb": draft}))
    assert found["101"].path.name.endswith("my answers.ipynb")
    assert found["101"].identity.ignored == [f"{A}.ipynb"]
    assert found["102"].path.name.endswith("final.ipynb")
    assert found["102"].identity.ignored == ["draft.ipynb"]


def test_jupyters_autosaved_copy_is_never_the_one_graded(tmp_path):
    """A student's folder as uploaded to Gradescope, .ipynb_checkpoints included: the
    autosave may hold more answers than the notebook saved last, but it is not the work."""
    (tmp_path / ".ipynb_checkpoints").mkdir()
    saved = tmp_path / f"{A}.ipynb"
    saved.write_text(downloads.stub())
    autosave = tmp_path / ".ipynb_checkpoints" / f"{A}-checkpoint.ipynb"
    autosave.write_text(downloads.good())
    assert pick([autosave, saved], A)[:2] == (saved, [autosave])


def test_moodle_participants_with_full_names(tmp_path):
    found, _ = read(tmp_path, "COURSE-Week 1-123.zip", downloads.moodle())
    assert sorted(found) == ["501", "502", "503"]
    assert found["502"].identity.name == "Erdős Pál"
    assert found["503"].path.name == f"{A}.ipynb"  # found in a subfolder
    assert found["503"].identity.ignored == ["onlinetext.html"]


def test_blackboard_latest_attempt_and_usernames_with_underscores(tmp_path):
    found, _ = read(tmp_path, "gradebook_C1_Week1.zip", downloads.blackboard())
    assert sorted(found) == ["alovelace", "p_nowak"]
    ada = found["alovelace"]
    assert ada.identity.attempt == "2026-03-02-09-30-00"
    assert ada.identity.ignored == ["attempt 2026-03-01-10-00-00"]
    assert "2026-03-02" in ada.path.name and ada.identity.name == "Ada Lovelace"
    assert found["p_nowak"].identity.name == "Paweł Nowak"


@pytest.mark.parametrize("folders", [False, True])
def test_brightspace_latest_submission_by_name_or_by_the_exports_username(tmp_path, folders):
    found, _ = read(tmp_path, "Week 1 Download Mar 3, 2026 812 AM.zip",
                    downloads.brightspace(folders=folders))
    assert sorted(found) == ["Ada Lovelace", "Kim Min-ji", "Paweł Nowak"]
    ada = found["Ada Lovelace"]
    assert ada.identity.attempt == "Mar 2, 2026 930 PM" and "3187-" in str(ada.path)
    assert ada.identity.ignored == ["submission of Mar 1, 2026 1005 AM"]
    assert ada.identity.user_id == "" and ada.identity.lms == "brightspace"
    assert found["Paweł Nowak"].path.name.endswith("hw - week 1.ipynb")
    assert found["Kim Min-ji"].identity.ignored == ["notes.txt"]  # no notebook: still a row
    export = tmp_path / "grades.csv"
    export.write_text("OrgDefinedId,Username,Last Name,First Name,End-of-Line Indicator\n"
                      "#7001,#alovelace,Lovelace,Ada,#\n#7002,#pnowak,Nowak,Paweł,#\n"
                      "#7003,#kimmj,Min-ji,Kim,#\n#7004,#kimmj2,Min-ji,Kim,#\n")
    path = tmp_path / "again.zip"
    path.write_bytes(downloads.brightspace(folders=folders))
    logs = []
    named = {s.student: s for s in lms.read([path], A, tmp_path / "u2", logs.append, export)}
    assert sorted(named) == ["Kim Min-ji (submission 3141)", "alovelace", "pnowak"]
    assert named["pnowak"].identity.user_id == "pnowak"
    assert named["Kim Min-ji (submission 3141)"].identity.user_id == ""  # two in the export
    assert logs == ["warning: 2 students named Kim Min-ji in the grades export: each of "
                    "their submissions is its own row, out of the import file; enter those "
                    "grades by hand"]


def test_a_blackboard_attempt_with_only_a_receipt_is_a_row_and_never_beats_a_file(tmp_path):
    head = "Week 1 - Tensors_{}_attempt_{}"
    found, _ = read(tmp_path, "gradebook_C1_Week1.zip", downloads.zipped({
        head.format("alovelace", "2026-03-01-10-00-00") + f"_{A}.ipynb": downloads.good(),
        head.format("alovelace", "2026-03-01-10-00-00") + ".txt": downloads.receipt(
            "Ada Lovelace", "alovelace", "2026-03-01-10-00-00"),
        head.format("alovelace", "2026-03-02-10-00-00") + ".txt": downloads.receipt(
            "Ada Lovelace", "alovelace", "2026-03-02-10-00-00"),  # "sorry, late": text only
        head.format("p_nowak", "2026-03-01-12-00-00") + ".txt": downloads.receipt(
            "Paweł Nowak", "p_nowak", "2026-03-01-12-00-00")}))
    assert sorted(found) == ["alovelace", "p_nowak"]
    assert found["alovelace"].identity.attempt == "2026-03-01-10-00-00"
    assert found["alovelace"].identity.ignored == ["attempt 2026-03-02-10-00-00"]
    assert found["p_nowak"].path.name == "p_nowak-no-notebook"
    assert found["p_nowak"].identity.name == "Paweł Nowak"


def test_notebooks_named_like_a_brightspace_folder_are_not_one(tmp_path):
    for name in ("2024-01 - Ada - 2024.ipynb", "2024-02 - Bob - 2024.ipynb"):
        (tmp_path / name).write_text(downloads.good())
    assert not lms.brightspace.detect(tmp_path)  # a file's name ends with " - <file>"


def test_gradescope_submitters_from_the_metadata(tmp_path):
    found, _ = read(tmp_path, "export.zip", downloads.gradescope())
    assert sorted(found) == ["minji@example.edu", "s1", "s3"]  # a group counts for each
    assert found["minji@example.edu"].identity.name == "김민지"
    assert found["s3"].path == found["minji@example.edu"].path


def test_names_without_the_utf8_flag_and_a_zip_inside_a_zip(tmp_path):
    inner = downloads.zipped({f"erdőspál_102_9002_{A}.ipynb": downloads.good()},
                             utf8_flag=False)
    found, _ = read(tmp_path, "wrapped.zip", downloads.zipped({"submissions.zip": inner}))
    assert found["102"].identity.name == "erdőspál"


def test_a_folder_of_downloads_is_read_zip_by_zip(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "canvas.zip").write_bytes(downloads.canvas())
    (folder / "moodle.zip").write_bytes(downloads.moodle())
    (folder / "roster.csv").write_text("Student,ID\n")
    found = lms.read([folder], A, tmp_path / "unpacked", lambda *_: None)
    assert len(found) == 7 and lms.lms_of(found) == "canvas"


def test_hostile_zips_write_nothing_outside_and_make_no_links(tmp_path):
    data = downloads.zipped({"../evil_101_1_x.ipynb": "x", "/abs_102_2_x.ipynb": "x",
                             f"ok_103_3_{A}.ipynb": downloads.good()})
    buffer_path = tmp_path / "link.zip"
    with zipfile.ZipFile(buffer_path, "w") as archive:
        info = zipfile.ZipInfo(f"link_104_4_{A}.ipynb")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
        archive.writestr(f"ok_105_5_{A}.ipynb", downloads.good())
    found, logs = read(tmp_path, "evil.zip", data)
    assert sorted(found) == ["103"]
    assert any("outside" in line for line in logs)
    assert not (tmp_path / "evil_101_1_x.ipynb").exists()
    found = lms.read([buffer_path], A, tmp_path / "unpacked", lambda *_: None)
    assert [s.student for s in found] == ["105"]
    assert not any(os.path.islink(p) for p in (tmp_path / "unpacked").rglob("*"))


def test_a_broken_download_stops_the_run_but_a_broken_student_zip_is_a_row(tmp_path):
    path = tmp_path / "cut.zip"
    path.write_bytes(downloads.canvas()[:200])
    with pytest.raises(lms.LayoutError, match="cut.zip is not a readable zip"):
        lms.read([path], A, tmp_path / "unpacked", print)
    (tmp_path / "class").mkdir()
    path.rename(tmp_path / "class" / "ann.zip")
    (tmp_path / "class" / "bob.ipynb").write_text(downloads.good())
    found = lms.read([tmp_path / "class"], A, tmp_path / "unpacked", print)
    assert [s.student for s in found] == ["ann", "bob"]  # one student's broken zip: a row


def _unpacked_as(tmp_path, layout):
    """The Canvas download as Windows' "Extract All" leaves it (a folder named after the zip),
    as a Mac zips that folder again (__MACOSX/, .DS_Store), or one folder deeper."""
    with zipfile.ZipFile(io.BytesIO(downloads.canvas())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if layout == "extracted":
        root = tmp_path / "drop" / "submissions"
        for name, data in members.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        (tmp_path / "drop" / "Thumbs.db").write_bytes(b"\0")
        return tmp_path / "drop"
    if layout == "nested":
        entries = {f"Downloads/submissions/{name}": data for name, data in members.items()}
    else:  # "mac"
        entries = {f"submissions/{name}": data for name, data in members.items()}
        entries.update({"__MACOSX/submissions/._x": b"\0", "submissions/.DS_Store": b"\0",
                        "__MACOSX/._submissions": b"\0"})
    path = tmp_path / "class.zip"
    path.write_bytes(downloads.zipped(entries))
    return path


@pytest.mark.parametrize("layout", ["extracted", "mac", "nested"])
def test_an_unpacked_or_rezipped_download_is_read_like_the_zip(tmp_path, layout):
    as_downloaded, _ = read(tmp_path, "as-downloaded.zip", downloads.canvas())
    found = lms.read([_unpacked_as(tmp_path, layout)], A, tmp_path / "unpacked", print)
    assert sorted(as_downloaded) == ["101", "102", "103", "104"]
    assert {s.student: (s.identity.name, s.path.name, s.identity.lms) for s in found} == {
        s.student: (s.identity.name, s.path.name, "canvas") for s in as_downloaded.values()}


def test_a_class_in_one_unrecognised_folder_is_an_error_not_one_student(tmp_path):
    folder = tmp_path / "drop" / "All submissions"
    folder.mkdir(parents=True)
    for name in ("ann_week3.ipynb", "bob_week3.ipynb", "cy_week3.ipynb"):
        (folder / name).write_text(downloads.good())
    with pytest.raises(lms.LayoutError, match="layout is not recognised: found All "
                       "submissions holding 3 notebooks where one student's folder was "
                       "expected; expected an LMS's download"):
        lms.read([tmp_path / "drop"], A, tmp_path / "unpacked", print)


def test_an_empty_download_is_said_to_be_empty(tmp_path):
    path = tmp_path / "submissions.zip"
    path.write_bytes(downloads.zipped({}))
    with pytest.raises(lms.LayoutError, match="submissions.zip is an empty zip"):
        lms.read([path], A, tmp_path / "unpacked", print)


def test_a_students_unzipped_folder_beside_notebooks_is_graded_as_theirs(tmp_path):
    (tmp_path / "class" / "cy" / "work").mkdir(parents=True)
    (tmp_path / "class" / "cy" / "work" / f"{A}.ipynb").write_text(downloads.good())
    (tmp_path / "class" / "empty").mkdir()
    for name in ("ann", "bob"):
        (tmp_path / "class" / f"{name}.ipynb").write_text(downloads.good())
    logs = []
    found = lms.read([tmp_path / "class"], A, tmp_path / "unpacked", logs.append)
    assert {s.student: s.path.name for s in found} == {
        "ann": "ann.ipynb", "bob": "bob.ipynb", "cy": f"{A}.ipynb"}
    assert any("empty holds no notebook" in line for line in logs)
