"""After the day-2 side effect: every node on the upgraded engine, held; the swarm whole again."""

import os
import pathlib
import stat

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
NODES = ["m1", "m2", "m3", "w1"]


def node(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


@pytest.mark.parametrize("name", NODES)
def test_every_node_runs_the_upgraded_engine_and_holds_it(name):
    host = node(name)
    version = host.run("sudo docker version --format '{{.Server.Version}}'")
    assert version.rc == 0 and version.stdout.strip().startswith("28.5."), version.stdout + version.stderr
    held = host.run("apt-mark showhold").stdout.split()
    assert {"docker.io", "docker-cli"} <= set(held), held


def test_the_swarm_has_three_managers_and_a_leader():
    nodes = node("m1").run("sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
    assert nodes.rc == 0, nodes.stderr
    lines = nodes.stdout.splitlines()
    assert sorted(line.split()[0] for line in lines) == NODES, lines
    assert sum(line.endswith((" Leader", " Reachable")) for line in lines) == 3, lines
    assert all(" Ready " in line + " " for line in lines), lines


def test_the_backup_and_its_key_are_kept_for_their_owner_only():
    files = sorted((EPHEMERAL / "backups").glob("swarm-*"))
    assert [f.suffix for f in files] == [".gz", ".unlock-key"], files
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files
