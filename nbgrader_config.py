"""nbgrader settings for JupyterLab's nbgrader extension (formgrader, validate), read from the course root.

The settings themselves live in grader/config.py, which the `lambda-course` commands use too.
"""

from grader.config import CoursePaths, nbgrader_config

# nbgrader cannot create its gradebook in a missing folder, and `generate_assignment --force` (the Formgrader's
# Generate button) removes labs/<lab> before it finds that out.
CoursePaths().work_dir.mkdir(parents=True, exist_ok=True)
c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.merge(nbgrader_config())
