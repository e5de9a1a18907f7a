"""Where a submission is executed: a confined child process that runs the notebook.

    zygote     -- the process every sandbox is forked from, started as a program of its own
                  so that it holds nothing of the grader's
    spawner    -- the grader's side: starting the zygote, asking it for sandboxes
    confine    -- the confinement applied, in order, before student code runs (and LAYERS)
    primitives, landlock, cgroup -- the kernel mechanisms confine uses
    runner     -- inside the sandbox: its threads, the seal, the runner thread's request loop
    kernel     -- inside the sandbox: the main thread, where the notebook's code runs
    probe      -- inside the sandbox: build arguments, describe results and autograd state
    counters   -- autograd's own counters, read by the grader from outside the sandbox
    channel    -- the narrow, plain-data channel between the grader and a sandbox
"""
