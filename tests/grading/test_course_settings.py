"""The grading engine learns of the course it grades only through GradedCourse settings, and fails loudly."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from grader import course
from grader.course import CourseNotConfigured, GradedCourse, settings


class _Point:
    """A stand-in for an installed entry point."""

    def __init__(self, name: str, load):
        self.name, self.value, self._load = name, f"{name}:course_config", load

    def load(self):
        return self._load


@pytest.fixture
def installed(monkeypatch):
    """Replace the installed courses' entry points; the cached settings are forgotten before and after."""
    def use(*points):
        monkeypatch.setattr(course, "entry_points", lambda group: list(points))
        course.installed_config.cache_clear()
    yield use
    course.installed_config.cache_clear()


def test_the_installed_course_supplies_its_settings():
    found = settings()
    assert found.course_id == "lambda-course" and found.source_directory == "solutions"
    assert "localaws" in found.visible and "solutions" not in found.visible
    assert any(path.endswith("answers") for path in found.hidden)
    assert callable(found.hook("companion")) and callable(found.hook("judging"))


def test_an_nbgrader_configuration_overrides_the_installed_course():
    found = settings(Config({"GradedCourse": {"preload": ["json"], "companion": ""}}))
    assert found.preload == ["json"] and found.hook("companion") is None
    assert found.course_id == "lambda-course"  # what the override does not name stays the course's


def test_without_an_installed_course_the_engine_grades_a_plain_nbgrader_course(installed):
    installed()
    plain = settings()
    assert plain.visible == [] and plain.preload == [] and plain.hook("companion") is None


def test_a_course_whose_settings_fail_to_load_stops_grading(installed):
    def broken():
        raise RuntimeError("no such folder")

    installed(_Point("broken", broken))
    with pytest.raises(CourseNotConfigured, match="failed to load: no such folder"):
        settings()


def test_a_course_that_returns_something_else_than_a_config_is_refused(installed):
    installed(_Point("odd", lambda: {"GradedCourse": {}}))
    with pytest.raises(CourseNotConfigured, match="not a traitlets Config"):
        settings()


def test_two_installed_courses_are_refused_rather_than_one_picked(installed):
    installed(_Point("one", Config), _Point("two", Config))
    with pytest.raises(CourseNotConfigured, match="more than one course"):
        settings()


@pytest.mark.parametrize("spec", ["no_such_module_here:thing", "json:no_such_function", "json:__doc__"])
def test_a_hook_that_cannot_be_loaded_is_an_error_not_a_course_without_it(spec):
    with pytest.raises(CourseNotConfigured, match=spec.split(":")[0]):
        GradedCourse(companion=spec).hook("companion")
