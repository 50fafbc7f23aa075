"""docker_versions: the package chosen per node and every refusal of the upgrade plan."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_versions import (
    candidate,
    docker_upgrade_plan,
    release_index,
    upstream_version,
)

DEBIAN13 = "26.1.5+dfsg1-9+b2"
SID = "28.5.2+dfsg1-2"


@pytest.mark.parametrize("package,expected", [
    (DEBIAN13, "26.1.5"),
    ("5:28.5.2-1~debian.13~trixie", "28.5.2"),
    ("20.10.24+dfsg1-1+deb12u1", "20.10.24"),
    ("", ""),
    ("(none)", ""),
])
def test_upstream_version(package, expected):
    assert upstream_version(package) == expected


@pytest.mark.parametrize("version,expected", [("20.10.24", 8), ("23.0.6", 9), ("26.1.5", 12), ("28.5.2", 14),
                                              ("19.03.15", 7), ("1.13.1", None)])
def test_release_order(version, expected):
    assert release_index(version) == expected


def test_candidate_takes_a_prefix_and_not_a_longer_number():
    assert candidate([SID, DEBIAN13], "28.5") == SID
    assert candidate([SID, DEBIAN13], "28.5.2") == SID
    assert candidate(["28.50.1-1", SID], "28.5") == SID
    assert candidate([DEBIAN13], "28") == ""


def test_an_upgrade_and_a_node_already_there():
    plan = docker_upgrade_plan({"m1": {"installed": DEBIAN13, "available": [SID, DEBIAN13]},
                                "m2": {"installed": SID, "available": [SID]}}, "28.5")
    assert plan["problems"] == []
    assert plan["hosts"]["m1"] == {"installed": DEBIAN13, "from": "26.1.5", "package": SID, "to": "28.5.2",
                                   "change": "upgrade"}
    assert plan["hosts"]["m2"]["change"] == "none"


def test_a_missing_package_names_what_the_sources_offer():
    plan = docker_upgrade_plan({"w1": {"installed": DEBIAN13, "available": [DEBIAN13]}}, "28.5")
    assert plan["problems"] == ["w1: no Docker package 28.5 in its package sources (available: 26.1.5)"]


def test_a_downgrade_is_refused_unless_allowed():
    nodes = {"m1": {"installed": SID, "available": [SID, DEBIAN13]}}
    assert "downgrade" in docker_upgrade_plan(nodes, "26.1")["problems"][0]
    plan = docker_upgrade_plan(nodes, "26.1", allow_downgrade=True)
    assert plan["problems"] == [] and plan["hosts"]["m1"]["change"] == "downgrade"


def test_a_jump_over_too_many_releases_is_refused():
    nodes = {"m1": {"installed": "20.10.24+dfsg1-1+deb12u1", "available": [DEBIAN13]}}
    problems = docker_upgrade_plan(nodes, "26.1")["problems"]
    assert len(problems) == 1 and "spans 4 releases, more than 2" in problems[0]
    assert docker_upgrade_plan(nodes, "26.1", max_releases=4)["problems"] == []


def test_docker_not_installed_and_a_bad_version_are_refused():
    assert docker_upgrade_plan({"w1": {"installed": "", "available": [SID]}}, "28.5")["problems"] == [
        "w1: Docker is not installed (site.yml installs it)"]
    assert "not a Docker version" in docker_upgrade_plan({}, "latest")["problems"][0]


def test_the_cli_package_follows_the_engine():
    plan = docker_upgrade_plan({"m1": {"installed": DEBIAN13, "available": [SID], "cli_installed": DEBIAN13,
                                       "cli_available": ["28.5.2+dfsg3-1", DEBIAN13]}}, "28.5")
    assert plan["problems"] == [] and plan["hosts"]["m1"]["cli_package"] == "28.5.2+dfsg3-1"
    plan = docker_upgrade_plan({"m1": {"installed": DEBIAN13, "available": [SID], "cli_installed": DEBIAN13,
                                       "cli_available": [DEBIAN13]}}, "28.5")
    assert plan["problems"] == ["m1: no Docker CLI package 28.5 in its package sources"]
