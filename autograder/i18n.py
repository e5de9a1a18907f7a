"""The course's language: gettext catalogs (read and compiled with Babel) for what students read.

Two domains, each a ``.po`` file per language under ``autograder/locale/<lang>/LC_MESSAGES/``:

- ``feedback``: every sentence of feedback (check failures, notes on cells, statuses, the
  words of the feedback and report pages). The English template is the message id; its
  ``{name}`` placeholders are filled after translation, so numbers and names stay data.
- ``notebooks``: the text of the released notebooks (Markdown paragraphs, comments,
  docstrings, public checks' hints), cut into units by ``release.text_units``
  (``release.notebooks_template``).

``python -m autograder catalogs`` re-extracts both templates (``locale/<domain>.pot``) and
merges them into every language's catalog, so a translator only fills in msgstrs.
The catalogs are compiled in memory at first use: nothing generated is kept in git.
"""
import ast
import functools
import gettext
import io
import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .config import LANGUAGES, PACKAGE, ROOT

LOCALE = PACKAGE / "locale"
DOMAINS = ("feedback", "notebooks")

# Calls whose literal argument is a student-visible English template (Babel keyword specs);
# a plain string naming a value (``expect_tensor(x, "f(2, 3)")``) is code and stays as it is.
KEYWORDS = {"msg": None, "_": None, "_h": None, "N_": None, "CheckFailed": None,
            "StudentError": None, "NotebookError": (2,), "expect": (2,), "expect_values": (3,),
            "expect_trajectory": (3,), "diagnose": (4,), "expect_by_hand": (4,),
            "expect_uses": (4,)}


def N_(text):
    """Mark ``text`` for extraction where it is translated later (module-level constants)."""
    return text


@functools.lru_cache(maxsize=None)
def translations(lang, domain="feedback"):
    """The compiled catalog of ``domain`` in ``lang`` (English: the identity)."""
    if lang == "en":
        return gettext.NullTranslations()
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    with open(po_path(lang, domain), "rb") as stream:
        catalog = read_po(stream, locale=lang, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(text, lang="en", domain="feedback"):
    """``text`` (an English template) in ``lang``; English when it has no translation."""
    if lang == "en" or not text:
        return text
    return translations(lang, domain).gettext(text)


def po_path(lang, domain):
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def placeholders(text):
    """The ``{name}`` fields of a str.format template (sorted, with repeats)."""
    try:
        return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:
        return ["<unbalanced braces>"]


def fields(text):
    """The ``{expression}`` parts of an f-string literal's text (public checks' hints)."""
    out, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth, start = depth + 1, index if depth == 0 else start
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append(text[start:index + 1])
    return sorted(out)


# -- extraction -------------------------------------------------------------------------

def feedback_template():
    """Every feedback template in the package, with where it is used."""
    catalog = Catalog(domain="feedback", project="torchgrade")
    for filename, lineno, text, comments, _ in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",)):
        if isinstance(text, str) and text:
            catalog.add(text, locations=[(f"autograder/{filename}", lineno)],
                        auto_comments=comments)
    for name, (title, path, line) in _checks().items():
        catalog.add(title, auto_comments=["what a check verified, in a list of passed checks"],
                    locations=[(f"autograder/checks/{path}", line)])
    return catalog


def check_title(name):
    """What a check verifies, as a student reads it in "Passed: …": the first line of its
    docstring (code in backticks), else its name in words."""
    found = _checks().get(name)
    return found[0] if found else name.removeprefix("test_").replace("_", " ")


@functools.lru_cache(maxsize=1)
def _checks():
    """{check name: (title, file name, line)} of the hidden checks, read from their source
    (never imported here)."""
    found = {}
    for path in sorted((PACKAGE / "checks").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = (ast.get_docstring(node) or "").split("\n\n", 1)[0]
                title = " ".join(doc.split()).rstrip(".") or \
                    node.name.removeprefix("test_").replace("_", " ")
                found[node.name] = (title, path.name, node.lineno)
    return found


def update_catalogs(templates, log=print):
    """Write each domain's template ({domain: Catalog}) and merge it into each language's
    catalog; returns {(lang, domain): [untranslated msgids]}."""
    missing = {}
    for domain, template in templates.items():
        _write(LOCALE / f"{domain}.pot", template)
        for lang in LANGUAGES[1:]:
            path = po_path(lang, domain)
            if path.exists():
                with open(path, "rb") as stream:
                    catalog = read_po(stream, locale=lang, domain=domain)
            else:
                catalog = Catalog(locale=lang, domain=domain, project="torchgrade")
            catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
            catalog.obsolete.clear()
            _write(path, catalog)
            missing[lang, domain] = [m.id for m in catalog if m.id and not m.string]
            log(f"{path.relative_to(ROOT)}: {len(template)} messages, "
                f"{len(missing[lang, domain])} to translate")
    translations.cache_clear()
    return missing


def _write(path, catalog):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        write_po(stream, catalog, width=0, omit_header=False, sort_output=False)
