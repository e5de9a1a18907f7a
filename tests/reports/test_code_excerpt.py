"""The feedback shows the student's own lines around the line a message names, numbered as
in the cell, that line marked, and always as inert text."""
from autograder.checking.grade import excerpts
from autograder.records import NOT_IMPLEMENTED, QuestionResult, Record, Status, msg
from autograder.reports.feedback import feedback, gradescope_results
from autograder.reports.pages import feedback as page

CELL = ("def sample(W, itos, start, n, seed):\n"      # 1
        "    out = []\n"                               # 2
        "    for _ in range(n):\n"                     # 3
        "        # </pre><script>alert(1)</script> ```\n"  # 4
        "        row = F.one_hot(torch.tensor([ix])) @ W\n"  # 5
        "        out.append('\x1b[2J')\n"              # 6
        "    return ''.join(out)\n")                   # 7
RAISED = "{call} raised {error} (code cell {cell}, line {line}): {message}"


def _record(message):
    code = excerpts([(0, "import torch"), (1, CELL)], [message])
    return Record("ann", "char_model", "ann.ipynb", Status.GRADED, None, 0, 5,
                  {"sample": QuestionResult(0, 5, failed=[message])}, code=code)


def test_the_line_a_message_names_is_shown_with_two_lines_around_it():
    record = _record(msg("{problem}", problem=msg(RAISED, call="sample(...)", error="E", cell=2,
                                                  line=5, message="m")))
    assert record.code == {"2:5": {"first": 3, "lines": CELL.splitlines()[2:7]}}
    text = feedback(record)
    assert "  >   5 |         row = F.one_hot(torch.tensor([ix])) @ W" in text
    assert "      3 |     for _ in range(n):" in text and "      7 |     return" in text
    fence = text.split("\n      3 |")[0].splitlines()[-1].strip()
    assert fence == "````"  # longer than the ``` in the student's comment
    assert "\x1b" not in text
    html = page(record)
    assert "<pre class='code'>" in html and "<mark>&gt;   5 |" in html
    assert "<script>" not in html and "&lt;/pre&gt;&lt;script&gt;" in html
    assert ">   5 |" in gradescope_results(record)["tests"][0]["output"]


def test_nothing_is_shown_without_a_line_or_for_a_line_the_cell_lacks():
    for message in (msg("plain"), msg(RAISED, call="c", error="E", cell=2, line=99, message=""),
                    msg(RAISED, call="c", error="E", cell=9, line=1, message="")):
        record = _record(message)
        assert record.code == {} and "|" not in feedback(record)


def test_a_mistake_that_names_no_line_shows_the_students_function():
    from autograder.checking.grade import _definitions
    from autograder.records import CheckOutcome
    cells = [(0, "import torch"), (1, "x = 1\n\n" + CELL + "\nprint(sample)\n")]
    lost = [CheckOutcome("sample", "id", 1.0, False, msg("plain"))]
    code = _definitions(cells, lost)
    assert code == {"def:sample": {"cell": 2, "first": 3, "lines": CELL.splitlines()}}
    assert _definitions(cells, [CheckOutcome("sample", "id", 1.0, True)]) == {}
    record = Record("ann", "char_model", "ann.ipynb", Status.GRADED, None, 0, 5,
                    {"sample": QuestionResult(0, 5, failed=[msg("plain")])}, code=code)
    text = feedback(record)
    assert "Your `sample`, in code cell 2:" in text and "    9 |     return" in text
    assert "\x1b" not in text and "Your `sample`" in gradescope_results(record)["tests"][0][
        "output"]
    html = page(record)
    assert "in code cell 2:" in html and "<script>" not in html
    assert "kódcellában" in page(record, "hu")
    stub = Record("bob", "char_model", "b.ipynb", Status.GRADED, None, 0, 5, {"sample":
                  QuestionResult(0, 5, failed=[NOT_IMPLEMENTED])}, code=code)
    assert "in code cell" not in feedback(stub)  # "not implemented yet" says where already
