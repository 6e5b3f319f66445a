"""nbgrader settings for the instructor's server, installed as /etc/jupyter/nbgrader_config.py in that image.

The course settings are the repository's own (grader/config.py), so the formgrader and the
`lambda-course` commands agree; only the exchange is added. The course lives in the instructor's persistent
home (~/lambda-course), so the gradebook and the graded copies in its .grading folder outlive the pod.
"""

from grader.config import CoursePaths, nbgrader_config

# nbgrader cannot create its gradebook in a missing folder, and `generate_assignment --force` (the Formgrader's
# Generate button) removes labs/<lab> before it finds that out.
CoursePaths().work_dir.mkdir(parents=True, exist_ok=True)
c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.merge(nbgrader_config())
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = False
