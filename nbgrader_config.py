"""nbgrader settings for JupyterLab's nbgrader extension (formgrader, validate), read from the course root.

The settings themselves live in grader/grading/config.py, which the `lambda-course` commands use too.
"""

from grader.grading.config import nbgrader_config

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.merge(nbgrader_config())
