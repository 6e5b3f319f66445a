"""The Zero to JupyterHub values: keys the chart knows, consistent with the images, hub code that works."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import yaml
from deploy_support import DEPLOY
from traitlets.config import Config

EXCHANGE = "/srv/nbgrader/exchange"
# The chart's keys this file sets (from the z2jh configuration reference), by section.
CHART_KEYS = {
    "": {"hub", "singleuser", "cull", "prePuller", "scheduling"},
    "hub": {"config", "extraConfig"},
    "singleuser": {"image", "defaultUrl", "memory", "cpu", "networkPolicy", "storage", "profileList"},
    "singleuser.image": {"name", "tag", "pullPolicy"},
    "singleuser.memory": {"guarantee", "limit"},
    "singleuser.cpu": {"guarantee", "limit"},
    "singleuser.networkPolicy": {"enabled", "egressAllowRules"},
    "singleuser.storage": {"type", "capacity", "homeMountPath", "extraVolumes", "extraVolumeMounts"},
    "cull": {"enabled", "users", "timeout", "every", "maxAge"},
}
PROFILE_KEYS = {"display_name", "slug", "description", "default", "kubespawner_override"}
SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT])$")


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def section(values: dict, dotted: str) -> dict:
    """The mapping at a dotted path ('' for the top)."""
    for key in filter(None, dotted.split(".")):
        values = values[key]
    return values


def gigabytes(size: str) -> float:
    """A z2jh memory size such as '2G' in gigabytes."""
    number, unit = SIZE.match(size).groups()
    return float(number) * {"K": 1e-6, "M": 1e-3, "G": 1, "T": 1e3}[unit]


def test_sets_only_keys_the_chart_knows(values):
    for dotted, known in CHART_KEYS.items():
        assert set(section(values, dotted)) <= known, dotted
    for profile in values["singleuser"]["profileList"]:
        assert set(profile) <= PROFILE_KEYS
    assert all(isinstance(code, str) for code in values["hub"]["extraConfig"].values())


def test_profiles_one_default_learner_and_an_instructor(values):
    profiles = {p["slug"]: p for p in values["singleuser"]["profileList"]}
    assert set(profiles) == {"learner", "instructor"}
    assert [slug for slug, p in profiles.items() if p.get("default")] == ["learner"]
    assert "instructor" in profiles["instructor"]["kubespawner_override"]["image"]
    assert "learner" in values["singleuser"]["image"]["name"]


def test_resources_leave_room_for_the_sandbox(values):
    memory, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    assert 1 <= gigabytes(memory["guarantee"]) <= gigabytes(memory["limit"])
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    # The sandbox's CPU shares reach one full vCPU at 1,769 MB: a learner needs at least one core to see it.
    assert cpu["limit"] >= 1


def test_culling_stops_idle_servers(values):
    cull = values["cull"]
    assert cull["enabled"] is True
    assert 0 < cull["every"] < cull["timeout"]


def test_every_pod_mounts_the_exchange_volume(values):
    storage = values["singleuser"]["storage"]
    volumes = {v["name"]: v for v in storage["extraVolumes"]}
    mounts = {m["name"]: m for m in storage["extraVolumeMounts"]}
    assert mounts["nbgrader-exchange"]["mountPath"] == EXCHANGE
    claim = volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"]
    pvc = yaml.safe_load((DEPLOY / "exchange-pvc.yaml").read_text())
    assert pvc["metadata"]["name"] == claim
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]


def run_extra_config(values: dict) -> Config:
    """Run the hub's extraConfig as the chart does: after the chart has set the profile list."""
    c = Config()
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]
    for name in sorted(values["hub"]["extraConfig"]):
        exec(compile(values["hub"]["extraConfig"][name], name, "exec"), {"c": c})
    return c


def spawner(*groups: str) -> SimpleNamespace:
    """A stand-in for a KubeSpawner: its user's groups and its volume mounts, as the chart sets them."""
    user = SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(user=user, volume_mounts=[{"name": "home", "mountPath": "/home/jovyan"},
                                                     {"name": "nbgrader-exchange", "mountPath": EXCHANGE}])


def test_only_instructors_are_offered_the_instructor_profile(values):
    profiles = run_extra_config(values).KubeSpawner.profile_list
    assert [p["slug"] for p in profiles(spawner("students"))] == ["learner"]
    assert [p["slug"] for p in profiles(spawner())] == ["learner"]
    assert [p["slug"] for p in profiles(spawner("instructors"))] == ["learner", "instructor"]


def test_learners_only_read_what_the_instructor_releases(values):
    hook = run_extra_config(values).KubeSpawner.pre_spawn_hook
    learner = spawner("students")
    hook(learner)
    hook(learner)  # a second start reuses the spawner: no duplicate mounts
    read_only = {m["mountPath"]: m for m in learner.volume_mounts if m.get("readOnly")}
    course = f"{EXCHANGE}/lambda-course"
    assert set(read_only) == {f"{course}/outbound", f"{course}/feedback_public"}
    assert all(m["name"] == "nbgrader-exchange" and m["subPath"] in path for path, m in read_only.items())
    assert len(learner.volume_mounts) == 4
    instructor = spawner("instructors")
    hook(instructor)
    assert not any(m.get("readOnly") for m in instructor.volume_mounts)


def test_no_placeholder_left_unexplained(values):
    text = (DEPLOY / "values.yaml").read_text()
    readme = (DEPLOY / "README.md").read_text()
    assert "CHANGE-ME" in text and "CHANGE-ME" in readme
