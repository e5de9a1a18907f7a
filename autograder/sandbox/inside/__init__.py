"""The code that runs inside a sandbox, after the zygote forks it: confinement first, then the
runner, main and writer threads (runner.py). Nothing here runs in the grader, apart from
``confine``'s tables (LAYERS, ``missing``), which say what a missing layer means."""
