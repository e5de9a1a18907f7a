"""README's command synopses are what each subcommand's --help says."""
import contextlib
import io
import re

import pytest

from autograder import __main__ as cli
from autograder.config import ROOT


def _usage(command):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.main([command, "--help"])
    return " ".join(out.getvalue().split("\n\n", 1)[0].split()).removeprefix("usage: ")


def test_readme_synopses_match_help():
    block = re.search(r"<!-- synopses -->\n```sh\n(.*?)```", (ROOT / "README.md").read_text(),
                      re.S)[1]
    written = [" ".join(entry.split()) for entry in
               re.split(r"\n(?=\.venv/bin/python -m autograder )", block.strip())]
    commands = [entry.split()[3] for entry in written]
    assert commands == ["grade", "demo", "publish", "similar", "serve", "dist", "release",
                        "catalogs"]
    assert written == [_usage(command) for command in commands]


def test_every_option_has_help():
    for command in ("grade", "demo", "publish", "similar", "serve", "dist", "release"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            cli.main([command, "--help"])
        options = out.getvalue().split("options:", 1)[1]
        entries = re.findall(r"\n  (\S.*?)(?=\n  \S|\Z)", options, re.S)
        assert all(len(entry.split("  ", 1)) == 2 or "\n" in entry for entry in entries), \
            (command, entries)
