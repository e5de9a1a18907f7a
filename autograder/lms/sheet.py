"""Spreadsheets the LMSs hand out and take back: read whatever encoding and delimiter the
instructor's download has; write CSV with every cell safe to open in a spreadsheet."""
import csv
import io

from ..reports.gradebook import cell as clean  # noqa: F401  (the LMS modules use it)


class SheetError(Exception):
    """The file is not a table this LMS wrote; the message says which file and why."""


def read_table(path):
    """(header, rows, (encoding, delimiter)) of a CSV or tab-separated export: UTF-8 with
    or without a BOM, UTF-16 as Blackboard's .xls downloads are, or Windows-1252."""
    try:
        raw = open(path, "rb").read()
    except OSError as error:
        raise SheetError(f"{path} cannot be read ({error.strerror})") from None
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise SheetError(f"{path} is not text in a known encoding") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    try:
        table = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                 if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SheetError(f"{path} is not a spreadsheet export ({error})") from None
    if not table:
        raise SheetError(f"{path} is empty")
    return table[0], table[1:], (encoding if raw[:3] != b"\xef\xbb\xbf" else "utf-8-sig",
                                 delimiter)


def write_csv(rows, delimiter=","):
    """CSV text; fields holding the delimiter, quotes or line breaks are quoted."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
