"""Gradescope's "Export Submissions": ``submission_<id>/`` folders and
``submission_metadata.yml`` naming each one's submitters. (Grades go back to Gradescope
through its autograder, integrations/otter.py.)"""
import yaml

from ..records import Identity, Submission
from .download import pick

METADATA = "submission_metadata.yml"


def detect(folder):
    return (folder / METADATA).is_file()


def read(folder, assignment, log=print, roster=None):
    """One Submission per submitter (a group submission counts for each of its members);
    the student id is the submitter's SID, else their email."""
    try:
        metadata = yaml.safe_load((folder / METADATA).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeError, yaml.YAMLError) as error:
        log(f"warning: {METADATA} cannot be read ({type(error).__name__}); "
            "submissions are named after their folders")
        metadata = {}
    found = []
    for entry in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                        and p.name.startswith("submission_")):
        info = metadata.get(entry.name) if isinstance(metadata, dict) else None
        people = info.get(":submitters", []) if isinstance(info, dict) else []
        people = [p for p in people if isinstance(p, dict)] or [{}]
        files = [p for p in sorted(entry.rglob("*")) if p.is_file()]
        chosen, others = pick(files, assignment)
        for person in people:
            student = str(person.get(":sid") or person.get(":email") or entry.name)
            found.append(Submission(student, chosen or entry, identity=Identity(
                str(person.get(":name") or student), "gradescope", student, False,
                entry.name, [f.name for f in others])))
    return found
