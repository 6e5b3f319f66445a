"""lambda-course: the course's own code, on top of the local AWS (localaws) and the grading engine (grader).

Chapters and labs import from here: `from lambda_course import checks, deploy, sandbox`.

Writing a lab
    1. Add it to lambda_course/data/labs.toml (id, title, chapter, points, minutes, cell_timeout).
    2. Write solutions/<id>/<id>.ipynb and keep nothing else in that folder: nbgrader would release it.
       Every cell is an nbgrader cell: read-only for instructions and set-up, "autograded answer" for the
       learner's code (### BEGIN SOLUTION / ### END SOLUTION around the answer), "autograder tests" with
       points for tests. A test cell starts with `# Test: <what it checks>` (the self-check prints it), then
       calls one or two helpers from lambda_course.checks or the lab's module in lambda_course.labchecks inside
       `with hint_on_failure(<lab>, <grade id>):`, whose hint (in lambda_course/data/hints.toml) a learner
       reads only once the test has failed; it may end with a ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS
       region.
    3. Run `lambda-course release` to regenerate labs/<id>/, and commit both folders.

Commands (see commands.py): `lambda-course lab`, `release [--check]`, `check NOTEBOOK`, `grade LAB DIR`.
"""

__version__ = "0.1.0"
