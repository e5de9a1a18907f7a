"""Spreadsheets the LMSs hand out and take back. A sheet is read in whatever encoding and
delimiter the instructor's download has (UTF-8 or UTF-16, else the Windows code page its
text reads best in, else what charset-normalizer finds), and
written back in the same encoding with every row this run did not change byte for byte as
it came; what the project writes into a cell is made safe to open in a spreadsheet."""
import csv
import io
import math

import charset_normalizer

from ..reports.gradebook import cell as clean  # noqa: F401  (the LMS modules use it)


class SheetError(Exception):
    """The file is not a table this LMS wrote; the message says which file and why."""


class Sheet:
    """One spreadsheet file: ``header`` and ``rows`` (lists of cells, padded to the header's
    width; change them in place), and ``dump()`` to write it back."""

    def __init__(self, path):
        self.path = path
        try:
            raw = open(path, "rb").read()
        except OSError as error:
            raise SheetError(f"{path} cannot be read ({error.strerror})") from None
        self.encoding, text = _decode(raw, path)
        first = text.split("\n", 1)[0]
        self.delimiter = max((",", "\t", ";"), key=first.count)
        self.newline = "\r\n" if first.endswith("\r") else "\n"
        self._records = []  # [cells, the text they were read from, the cells as read]
        for cells, source in _records(text, self.delimiter, path):
            self._records.append([cells, source, list(cells)])
        table = [entry[0] for entry in self._records if any(c.strip() for c in entry[0])]
        if not table:
            raise SheetError(f"{path} is empty")
        self.header, self.rows = table[0], table[1:]
        for row in self.rows:
            row += [""] * (len(self.header) - len(row))

    def dump(self):
        """(bytes, warning or ""): rows as read, changed rows written anew, in the encoding
        read; UTF-8 with a BOM when a new character cannot be written in that encoding."""
        parts = []
        for cells, source, original in self._records:
            if cells[:len(original)] == original and not any(cells[len(original):]):
                parts.append(source)
            else:
                buffer = io.StringIO()
                csv.writer(buffer, delimiter=self.delimiter,
                           lineterminator=self.newline).writerow(cells)
                parts.append(buffer.getvalue())
        text = "".join(parts)
        try:
            return text.encode(self.encoding), ""
        except UnicodeEncodeError as error:
            return (text.encode("utf-8-sig"),
                    f"{self.path.name} is in {self.encoding}, which cannot hold "
                    f"{error.object[error.start]!a}: written as UTF-8 (with a BOM) instead; "
                    "choose UTF-8 when you upload it")


def number(text):
    """A finite number as a cell or a header writes it ("7", "7.5", "7,5"), else None."""
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def scale(theirs, ours):
    """The factor that puts a score out of ``ours`` onto the LMS's maximum ``theirs`` (a
    cell's or a header's text): a full score is worth all of it; 1 where it shows none."""
    maximum = number(theirs)
    return maximum / ours if maximum and maximum > 0 and ours else 1.0


def table(rows, quote_all=False):
    """CSV text for a new file: fields holding a comma, quotes or line breaks quoted (or
    every field, ``quote_all``)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n",
               quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue()


# The ANSI code pages Excel saves CSV in on Windows: Western, Central European (Hungarian,
# Polish), Korean; in this order when two read the same.
ANSI = ("cp1252", "cp1250", "cp949")
# What names and headers in the course's languages and their neighbours are written with
EXPECTED = set("áàâäãåçéèêëíìîïñóòôöøúùûüýÿßæœąćęłńśźżőű"
               "ÁÀÂÄÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖØÚÙÛÜÝŸÆŒĄĆĘŁŃŚŹŻŐŰ–—„“”‘’…€°±×·«»")


def _decode(raw, path):
    """(encoding, text): a BOM's encoding, else UTF-8, else the ANSI code page under which
    the text has the fewest characters its languages do not use (a Hungarian "ő" is "õ" in
    Windows-1252), else what charset-normalizer finds."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            break
    else:
        encoding = "utf-8"
    try:
        return encoding, raw.decode(encoding)
    except UnicodeDecodeError:
        pass
    readings = {}
    for encoding in ANSI:
        try:
            readings[encoding] = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    if readings:
        encoding = min(readings, key=lambda name: (_unexpected(readings[name]),
                                                   ANSI.index(name)))
        return encoding, readings[encoding]
    best = charset_normalizer.from_bytes(raw[:1 << 20]).best()
    if best is None or not best.encoding:
        raise SheetError(f"{path} is not text in an encoding that can be recognised")
    try:
        return best.encoding, raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise SheetError(f"{path} is not text in an encoding that can be recognised") from None


def _unexpected(text):
    return sum(1 for c in text if ord(c) > 127 and c not in EXPECTED
               and not "\uac00" <= c <= "\ud7a3")


def _records(text, delimiter, path):
    """(cells, the text they were read from) for each record of a CSV text."""
    lines, taken = iter(io.StringIO(text, newline="")), []

    def feed():
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    try:
        for cells in reader:
            yield cells, "".join(taken)
            taken.clear()
    except csv.Error as error:
        raise SheetError(f"{path}, line {reader.line_num}: not a spreadsheet export "
                         f"({error})") from None
