"""Grading with nbgrader: the course configuration, releasing labs, the learner self-check and autograding.

Writing a lab
    1. Add it to grader/data/labs.toml (id, title, chapter, points, minutes, cell_timeout).
    2. Write solutions/<id>/<id>.ipynb and keep nothing else in that folder: nbgrader would release it.
       Every cell is an nbgrader cell: read-only for instructions and set-up, "autograded answer" for the
       learner's code (### BEGIN SOLUTION / ### END SOLUTION around the answer), "autograder tests" with
       points for tests. A test cell starts with `# Test: <what it checks>` and `# Hint: <what to try>`
       (the self-check prints both), calls one or two helpers from grader.checks, and may end with a
       ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS region for edge cases the instructions describe.
    3. Run `lambda-course release` to regenerate labs/<id>/, and commit both folders.

Commands (see commands.py): `lambda-course lab`, `release [--check]`, `check NOTEBOOK`, `grade LAB DIR`.
"""
