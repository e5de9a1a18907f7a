"""Outside systems, one module each: otter-grader and Gradescope today (``otter`` builds the
release and autograder.zip, ``otter_plugin`` grades inside it); nbgrader and each LMS next."""
