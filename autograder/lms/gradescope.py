"""Gradescope's "Export Submissions": ``submission_metadata.yml`` naming each
submission's submitters, keyed by a ``submission_<id>/`` folder or by a file beside it
(``name--s123.ipynb``). (Grades go back to Gradescope through its autograder,
integrations/otter.py.)"""
import yaml

from ..records import Identity, Submission
from .download import pick

METADATA = "submission_metadata.yml"
MAX_METADATA = 20 * 2**20  # bytes
MAX_VALUE = 200            # characters of a name, email or SID


class _Loader(yaml.SafeLoader):
    """YAML without aliases: a few bytes of ``*a`` references cannot become millions."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not accepted")
        return super().compose_node(parent, index)


def detect(folder):
    return (folder / METADATA).is_file()


def read(folder, assignment, log=print, roster=None):
    """One Submission per submitter (a group submission counts for each of its members);
    the student id is the submitter's SID, else their email, else the submission's name."""
    metadata = _metadata(folder / METADATA, log)
    entries = {p.name: p for p in sorted(folder.iterdir()) if not p.is_symlink()
               and not p.name.startswith(".") and p.name != METADATA
               and (p.name in metadata or (p.is_dir() and p.name.startswith("submission_")))}
    found = []
    for key, entry in entries.items():
        info = metadata.get(key)
        people = info.get(":submitters") if isinstance(info, dict) else None
        people = [p for p in people if isinstance(p, dict)] if isinstance(people, list) else []
        files = ([p for p in sorted(entry.rglob("*")) if p.is_file()] if entry.is_dir()
                 else [entry])
        chosen, others, modules = pick(files, assignment)
        for person in people or [{}]:
            student = _plain(person.get(":sid")) or _plain(person.get(":email")) or key
            found.append(Submission(student, chosen or entry, identity=Identity(
                _plain(person.get(":name")) or student, "gradescope", student, False, key,
                [f.name for f in others]), beside=modules))
    return found


def _metadata(path, log):
    """The metadata file as {submission: {…}}, or {} with a warning when it cannot be."""
    try:
        if path.stat().st_size > MAX_METADATA:
            raise ValueError(f"larger than {MAX_METADATA >> 20} MB")
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        return {str(key): value for key, value in data.items()}
    except (OSError, UnicodeError, ValueError, yaml.YAMLError) as error:
        log(f"warning: {METADATA} cannot be read ({str(error).splitlines()[0][:120]}); "
            "submissions are named after their folders")
        return {}


def _plain(value):
    """A submitter's field as one short line of text ("" unless a string or number)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    text = " ".join(str(value).split())
    return "".join(c for c in text if c.isprintable())[:MAX_VALUE]
