"""Teaching helpers for the chapter notebooks: prose from facts, quizzes, widgets and figures."""
