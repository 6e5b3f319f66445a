"""Running a learner's pytest tests against a handler the tests cannot see, and scoring them by mutants.

    standin.py   the module the tests import in place of the handler's: each call crosses to the server
    host.py      serves the handler (or a mutant of it) to one test run, on a unix socket
    runner.py    runs the tests with pytest in a program of their own, against one handler source
    jailing.py   while a lab is graded, each run gets a fresh jail that shows nothing of the course
    screening.py refuses test files that import the course or carry a copy of the handler
    mutation.py  mutants as small edits of the handler's source, and which of them a test file kills
"""
