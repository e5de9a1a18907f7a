"""Grade on an existing Dask cluster (dask.distributed): ``grade ... --scheduler ADDRESS``.

The client reads each notebook itself (links and special files refused as locally) and
sends only its code cells. On every worker thread a warm helper process (``serve``, a
LocalBackend with its own Zygote, started once) grades them with the same isolation as a
local run, and the Outcome comes back as the task's result. Results are yielded as they
finish, so the pipeline commits each to the SQLite store at once: progress, resume after a
kill and the reports work as locally. A worker lost mid-run makes Dask run its tasks again
elsewhere; each submission's future is yielded once, and the store is keyed by student and
submission, so nothing is lost or written twice.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

import torch

from . import Backend
from ..config import PACKAGE, ConfigError, Limits
from ..jupyter import written_file
from ..notebook import NotebookError, read_cells
from ..records import Outcome, Status, Submission, msg

RETRIES = 2  # extra tries of a task whose worker died or whose helper failed


def fingerprint():
    """What must match between the client and every worker: the package's code, checks and
    catalogs, and the torch version."""
    digest = hashlib.sha256(torch.__version__.encode())
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.po")]):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class ClusterBackend(Backend):
    """The LocalBackend's interface (context manager, ``isolation``, ``run``, ``jobs``) over
    a Dask scheduler at ``address``, given ``timeout`` seconds to answer (Dask keeps trying
    until then, since a scheduler may still be starting)."""

    def __init__(self, address, timeout=30):
        self.address, self.timeout, self.client, self.jobs = address, timeout, None, 1

    def start(self):
        from distributed import Client
        try:
            self.client = Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError) as error:
            raise ConfigError(f"no Dask scheduler at {self.address}: {error}") from None
        mine = fingerprint()
        versions = self.client.run(_worker_fingerprint)
        if not versions:
            self.client.close()
            raise ConfigError(f"the Dask cluster at {self.address} has no workers")
        stale = sorted(worker for worker, theirs in versions.items() if theirs != mine)
        if stale:
            self.client.close()
            raise ConfigError(f"{len(stale)} worker(s) run another torchgrade or torch than "
                              f"this client ({', '.join(stale[:3])}): install the same version "
                              "on every worker")
        self.jobs = max(1, sum(self.client.nthreads().values()))

    def stop(self):
        self.client.close()

    def isolation(self, limits):
        """The layers a sandbox gets on a worker."""
        layers = self.client.submit(_on_worker, {"op": "isolation", "limits": asdict(limits)},
                                    pure=False, retries=RETRIES).result()
        layers[0] = {**layers[0], "label": f"{layers[0]['label']} (on the Dask workers)"}
        return layers

    def run(self, assignment, submissions, limits):
        """Grade ``submissions`` on the cluster; yields (submission, Outcome) as each ends."""
        from distributed import as_completed
        futures = {}
        for submission in submissions:
            try:
                cells = read_cells(submission.path, submission.beside)
            except NotebookError as error:
                yield submission, Outcome(error.status, error.message)
                continue
            request = {"op": "grade", "assignment": assignment, "limits": asdict(limits),
                       "cells": [cell for cell in cells if cell[0] >= 0],
                       "beside": {written[0]: written[1] for index, source in cells
                                  if index < 0 and (written := written_file(source))},
                       "seed": submission.seed}
            futures[self.client.submit(_on_worker, request, pure=False,
                                       retries=RETRIES)] = submission
        for future in as_completed(futures):
            submission = futures.pop(future)
            try:
                outcome = Outcome.from_dict(future.result())
            except Exception:  # the task failed on every try: this row only
                outcome = Outcome(Status.CRASHED, msg(
                    "The grader for this notebook ended unexpectedly."))
            yield submission, outcome


# -- on a worker --------------------------------------------------------------------------

_helpers = threading.local()


def _worker_fingerprint():
    return fingerprint()  # looked up in the worker's own installed package


def _on_worker(request):
    """Run on a Dask worker: hand ``request`` to this thread's warm helper; its reply."""
    helper = getattr(_helpers, "process", None)
    if helper is None or helper.poll() is not None:
        helper = _helpers.process = subprocess.Popen(
            [sys.executable, "-c", "from autograder.backends.cluster import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=tempfile.gettempdir())
    helper.stdin.write(json.dumps(request) + "\n")
    helper.stdin.flush()
    reply = helper.stdout.readline()
    if not reply:
        helper.kill()
        raise RuntimeError("the grading helper on this worker died")  # Dask tries again
    return json.loads(reply)


def serve():
    """The helper: a warm LocalBackend answering requests, one JSON line each, on stdin."""
    from ..sandbox.primitives import die_with_parent
    from .local import LocalBackend
    die_with_parent()
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing else may write into the replies
    with LocalBackend(jobs=1) as backend, tempfile.TemporaryDirectory() as folder:
        for line in sys.stdin:
            request = json.loads(line)
            limits = Limits(**request["limits"])
            if request["op"] == "isolation":
                reply = backend.isolation(limits)
            else:
                path = Path(folder) / "submission.ipynb"
                path.write_text(json.dumps({"cells": [
                    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": source} for _, source in request["cells"]],
                    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                    "nbformat": 4, "nbformat_minor": 5}))
                beside = {name: Path(folder) / name for name in request["beside"]}
                for name, text in request["beside"].items():
                    beside[name].write_text(text, encoding="utf-8")
                submission = Submission("student", path, seed=request["seed"], beside=beside)
                reply = [outcome for _, outcome in backend.run(
                    request["assignment"], [submission], limits)][0].to_dict()
            replies.write(json.dumps(reply) + "\n")
            replies.flush()
