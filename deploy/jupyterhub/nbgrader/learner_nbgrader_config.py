"""nbgrader settings for a learner's server, installed as /etc/jupyter/nbgrader_config.py in their image.

Learners fetch labs from, and submit them to, the exchange volume that every pod mounts at the same path.
"""

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.Exchange.root = "/srv/nbgrader/exchange"
c.CourseDirectory.course_id = "lambda-course"
# A fetched lab lands in ~/<lab>/, beside ~/course/ with the chapters.
c.Exchange.path_includes_course = False
