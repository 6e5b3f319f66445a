"""A JupyterLab server with the learner image's settings hides, locks and stops serving the instructor tools.

Two servers from this environment are compared: one given the learner image's Jupyter files as its user
config (outranking the environment's, as the image's sys-prefix copy does in the image), one without them.
"""

from __future__ import annotations

import json
import re

import pytest
from deploy_support import INSTRUCTOR_PLUGINS, LEARNER_PLUGINS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy-lab-servers")]


def page_config_in(html: str) -> dict:
    """The page config JupyterLab embeds in its HTML (what the browser app reads at start)."""
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no jupyter-config-data in the page"
    return json.loads(found.group(1))


def test_learner_page_disables_and_locks_instructor_plugins(lab_servers):
    learner = page_config_in(lab_servers["learner"].get("lab").text)
    plain = page_config_in(lab_servers["plain"].get("lab").text)
    assert INSTRUCTOR_PLUGINS <= set(learner["disabledExtensions"])
    assert INSTRUCTOR_PLUGINS <= set(learner["lockedExtensions"])
    assert not LEARNER_PLUGINS & set(learner["disabledExtensions"])
    # Without the learner settings the same installation offers every instructor tool.
    assert not INSTRUCTOR_PLUGINS & set(plain.get("disabledExtensions", []))


def test_learner_cannot_turn_a_locked_plugin_back_on(lab_servers):
    server = lab_servers["learner"]
    assert INSTRUCTOR_PLUGINS <= set(server.get("lab/api/plugins").json()["lockRules"])
    answer = server.post("lab/api/plugins", {"cmd": "enable", "plugin_name": "@jupyter/nbgrader:formgrader"})
    assert answer.status_code == 500
    assert "locked" in answer.text


def test_learner_server_serves_no_instructor_endpoints(lab_servers):
    learner, plain = lab_servers["learner"], lab_servers["plain"]
    for path in ("formgrader/api/status", "formgraders"):
        assert learner.get(path).status_code == 404, path
        assert plain.get(path).status_code != 404, path
    # The learner's own tools stay: the assignment list's course endpoint answers.
    assert learner.get("courses").status_code == 200
