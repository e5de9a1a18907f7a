"""Execution backends: where the per-submission graders run. ``local`` forks them on this
machine; a cluster backend sits beside it with the same ``run`` interface."""
