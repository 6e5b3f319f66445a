"""What the grading engine is told of the course it grades: nbgrader-style traitlets, set by the course.

The engine knows nothing of any course's subject. A course says, as configuration of `GradedCourse`, which of
its files a jail keeps in view, which it hides, what the fork server imports before any learner code runs, and
which program (if any) starts beside each graded kernel for the judge to read. The settings come, in order, from
the defaults here, the installed course's entry point in the `grader.course` group (a function returning a
traitlets `Config`), and any nbgrader configuration a run is given (`c.GradedCourse.preload = [...]` in a
course's nbgrader_config.py). An entry point that fails to load stops grading: a course graded without its
hidden paths or its companion program would be graded wrongly, not merely slowly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from traitlets import Dict, List, Unicode
from traitlets.config import Config, Configurable

ENTRY_POINT_GROUP = "grader.course"


class CourseNotConfigured(RuntimeError):
    """The installed course's settings could not be read, or name a hook that does not exist."""


class GradedCourse(Configurable):
    """The course being graded, as the jail, the fork server and the judge need to know it."""

    course_id = Unicode("course", help="nbgrader's course id for the gradebook.").tag(config=True)
    root = Unicode("", help="The course's top folder (holding the source and release folders).").tag(config=True)
    source_directory = Unicode("source", help="Where the instructors' notebooks live, under root.").tag(config=True)
    release_directory = Unicode("release", help="Where released notebooks live, under root.").tag(config=True)
    assignments = Unicode("", help="`module:function` returning the course's assignments by id (objects with "
                                    "id, title, points, cell_timeout and due).").tag(config=True)
    visible = List(Unicode(), help="Entries of root a jail keeps in view (packages, released labs); "
                                   "every other entry of root is hidden.").tag(config=True)
    hidden = List(Unicode(), help="Folders no jail sees even inside a visible entry (answer keys).").tag(config=True)
    packages = List(Unicode(), help="Folders of the course's Python packages, kept in view wherever they are "
                                    "installed.").tag(config=True)
    python_path = List(Unicode(), help="Folders put on PYTHONPATH of every jailed program.").tag(config=True)
    environment = Dict(value_trait=Unicode(), help="Variables set for every jailed program.").tag(config=True)
    preload = List(Unicode(), help="Modules the fork server imports once for every program it forks; "
                                   "`package.*` imports every module of the package.").tag(config=True)
    warm_up = Unicode("", help="`module:function` the fork server calls once after preloading.").tag(config=True)
    companion = Unicode("", help="`module:function(jail)` returning a context manager that runs a program "
                                 "beside the kernel and yields a JSON-ready dict for the judge.").tag(config=True)
    judging = Unicode("", help="`module:Class(offer)` the judge builds from the companion's dict: its "
                               "`around_test()` context wraps every test cell, `close()` ends it.").tag(config=True)
    plain_records = List(Unicode(), help="Modules (a trailing dot: every module under it) whose dataclasses "
                                         "cross between kernel and judge as records.").tag(config=True)
    plain_codecs = List(Unicode(), help="`module:Class` of codecs for the course's values that are neither plain "
                                        "data nor records (see trust/plaindata.py's Codec).").tag(config=True)

    def root_path(self) -> Path:
        """The course root as a resolved path (the current folder when unset)."""
        return Path(self.root or ".").resolve()

    def hook(self, name: str) -> Callable[..., Any] | None:
        """The callable a `module:attribute` setting names, or None when the setting is empty."""
        spec = getattr(self, name)
        return load_callable(spec) if spec else None


def load_callable(spec: str) -> Callable[..., Any]:
    """Import `module:attribute` and return it; a clear error when either is missing."""
    module_name, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise CourseNotConfigured(f"the course names {spec!r}, which cannot be loaded: {error}") from error
    if not callable(found):
        raise CourseNotConfigured(f"the course names {spec!r}, which is not callable")
    return found


@cache
def installed_config() -> Config:
    """The installed course's configuration, from its `grader.course` entry point (empty when none is)."""
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    if len(found) > 1:
        names = ", ".join(point.name for point in found)
        raise CourseNotConfigured(f"more than one course is installed ({names}); install one per environment")
    if not found:
        return Config()
    try:
        config = found[0].load()()
    except Exception as error:  # any failure of the course's own code: reported, and grading stops
        raise CourseNotConfigured(f"the course's settings ({found[0].value}) failed to load: {error}") from error
    if not isinstance(config, Config):
        raise CourseNotConfigured(f"{found[0].value} returned {type(config).__name__}, not a traitlets Config")
    return config


def settings(config: Config | None = None) -> GradedCourse:
    """The course's settings: the installed course's, overridden by `config` (an nbgrader run's) if given."""
    merged = Config()
    merged.merge(installed_config())
    if config is not None and "GradedCourse" in config:
        merged.merge(Config({"GradedCourse": config.GradedCourse}))
    return GradedCourse(config=merged)
