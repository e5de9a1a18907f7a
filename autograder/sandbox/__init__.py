"""Where a submission is executed: a confined child process that runs the notebook.

By the process each runs in:

- **the grader** (one forked per submission, see backends/local.py):
    spawner    -- the grader's side of the zygote: ``Zygote``, the run's handle that starts
                  it, and ``Spawner``, one grader's control connection asking it for sandboxes
    counters   -- autograd's counters, read from a sandbox's memory (``Reader``); where they
                  live is found once, in the zygote (``locate``)
- **the zygote** (``python -m autograder.sandbox.zygote``, a program of its own that holds
  nothing of the grader's):
    zygote     -- forks each sandbox one request ahead, kills and reaps released ones
    warm       -- torch's lazy first uses and the libraries notebooks import, done once
- **each sandbox** (``inside/``, forked from the zygote):
    inside.confine     -- the confinement, in order, before any student code runs
    inside.runner      -- its threads, the seal, the runner thread's request loop
    inside.main_thread -- where the notebook's cells and calls run, and nothing else
    inside.probe       -- arguments in, plain descriptions and autograd state out
    inside.dryrun      -- CUDA's device rules for a call on the meta device
    inside.audit       -- the audit hook: what is refused, and what is noted for review
- **shared**: channel (the plain-data frames between a grader and its sandbox) and the
  kernel mechanisms confine uses (primitives, landlock, cgroup, seccomp: its filters are
  compiled in the zygote and loaded by each sandbox).
"""
