"""Execution backends: where the per-submission graders run. ``local`` forks them on this
machine; ``cluster`` sends them to a Dask cluster, with the same interface."""


class Backend:
    """A context manager that may be entered again while entered (a course grades all its
    assignments on one): ``start`` on the first entry, ``stop`` on the last exit."""

    _depth = 0

    def __enter__(self):
        if not self._depth:
            self.start()
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if not self._depth:
            self.stop()
