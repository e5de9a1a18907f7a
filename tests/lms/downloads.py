"""LMS bulk downloads built from each LMS's documented naming, for the tests."""
import io
import json
import zipfile

import yaml

from conftest import solution_cells, stub_cells

A = "tensor_shapes"


def notebook(cells):
    return json.dumps({"cells": [{"cell_type": "code", "source": s, "metadata": {},
                                  "outputs": [], "execution_count": None} for s in cells],
                       "nbformat": 4, "nbformat_minor": 4,
                       "metadata": {"kernelspec": {"language": "python", "name": "python3"}}})


def good(assignment=A):
    return notebook(solution_cells(assignment))


def stub(assignment=A):
    return notebook(stub_cells(assignment))


def zipped(entries, utf8_flag=True, encoding="utf-8"):
    """Zip bytes of {name: text or bytes}; without the UTF-8 flag, names are written as
    raw bytes in ``encoding`` (UTF-8, as some LMSs do, or a Windows DOS code page)."""
    buffer = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            if not utf8_flag:
                raw = name.encode(encoding)
                placeholders[raw] = f"@{len(placeholders)}@".ljust(len(raw), "#").encode()
                name = placeholders[raw].decode()
            archive.writestr(name, content)
    data = buffer.getvalue()
    for raw, placeholder in placeholders.items():
        data = data.replace(placeholder, raw)
    return data


def canvas(A=A):
    """Canvas "Download Submissions": <sortable name>[_LATE]_<user id>_<submission id>_<file>."""
    return zipped({
        f"lovelaceada_101_9001_{A}.ipynb": good(A),
        f"erdőspál_LATE_102_9002_{A}.ipynb": stub(A),          # late, non-ASCII
        f"kimminji_103_9003_{A}.ipynb": stub(A),               # first upload
        f"kimminji_103_9004_{A}-1.ipynb": good(A),             # re-upload: Canvas adds -1
        "obrienpat_104_9005_notes.txt": "not a notebook",
    })


def moodle(A=A):
    """Moodle "Download all submissions" in folders: <Full Name>_<pid>_assignsubmission_file_/."""
    return zipped({
        f"Ada Lovelace_501_assignsubmission_file_/{A}.ipynb": good(A),
        f"Erdős Pál_502_assignsubmission_file_/{A}.ipynb": stub(A),
        f"Kim Min-ji_503_assignsubmission_file_/work/{A}.ipynb": good(A),
        "Kim Min-ji_503_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
    })


def receipt(name, user, stamp):
    return (f"Name: {name} ({user})\nAssignment: Week 1\nDate Submitted: {stamp}\n"
            f"Current Mark: Needs Grading\n\nComments:\nThere are no student comments.\n")


def blackboard(A=A):
    """Blackboard "Assignment File Download": <Assignment>_<username>_attempt_<stamp>_<file>
    plus a .txt receipt per attempt; a username with an underscore; two attempts."""
    entries = {}
    for name, user, stamp, content in (
            ("Ada Lovelace", "alovelace", "2026-03-01-10-00-00", stub(A)),
            ("Ada Lovelace", "alovelace", "2026-03-02-09-30-00", good(A)),
            ("Paweł Nowak", "p_nowak", "2026-03-01-12-00-00", good(A))):
        head = f"Week 1 - Tensors_{user}_attempt_{stamp}"
        entries[f"{head}.txt"] = receipt(name, user, stamp)
        entries[f"{head}_{A}.ipynb"] = content
    return zipped(entries)


def gradescope(A=A):
    """Gradescope "Export Submissions": submission_<id>/ and submission_metadata.yml."""
    metadata = {
        "submission_7001": {":submitters": [{":name": "Ada Lovelace", ":sid": "s1",
                                             ":email": "ada@example.edu"}], ":score": 0.0},
        "submission_7002": {":submitters": [{":name": "김민지", ":sid": "",
                                             ":email": "minji@example.edu"},
                                            {":name": "Pat O'Brien", ":sid": "s3",
                                             ":email": "pat@example.edu"}]},
    }
    return zipped({"submission_metadata.yml": yaml.safe_dump(metadata, allow_unicode=True),
                   f"submission_7001/{A}.ipynb": good(A),
                   f"submission_7002/{A}.ipynb": stub(A)})


def brightspace(A=A, folders=False):
    """Brightspace's "Download" of an assignment's submissions: "<submission id>-<file id> -
    <First Last> - <date> - <file>" beside an index.html; with ``folders``, each submission
    a folder "<submission id>-<file id> - <First Last> - <date>/" inside one named after the
    assignment (how newer versions and a Mac's "Compress" lay it out)."""
    entries = {}
    for sid, name, date, file, content in (
            (3101, "Ada Lovelace", "Mar 1, 2026 1005 AM", f"{A}.ipynb", stub(A)),
            (3187, "Ada Lovelace", "Mar 2, 2026 930 PM", f"{A}.ipynb", good(A)),
            (3140, "Paweł Nowak", "Mar 1, 2026 1159 PM", "hw - week 1.ipynb", good(A)),
            (3141, "Kim Min-ji", "Mar 1, 2026 1200 PM", "notes.txt", "no notebook")):
        head = f"{sid}-{sid + 50000} - {name} - {date}"
        entries[f"Week 1 - Tensors/{head}/{file}" if folders else f"{head} - {file}"] = content
    entries["Week 1 - Tensors/index.html" if folders else "index.html"] = "<html></html>"
    if folders:
        entries["__MACOSX/Week 1 - Tensors/._index.html"] = b"\x00\x05\x16\x07"
    return zipped(entries)
