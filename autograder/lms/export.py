"""The gradebook files each LMS imports, written beside the reports, and the lines that
reconcile them with its roster: who had no submission, who the roster lacks, who was late,
which files were not graded."""
from dataclasses import replace
from pathlib import Path

from ..discovery import printable
from ..reports import atomic_write
from ..reports.feedback import comment_html
from ..reports.pages import feedback
from . import blackboard, brightspace, canvas, moodle
from .sheet import SheetError


def lms_of(submissions):
    """The LMS most of these submissions came from, or "none"."""
    kinds = [s.identity.lms for s in submissions if s.identity.lms]
    return max(set(kinds), key=kinds.count) if kinds else "none"


def absent(records, roster):
    """The students of the roster (the LMS's gradebook file) with no submission, by the
    roster's names; none without a roster. In Moodle, by the worksheet's rows, so the
    members of a graded team are not absent. None when a submission is anonymous (Canvas
    anonymous grading): who submitted is then not known."""
    kind = lms_of(records)
    shown = _names(kind, roster)
    if not shown or any(canvas.anonymous(r.identity.user_id) for r in records):
        return []
    try:
        if kind == "moodle":
            missing = moodle.worksheet(records, roster, lambda record: "")[3]
        else:
            have = {r.identity.user_id or r.student for r in records}
            missing = [user for user in shown if user and user not in have]
    except SheetError:
        return []
    return [shown.get(user) or user for user in missing]


def _names(kind, roster):
    """{id: name} as the roster of LMS ``kind`` shows them; {} without one."""
    module = {"canvas": canvas, "blackboard": blackboard, "moodle": moodle,
              "brightspace": brightspace}.get(kind)
    try:
        return module.names(roster) if module and roster else {}
    except SheetError:
        return {}


def _listed(users, shown):
    """'Name (id), id, ...': each user id with the name the roster shows, where it has one."""
    return ", ".join(f"{shown[user]} ({user})" if shown.get(user) else user for user in users)


def export(records, assignment, course, max_score, out, roster=None):
    """Write the gradebook files of the course's LMS (else of the LMS the submissions came
    from) into ``out``, from ``roster`` (its gradebook file) when there is one; returns
    lines for the summary: files written, roster students with no submission, graded
    students the roster lacks, late marks and files not graded."""
    kind = course.lms if course.lms != "none" else lms_of(records)
    html = lambda record: comment_html(record, course.language)  # noqa: E731
    lines, missing, unknown = [], [], []
    flagged = [r for r in records if r.flags]
    if flagged and course.flagged == "hold":
        records = [replace(r, score=0.0) if r.flags else r for r in records]
    try:
        if kind == "canvas":
            text, missing, unknown, excused = canvas.gradebook(records, assignment, course,
                                                               max_score, roster)
            lines.append(f"for canvas: {_write(out / 'canvas-import.csv', text)}")
            if excused:
                lines.append(f"{len(excused)} graded but excused (EX) or not assigned (N/A) "
                             "in Canvas: left so in canvas-import.csv, since a score would "
                             "undo that; enter the grade by hand if it should count: "
                             + _listed(excused, _names(kind, roster)))
            hidden = [r.student for r in records if canvas.anonymous(r.identity.user_id)]
            if hidden:
                lines.append(f"{len(hidden)} graded anonymously (Canvas anonymous grading): "
                             "not in canvas-import.csv, since Canvas imports no grade for an "
                             "anonymous assignment; send them with publish (by anonymous id)")
        elif kind == "blackboard":
            text, missing, unknown = blackboard.upload(records, assignment, course, max_score,
                                                       roster, html)
            lines.append(f"for blackboard: {_write(out / 'blackboard-upload.csv', text)}")
        elif kind == "moodle":
            lines, missing, unknown = _moodle(records, roster, course, out)
        elif kind == "brightspace" and roster:
            text, missing, unknown = brightspace.grades_import(records, assignment, course,
                                                               max_score, roster)
            lines.append(f"for brightspace: {_write(out / 'brightspace-import.csv', text)}")
    except SheetError as error:
        lines.append(f"error: {error}")
    if roster is None and kind in ("canvas", "blackboard"):
        lines.append(f"no {kind} roster (gradebook export) found: only graded students are "
                     "listed, so students who did not submit are not marked")
    if roster is None and kind == "brightspace":
        lines.append("no brightspace grades export found: its download names no username, "
                     "so no import file was written; export the grades (Grades > Export, "
                     "Key Field: Both, First and Last Name) beside the download")
    if missing:
        verdict = ("given 0 where the LMS has no grade for them" if course.missing == "zero"
                   else "their grades in the LMS left as they are")
        lines.append(f"{len(missing)} in the roster with no submission ({verdict}): "
                     + _listed(missing, _names(kind, roster)))
    if unknown:
        lines.append(f"{len(unknown)} graded but not in the roster (not in the {kind} file): "
                     + ", ".join(unknown))
    if flagged:
        lines.append(f"{len(flagged)} flagged for review (see the report): "
                     + ("held at 0 in these files until reviewed" if course.flagged == "hold"
                        else "scores written as computed (flagged: hold holds them at 0)")
                     + ": " + ", ".join(r.student for r in flagged))
    late = [r.student for r in records if r.identity.late]
    if late:
        lines.append(f"{len(late)} marked late by {kind} (graded as usual; see grades.csv): "
                     + ", ".join(late))
    several = [r for r in records if r.identity.ignored]
    for record in several[:10]:
        graded = (f"graded {record.identity.attempt}" if record.identity.attempt
                  else "no notebook submitted")
        lines.append(f"{record.student}: {graded}; not graded: "
                     + "; ".join(record.identity.ignored))
    if len(several) > 10:
        lines.append(f"... and {len(several) - 10} more with files not graded (see grades.csv)")
    return [printable(line) for line in lines]


def _moodle(records, roster, course, out):
    """The grading worksheet (from ``roster``) and the feedback files' zip; a team's grade
    and feedback go to each of its members."""
    lines, missing, unknown = [], [], []
    given = [(r.identity.user_id, r.identity.name or r.student, r) for r in records
             if r.identity.user_id]
    if roster:
        data, warning, given, missing, unknown, note = moodle.worksheet(
            records, roster, lambda record: comment_html(record, course.language),
            zero=course.missing == "zero")
        lines.append(f"for moodle: {_write(out / 'moodle-worksheet.csv', data)}")
        lines += [line for line in (warning, note) if line]
        for record in {id(r): r for _, _, r in given}.values():
            members = [name for _, name, r in given if r is record]
            if len(members) > 1 or not record.identity.user_id:
                lines.append(f"team {record.identity.name}: its grade and feedback given to "
                             f"{len(members)} member(s): {', '.join(members)}")
    else:
        lines.append("no Moodle grading worksheet found: download it (Grading action > "
                     "Download grading worksheet) beside the submissions; team submissions "
                     "reach their members only through it")
    atomic_write(out / "moodle-feedback.zip", moodle.feedback_zip(
        given, lambda record: feedback(record, course.language)))
    lines.append(f"for moodle: {out / 'moodle-feedback.zip'}")
    return lines, missing, unknown


def _write(path, content):
    atomic_write(Path(path), content)
    return path


