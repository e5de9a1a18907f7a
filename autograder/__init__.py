"""torchgrade: grade PyTorch notebook assignments in a sandbox.

Layers, lowest first (tests/test_layout.py keeps imports pointing downwards):

    config, records        limits and course settings; the typed records every layer shares
    assignments, notebook, discovery, scoring, store
    sandbox/               where a submission is executed
    checking/              the checks API, its pytest plugin, grading one submission
    checks/, reports/      the hidden checks; everything written for people
    backends/, lms/        where graders run (this machine; a cluster next); the LMSs:
                           downloads in, gradebook files out, grades published
    pipeline               the grading steps, top to bottom
    integrations/, release otter and Gradescope, nbgrader; student stubs
    __main__               the command line
"""
