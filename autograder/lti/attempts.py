"""The tool's queue and memory, in SQLite: every attempt a student submitted (queued,
grading, graded or failed; its score posted to the LMS or not), and the launches already
used, so a replayed id_token is refused.

Several processes share it (the web service and its workers): each change is one
transaction, and a worker claims an attempt with a conditional update, so no attempt is
graded twice at once. An attempt left ``grading`` by a worker that died goes back to the
queue when the service starts again: nothing accepted is lost.
"""
import secrets
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY, assignment TEXT, issuer TEXT, client_id TEXT, context TEXT,
    user TEXT, name TEXT, lineitem TEXT, late INTEGER, created REAL, status TEXT,
    score REAL, max_score REAL, comment TEXT, error TEXT, posted INTEGER DEFAULT 0,
    tries INTEGER DEFAULT 0, next_try REAL DEFAULT 0);
CREATE INDEX IF NOT EXISTS by_user ON attempts (issuer, context, user, assignment);
CREATE TABLE IF NOT EXISTS launches (nonce TEXT PRIMARY KEY, used REAL);
"""
KINDS = (".ipynb", ".zip", ".py")  # a notebook, otter's export zip, a notebook saved as Python
FIELDS = ("id", "assignment", "issuer", "client_id", "context", "user", "name", "lineitem",
          "late", "created", "status", "score", "max_score", "comment", "error", "posted", "tries",
          "next_try")


class Attempts:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / "attempts.sqlite", timeout=30,
                                   isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def notebook(self, attempt_id):
        """Where an attempt's file is kept: a notebook, an otter export zip or a script."""
        paths = [self.folder / "notebooks" / f"{attempt_id}{kind}" for kind in KINDS]
        return next((path for path in paths if path.is_file()), paths[0])

    def add(self, data, kind, launch):
        """Queue a file (its bytes; ``kind``: one of KINDS) for the student of ``launch``;
        returns the attempt's id."""
        attempt_id = secrets.token_urlsafe(16)
        path = self.folder / "notebooks" / f"{attempt_id}{kind}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        self._db.execute(
            "INSERT INTO attempts (id, assignment, issuer, client_id, context, user, name, "
            "lineitem, late, created, status) VALUES (?,?,?,?,?,?,?,?,?,?,'queued')",
            (attempt_id, launch["assignment"], launch["issuer"], launch["client_id"],
             launch["context"], launch["user"], launch["name"], launch.get("lineitem", ""),
             int(bool(launch.get("late"))), time.time()))
        return attempt_id

    def get(self, attempt_id):
        row = self._db.execute(f"SELECT {', '.join(FIELDS)} FROM attempts WHERE id=?",
                               (attempt_id,)).fetchone()
        return dict(zip(FIELDS, row)) if row else None

    def of(self, launch, everyone=False):
        """A student's attempts at the launch's assignment, newest first (with
        ``everyone``: the whole course's, for an instructor)."""
        query = (f"SELECT {', '.join(FIELDS)} FROM attempts WHERE issuer=? AND context=? "
                 "AND assignment=?" + ("" if everyone else " AND user=?") +
                 " ORDER BY created DESC")
        values = (launch["issuer"], launch["context"], launch["assignment"]) + (
            () if everyone else (launch["user"],))
        return [dict(zip(FIELDS, row)) for row in self._db.execute(query, values)]

    def claim(self):
        """The oldest queued attempt, now ``grading``; None when the queue is empty."""
        while True:
            row = self._db.execute("SELECT id FROM attempts WHERE status='queued' "
                                   "ORDER BY created LIMIT 1").fetchone()
            if row is None:
                return None
            if self._db.execute("UPDATE attempts SET status='grading' WHERE id=? AND "
                                "status='queued'", row).rowcount:
                return self.get(row[0])

    def graded(self, attempt_id, score, max_score, comment):
        self._db.execute("UPDATE attempts SET status='graded', score=?, max_score=?, "
                         "comment=?, posted=0, tries=0, next_try=0 WHERE id=?",
                         (score, max_score, comment, attempt_id))

    def failed(self, attempt_id, error):
        self._db.execute("UPDATE attempts SET status='failed', error=? WHERE id=?",
                         (error[:300], attempt_id))

    def requeue(self, attempt_id=None):
        """Put an attempt back in the queue (a regrade), or, with none, every attempt a
        stopped worker left ``grading``."""
        if attempt_id:
            self._db.execute("UPDATE attempts SET status='queued', posted=0 WHERE id=?",
                             (attempt_id,))
        else:
            self._db.execute("UPDATE attempts SET status='queued' WHERE status='grading'")

    def to_post(self, now=None):
        """Graded attempts whose score the LMS has not acknowledged, due for a try."""
        rows = self._db.execute(
            f"SELECT {', '.join(FIELDS)} FROM attempts WHERE status='graded' AND posted=0 "
            "AND lineitem != '' AND next_try <= ? ORDER BY created", (now or time.time(),))
        return [dict(zip(FIELDS, row)) for row in rows]

    def posted(self, attempt_id):
        self._db.execute("UPDATE attempts SET posted=1 WHERE id=?", (attempt_id,))

    def retry_later(self, attempt_id, error):
        """Try posting again later: 2, 4, 8... seconds, at most 10 minutes apart."""
        tries = self._db.execute("SELECT tries FROM attempts WHERE id=?",
                                 (attempt_id,)).fetchone()[0] + 1
        self._db.execute("UPDATE attempts SET tries=?, next_try=?, error=? WHERE id=?",
                         (tries, time.time() + min(600, 2 ** tries), error[:300], attempt_id))

    def post_again(self, launch):
        """Every graded attempt of the launch's course and assignment, to be posted again."""
        self._db.execute("UPDATE attempts SET posted=0, tries=0, next_try=0 WHERE issuer=? "
                         "AND context=? AND assignment=? AND status='graded'",
                         (launch["issuer"], launch["context"], launch["assignment"]))

    def use_launch(self, nonce):
        """Whether this launch (its nonce) is new; it is used from now on."""
        try:
            self._db.execute("INSERT INTO launches VALUES (?, ?)", (nonce, time.time()))
            return True
        except sqlite3.IntegrityError:
            return False

    def close(self):
        self._db.close()
