"""The learner image's lock on the instructor tools names plugins and extensions nbgrader really has."""

from __future__ import annotations

import json
from importlib.metadata import files
from pathlib import Path

from deploy_support import INSTRUCTOR_PLUGINS, LEARNER_JUPYTER, LEARNER_PLUGINS
from jupyter_core.paths import ENV_CONFIG_PATH, jupyter_path

INSTRUCTOR_SERVER_EXTENSIONS = {"nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list"}
PAGE_CONFIG = LEARNER_JUPYTER / "labconfig" / "page_config.json"
SERVER_CONFIG = LEARNER_JUPYTER / "jupyter_server_config.d" / "zz-lambda-course-learner.json"


def nbgrader_lab_code() -> str:
    """The JavaScript of the installed nbgrader lab extension."""
    folders = [Path(base) / "@jupyter" / "nbgrader" / "static" for base in jupyter_path("labextensions")]
    scripts = [script for folder in folders if folder.is_dir() for script in folder.glob("*.js")]
    assert scripts, "nbgrader's lab extension is not installed"
    return "".join(script.read_text(encoding="utf-8", errors="replace") for script in scripts)


def nbgrader_server_extensions() -> dict[str, bool]:
    """The server extensions nbgrader's installation registers in this environment."""
    registered = {}
    for path in sorted(Path(ENV_CONFIG_PATH[0], "jupyter_server_config.d").glob("nbgrader*.json")):
        registered.update(json.loads(path.read_text())["ServerApp"]["jpserver_extensions"])
    return registered


def test_the_lock_names_plugins_the_installed_nbgrader_provides():
    code = nbgrader_lab_code()
    config = json.loads(PAGE_CONFIG.read_text())
    for key in ("disabledExtensions", "lockedExtensions"):
        assert set(config[key]) == INSTRUCTOR_PLUGINS
        assert all(config[key].values())
    for plugin in INSTRUCTOR_PLUGINS | LEARNER_PLUGINS:
        assert f'"{plugin}"' in code, f"{plugin} is not a plugin of the installed nbgrader"


def test_the_lock_names_server_extensions_nbgrader_registers():
    registered = nbgrader_server_extensions()
    shipped = {str(path) for path in files("nbgrader")}
    disabled = json.loads(SERVER_CONFIG.read_text())["ServerApp"]["jpserver_extensions"]
    assert disabled == dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False)
    for name in disabled:
        assert registered.get(name) is True, f"nbgrader does not register {name}"
        assert f"{name.replace('.', '/')}/__init__.py" in shipped, f"{name} is not in nbgrader's files"
    assert registered.get("nbgrader.server_extensions.assignment_list") is True
    assert "nbgrader.server_extensions.assignment_list" not in disabled
