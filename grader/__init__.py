"""A grading engine for nbgrader courses: every submission runs in a jail and is judged outside it.

It knows nothing of the course it grades. What the jail keeps in view, what its fork server preloads and what
companion program a graded notebook gets are the course's to say, as traitlets configuration of
`grader.course.GradedCourse` (see that module). Modules:
    config, runner, gradebook    nbgrader's configuration and converters, run in process
    release, selfcheck           releasing assignments; the learner's own check of a notebook
    autograde, parallel          grading one submission, and a class over local cores or a cluster
    classgrading, progress       a class graded on workers into its gradebook, exported, reported as it goes
    classbook, problems          the class gradebook, and the grading problems of learners it holds no grade for
    lateness, export, scores     late penalties and grade exports through nbgrader's plugins; the summary table
    feedback, messages           feedback pages, sanitised; what a learner reads when a cell fails
    trust/                       the jail, its fork server, the jailed kernel and the judge outside it
"""

import sys

# jsonschema (under nbformat and nbgrader) imports rfc3987_syntax whenever it is installed, and that module
# compiles a grammar at import: about 1.3 s of CPU in every process, for the "iri" string formats that nothing
# here validates (python-jsonschema/jsonschema#1428). Marking it absent makes jsonschema skip it.
# None in sys.modules is the import system's documented "absent" mark; typeshed allows only modules there.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
