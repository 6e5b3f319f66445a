"""The image definitions: every file they copy exists, learners get no solutions, configs agree."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from deploy_support import DEPLOY, REPO
from traitlets.config.loader import PyFileConfigLoader

from lambda_course.grading import COURSE_ID
from lambda_course.labs import ROOT as REPO_ROOT

IMAGES = ("learner", "instructor")
EXCHANGE = "/srv/nbgrader/exchange"


def instructions(dockerfile: Path) -> list[tuple[str, list[str]]]:
    """(instruction, arguments) for each instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), shlex.split(line.split(None, 1)[1])) for line in lines]


def copies(dockerfile: Path) -> list[tuple[list[str], str]]:
    """(sources, destination) for each COPY, without its flags."""
    found = []
    for name, args in instructions(dockerfile):
        if name == "COPY":
            paths = [a for a in args if not a.startswith("--")]
            found.append((paths[:-1], paths[-1]))
    return found


@pytest.mark.parametrize("image", IMAGES)
def test_dockerfile_copies_files_that_exist(image):
    dockerfile = DEPLOY / "images" / image / "Dockerfile"
    found = copies(dockerfile)
    assert found
    for sources, _ in found:
        for source in sources:
            assert (REPO / source).exists(), f"{image}: COPY {source} (context: the repository root)"
    first = instructions(dockerfile)
    assert first[0][0] == "ARG" and first[1] == ("FROM", ["${BASE_IMAGE}"])


def test_learner_image_has_no_hidden_tests_and_installs_the_lock():
    found = copies(DEPLOY / "images" / "learner" / "Dockerfile")
    sources = [s for srcs, _ in found for s in srcs]
    assert not any(s.startswith("solutions") for s in sources)
    targets = dict((srcs[0], dest) for srcs, dest in found)
    lock, env = "deploy/jupyterhub/images/learner/jupyter", "${CONDA_DIR}/etc/jupyter"
    assert targets[f"{lock}/labconfig/page_config.json"] == f"{env}/labconfig/page_config.json"
    assert targets[f"{lock}/jupyter_server_config.d/zz-lambda-course-learner.json"].startswith(
        f"{env}/jupyter_server_config.d/")
    nbgrader_config = targets["deploy/jupyterhub/nbgrader/learner_nbgrader_config.py"]
    assert nbgrader_config == "/etc/jupyter/nbgrader_config.py"


def test_instructor_image_has_the_whole_course():
    sources = {s for srcs, _ in copies(DEPLOY / "images" / "instructor" / "Dockerfile") for s in srcs}
    assert {"grader", "course", "labs", "solutions", "pyproject.toml", "nbgrader_config.py"} <= sources


def load_config(path: Path):
    """A traitlets config file loaded as Jupyter loads it."""
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_both_nbgrader_configs_use_the_same_exchange_and_course():
    learner = load_config(DEPLOY / "nbgrader" / "learner_nbgrader_config.py")
    instructor = load_config(DEPLOY / "nbgrader" / "instructor_nbgrader_config.py")
    for config in (learner, instructor):
        assert config.Exchange.root == EXCHANGE
        assert config.CourseDirectory.course_id == COURSE_ID
        assert config.Exchange.path_includes_course == learner.Exchange.path_includes_course
    # The instructor's course settings are the repository's own, not a copy.
    assert instructor.CourseDirectory.root == str(REPO_ROOT)
    assert instructor.CourseDirectory.release_directory == "labs"
    assert "CourseDirectory" not in learner or "root" not in learner.CourseDirectory
