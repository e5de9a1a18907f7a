"""Where a submission is executed: a confined child process that runs the notebook.

    spawner    -- the fork server every sandbox is born from, before any hidden check exists
    confine    -- the confinement applied, in order, before student code runs (and LAYERS)
    primitives, landlock, cgroup -- the kernel mechanisms confine uses
    runner     -- inside the sandbox: its threads, the seal, the runner thread's request loop
    kernel     -- inside the sandbox: the main thread, where the notebook's code runs
    probe      -- inside the sandbox: build arguments, describe results and autograd state
    counters   -- autograd's own counters, read by the grader from outside the sandbox
    channel    -- the narrow, plain-data channel between the grader and a sandbox
"""
