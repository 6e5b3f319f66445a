"""Checks particular to one lab, one module per lab; checks shared by several labs live in `lambda_course.checks`."""
