"""SQLite record of every graded submission, committed one by one.

A re-run skips submissions whose key (notebook, checks, engine, limits, torch) is
unchanged, and a run killed halfway loses nothing that was already committed.
"""
import json
import sqlite3

from .records import Record


class StoreError(Exception):
    """The grade database cannot be used; it is left untouched."""


class Store:
    def __init__(self, path):
        try:
            self._db = sqlite3.connect(path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A commit survives the run being killed without waiting for the disk; a power
            # cut may lose the last few, which a re-run grades again.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("""CREATE TABLE IF NOT EXISTS results (
                assignment TEXT, student TEXT, key TEXT, record TEXT,
                graded_at TEXT DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (assignment, student))""")
            self._db.commit()
        except sqlite3.Error as error:
            raise StoreError(f"{path} is not a usable grade database ({error}); it was left as "
                             "it is: move it away, or grade into another --out folder.") from None

    def get(self, assignment, student, key):
        """The stored Record, if it was graded with this exact key; else None."""
        row = self._db.execute("SELECT record FROM results WHERE assignment=? AND student=? "
                               "AND key=?", (assignment, student, key)).fetchone()
        if row is None:
            return None
        try:
            return Record.from_dict(json.loads(row[0]))
        except (ValueError, KeyError, TypeError):  # written by an older torchgrade: regrade
            return None

    def records(self, assignment):
        """Every stored Record of an assignment, in student order."""
        rows = self._db.execute("SELECT record FROM results WHERE assignment=? ORDER BY student",
                                (assignment,)).fetchall()
        found = []
        for (data,) in rows:
            try:
                found.append(Record.from_dict(json.loads(data)))
            except (ValueError, KeyError, TypeError):  # written by an older torchgrade
                continue
        return found

    def put(self, record, key):
        self._db.execute("INSERT OR REPLACE INTO results (assignment, student, key, record) "
                         "VALUES (?, ?, ?, ?)",
                         (record.assignment, record.student, key, json.dumps(record.to_dict())))
        self._db.commit()

    def close(self):
        self._db.close()
