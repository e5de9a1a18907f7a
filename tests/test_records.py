"""Records round-trip through JSON exactly, which the store and the backends rely on."""
import json

from autograder.records import (CheckOutcome, Message, Outcome, QuestionResult, Record, Status,
                                msg)
from autograder.store import Store


def _record():
    nested = msg("{what} has wrong values.", what=msg("W after {f}", f="sgd_step"))
    return Record("ann", "a", "ann.ipynb", Status.CRASHED, msg("crashed"), 1.5, 3,
                  {"q": QuestionResult(1.5, 3, ["t1"], [nested])},
                  [msg("{cell} raised {error}", cell=msg("code cell {n}", n=2), error="E")],
                  0.25, [{"key": "seccomp", "label": "seccomp"}], seed=7)


def test_a_record_survives_json():
    record = _record()
    assert Record.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_an_outcome_survives_json():
    outcome = Outcome(Status.GRADED, None, [CheckOutcome("q", "t", 1, False, msg("no {x}", x=1))],
                      [msg("note")], [], 0.5)
    assert Outcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome


def test_message_values_that_are_not_plain_become_text():
    message = Message("{shape} {n}", {"shape": (2, 3), "n": 4})
    assert message.params == {"shape": "(2, 3)", "n": 4}


def test_the_store_returns_a_record_only_for_the_same_key(tmp_path):
    store = Store(tmp_path / "grades.sqlite")
    store.put(_record(), "key1")
    assert store.get("a", "ann", "key1") == _record()
    assert store.get("a", "ann", "key2") is None and store.get("a", "bob", "key1") is None
    store._db.execute("UPDATE results SET record = '{\"old\": 1}'")
    assert store.get("a", "ann", "key1") is None  # an older layout is regraded, not a crash
    store.close()
