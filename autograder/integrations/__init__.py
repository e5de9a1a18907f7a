"""Outside grading tools, one module each: otter-grader and Gradescope (``otter`` builds the
release and autograder.zip, ``otter_plugin`` grades inside it) and nbgrader (``nbgrader``:
a course directory, and grades written where nbgrader keeps them). The LMSs are in
``autograder/lms/``."""
