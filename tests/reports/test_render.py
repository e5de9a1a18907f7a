"""Messages render as text, Markdown or HTML, with student text kept inert in each."""
import html.parser

import pytest

from autograder.records import msg
from autograder.reports.render import quote, render

HOSTILE = ["# Heading\n## more", "<script>alert(1)</script>", "[x](javascript:alert(1))",
           "a`b``c", "line\rover\u2028next", "\ud800 lone surrogate", "*bold* _it_ |table|",
           "`", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_student_text_stays_one_inert_markdown_code_span(text):
    out = render(msg("{function} raised {error}", function="f", error=text), "markdown")
    assert "\n" not in out and "\r" not in out
    if text:
        span = out.split(" raised ", 1)[1]
        fence = span[: len(span) - len(span.lstrip("`"))]
        assert span.endswith(fence) and fence not in span[len(fence):-len(fence)]
    out.encode("utf-8")  # always encodable


@pytest.mark.parametrize("text", HOSTILE)
def test_student_text_in_html_is_escaped(text):
    out = render(msg("got {value}", value=text), "html")
    tags = []

    class Collect(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)
    Collect().feed(out)
    assert set(tags) <= {"code"}


def test_nested_messages_are_prose_and_numbers_keep_their_format():
    message = msg("{what} is {value:.2f}", what=msg("the loss of {f}", f="fit"), value=2.0)
    assert render(message) == "the loss of fit is 2.00"
    assert render(message, "markdown") == "the loss of `fit` is 2.00"


def test_a_broken_template_falls_back_to_its_text():
    assert render(msg("{missing} here")) == "{missing} here"
    assert render(None) == ""


def test_plain_text_is_one_line():
    assert quote("a\nb\r\nc", "text") == "a b c"
