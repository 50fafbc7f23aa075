"""site.yml on a bare Debian 13 server: the roles installed what the node lacked, and it runs."""

import re
import time

# Written by apt for every install: the image (debian13-bare) had none of these, so an
# "Install:" line naming them comes from the roles' package tasks, not from the image build.
INSTALLED_BY_THE_ROLES = ["docker.io", "docker-cli", "python3-docker", "keepalived", "nftables"]


def apt_installs(host):
    history = host.file("/var/log/apt/history.log").content_string
    return " ".join(line for line in history.splitlines() if line.startswith("Install:"))


def test_the_roles_installed_the_packages(host):
    # prepare.yml recorded, before any run of the roles, that none of them was installed
    before = host.file("/root/before-converge").content_string.splitlines()
    installs = apt_installs(host)
    for package in INSTALLED_BY_THE_ROLES:
        assert f"{package} absent" in before, before
        assert host.package(package).is_installed, package
        assert re.search(rf"(^|\s){re.escape(package)}:amd64 ", installs), f"{package} not installed by apt on this VM"


def test_docker_is_debian_13s_engine(host):
    version = host.run("docker version --format '{{.Server.Version}}'")
    assert version.rc == 0, version.stderr
    assert version.stdout.strip().startswith("26.1."), version.stdout


def test_swarm_is_an_autolocked_manager(host):
    out = host.run("docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")
    assert out.stdout.split() == ["active", "true"], out.stdout + out.stderr
    autolock = host.run("docker info --format '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}'")
    assert autolock.stdout.strip() == "true", autolock.stdout + autolock.stderr


def test_keepalived_holds_the_vip(host):
    assert host.service("keepalived").is_running
    assert host.service("keepalived").is_enabled
    # The only holder takes the VIP once its health check passed twice (every 2 s); a check
    # that timed out on a busy guest makes it wait for the next two. Give it a minute.
    deadline = time.time() + 60
    while "10.77.5.100/24" not in host.run("ip -4 -o addr show").stdout and time.time() < deadline:
        time.sleep(3)
    journal = host.run("journalctl -u keepalived --no-pager -n 15 --output cat").stdout
    assert "10.77.5.100/24" in host.run("ip -4 -o addr show").stdout, journal


def test_nftables_carries_the_swarm_rules(host):
    assert host.service("nftables").is_enabled
    ruleset = host.run("nft list ruleset").stdout
    for port in ("2377", "7946", "4789"):
        assert port in ruleset, port


def test_vrrp_leaves_from_the_nodes_cluster_address(host):
    # multicast here (no keepalived_unicast): the source the firewall's VRRP allow list names
    conf = host.file("/etc/keepalived/keepalived.conf").content_string
    assert "mcast_src_ip 10.77.5.11" in conf, conf
