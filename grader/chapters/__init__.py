"""Helpers for the course chapters: fact formatting, quizzes, widgets, plots and small teaching models."""
