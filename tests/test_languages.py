"""Every student-visible text in four languages: complete catalogs with the English
placeholders, released notebooks whose code is the English code, and in each language the
reference scoring 100%, the stub 0 with translated feedback, and a corpus mistake getting its
hint in that language."""
import ast
import inspect
import io
import json
import tokenize

import pytest

from autograder import i18n, pipeline
from autograder.assignments import NAMES, public_checks, questions
from autograder.config import LANGUAGES, ROOT
from autograder.release import (notebooks_template, release_path, student_notebook,
                                translate_code)
from autograder.reports import pages, write_reports
from autograder.reports.feedback import comment, feedback, gradescope_results
from autograder.reports.render import render

from conftest import FAST
from corpus import WRONG

OTHERS = LANGUAGES[1:]


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_text_is_translated_with_the_same_placeholders(domain):
    # extracted afresh from the code and the notebooks
    template = i18n.feedback_template() if domain == "feedback" else notebooks_template()
    problems = []
    for lang in OTHERS:
        with open(i18n.po_path(lang, domain), "rb") as stream:
            catalog = i18n.read_po(stream, locale=lang)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id)
            if entry is None or not entry.string or entry.fuzzy:
                problems.append(f"{lang}: no translation for {message.id!r}")
                continue
            same = (i18n.placeholders if domain == "feedback" else i18n.fields)
            if same(entry.string) != same(message.id):
                problems.append(f"{lang}: placeholders of {entry.string!r} differ from "
                                f"{message.id!r}")
    assert not problems, ("run `python -m autograder catalogs` and translate:\n" +
                          "\n".join(problems[:40]))


def test_every_check_helper_that_takes_a_feedback_text_has_it_extracted():
    """A template given to a helper of the checks API is found by `catalogs` (so it is
    translated) only where i18n.KEYWORDS names that helper and the text's place."""
    from autograder.checking import expect
    missing = [f"{name}: ({place},)" for name, function in vars(expect).items()
               if callable(function) and not name.startswith("_")
               and getattr(function, "__module__", "") == expect.__name__
               for place, parameter in enumerate(inspect.signature(function).parameters, 1)
               if parameter in ("text", "generic")
               and i18n.KEYWORDS.get(name) != (place,)]
    assert not missing, f"add to i18n.KEYWORDS: {missing}"


def _code_tokens(source):
    """The tokens of Python code without its comments and string literals' text."""
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.NL)]


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("assignment", NAMES)
def test_a_translated_release_keeps_the_code_and_is_current(assignment, lang):
    solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
    released = json.loads(release_path(assignment, lang).read_text())
    assert released == student_notebook(solution, lang), "run `make release`"
    english = student_notebook(solution)
    assert len(released["cells"]) == len(english["cells"])
    for ours, theirs in zip(released["cells"], english["cells"]):
        assert ours["cell_type"] == theirs["cell_type"]
        if ours["cell_type"] == "code":
            ast.parse(ours["source"])
            assert _code_tokens(ours["source"]) == _code_tokens(theirs["source"])
        else:
            assert ours["source"] != theirs["source"] or not theirs["source"].strip()
    for code in public_checks()[assignment].values():
        translated = translate_code(code, lang)
        ast.parse(translated)
        assert _code_tokens(translated) == _code_tokens(code)


def _pasted(notebook, solution):
    """The released notebook with the reference solution pasted into its stubbed cells."""
    notebook = json.loads(json.dumps(notebook))
    for cell, reference in zip(notebook["cells"], solution["cells"]):
        if cell["cell_type"] == "code" and "raise NotImplementedError()" in cell["source"]:
            cell["source"] = "".join(reference["source"])
    return notebook


def _with_cell(notebook, code):
    return {**notebook, "cells": notebook["cells"] + [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": code}]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Per assignment and language: the released notebook with the reference pasted in,
    as released (the stub), and with the first corpus mistake added; graded once."""
    root = tmp_path_factory.mktemp("languages")
    results = {}
    for assignment in NAMES:
        solution = json.loads((ROOT / "solutions" / f"{assignment}.ipynb").read_text())
        folder = root / assignment / "submissions"
        folder.mkdir(parents=True)
        for lang in LANGUAGES:
            released = json.loads(release_path(assignment, lang).read_text())
            reference = _pasted(released, solution)
            for kind, notebook in (("reference", reference), ("stub", released),
                                   ("wrong", _with_cell(reference, WRONG[assignment][0][3]))):
                (folder / f"{kind}-{lang}.ipynb").write_text(json.dumps(notebook))
        records = pipeline.grade(assignment, [folder], root / assignment / "out", 2, FAST,
                                 log=lambda *_: None)
        results[assignment] = ({r.student: r for r in records}, root / assignment)
    return results


@pytest.mark.parametrize("assignment", NAMES)
def test_each_language_grades_the_same_with_feedback_in_that_language(graded, assignment):
    records, folder = graded[assignment]
    name, question, hint, _ = WRONG[assignment][0]
    total = sum(questions(assignment).values())
    for lang in LANGUAGES:
        reference, stub, wrong = (records[f"{kind}-{lang}"]
                                  for kind in ("reference", "stub", "wrong"))
        assert reference.score == total, (lang, reference.questions)
        assert stub.score == 0, (lang, stub.questions)
        assert not wrong.questions[question].full, (lang, name)
        out = folder / lang
        write_reports(out, [reference, stub, wrong], questions(assignment), log=print,
                      lang=lang)
        missing = i18n.translate("{function} is not implemented yet: replace `raise "
                                 "NotImplementedError` with your code.", lang)
        opening = missing.split("{function}")[1].split("`")[0].strip()
        assert opening and opening in (out / "feedback" / f"stub-{lang}.md").read_text(), lang
        failed = [m for m in wrong.questions[question].failed if hint in render(m)]
        assert failed, (lang, name, [render(m) for m in wrong.questions[question].failed])
        shown = render(failed[0], "markdown", lang)
        assert shown in (out / "feedback" / f"wrong-{lang}.md").read_text()
        if lang != "en":
            assert shown != render(failed[0], "markdown"), (lang, "hint not translated")


class _Misses:
    """A gettext fallback that records every phrase a catalog lacked."""

    def __init__(self):
        self.seen = set()

    def gettext(self, text):
        self.seen.add(text)
        return text


@pytest.mark.parametrize("lang", OTHERS)
def test_every_phrase_of_the_pages_and_feedback_is_looked_up_in_the_catalog(graded, lang):
    misses = _Misses()
    catalog = i18n.translations(lang, "feedback")  # the object translate() uses
    catalog.add_fallback(misses)
    try:
        for assignment in NAMES:
            records = list(graded[assignment][0].values())
            points = questions(assignment)
            pages.report(records, points, {"assignment": assignment, "isolation": ["seccomp"]},
                         str, lang)
            for record in records:
                pages.feedback(record, lang)
                feedback(record, lang)
                comment(record, lang)
                gradescope_results(record, lang)
    finally:
        catalog._fallback = None
    assert not misses.seen, f"looked up without a {lang} translation: {sorted(misses.seen)}"


def test_an_unknown_language_is_one_line(capsys, tmp_path):
    from autograder.__main__ import main
    assert main(["grade", "tensor_shapes", str(tmp_path), "--lang", "xx",
                 "--out", str(tmp_path / "out")]) == 2
    assert main(["dist", "--lang", "hu,zz", "--out", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --lang 'xx': use one of en, hu, ko, pl",
                   "error: --lang 'zz': use one of en, hu, ko, pl"]
