"""Turn check outcomes into points per question."""
from collections import defaultdict


def score(questions, checks, detail=""):
    """Points per question from check outcomes.

    A check function is worth its ``points``; when it is parametrized, each case
    carries an equal share. Questions with no outcome (nothing could run) get 0.
    """
    cases = defaultdict(list)
    for check in checks:
        cases[(check["question"], check["check"])].append(check)
    result = {qid: {"score": 0.0, "max_score": float(points), "passed": [], "failed": []}
              for qid, points in questions.items()}
    for (qid, name), outcomes in cases.items():
        if qid not in result:
            continue
        entry = result[qid]
        passed = [o for o in outcomes if o["passed"]]
        entry["score"] += outcomes[0]["points"] * len(passed) / len(outcomes)
        if len(passed) == len(outcomes):
            entry["passed"].append(name)
        for outcome in outcomes:
            if not outcome["passed"] and outcome["message"] not in entry["failed"]:
                entry["failed"].append(outcome["message"])
    for qid, entry in result.items():
        entry["score"] = round(entry["score"], 2)
        if not any(key[0] == qid for key in cases):
            entry["failed"].append(detail or "This question could not be checked.")
    return result
