"""docker_engine's result on Debian 12 and 13: daemon.json, pools, docker_gwbridge, containers."""

import ipaddress
import json

import pytest

EXPECTED_DAEMON_JSON = {
    "bip": "10.203.0.1/24",
    "default-address-pools": [{"base": "10.201.0.0/16", "size": 24},
                              {"base": "10.202.0.0/16", "size": 26}],
    "log-driver": "json-file",
    "log-opts": {"max-file": "5", "max-size": "20m"},
    "max-concurrent-downloads": 4,
    "metrics-addr": "127.0.0.1:9323",
    "no-new-privileges": True,
}


def docker(host, args):
    return host.check_output(f"sudo docker {args}")


def test_daemon_json_has_exactly_the_configured_keys(host):
    f = host.file("/etc/docker/daemon.json")
    assert f.user == "root" and f.group == "root" and f.mode == 0o644
    expected = json.loads(json.dumps(EXPECTED_DAEMON_JSON))
    if host.backend.get_hostname() == "engine12":  # the side effect's swarm-safe restart changed it
        expected["log-opts"]["max-file"] = "6"
    assert json.loads(f.content_string) == expected


def test_dockerd_runs_with_that_configuration(host):
    info = json.loads(docker(host, "info --format '{{json .}}'"))
    assert info["LoggingDriver"] == "json-file"
    assert info["Swarm"]["LocalNodeState"] == "inactive"  # the side effect left its test swarm


def test_new_bridge_networks_come_from_the_configured_pool(host):
    docker(host, "network rm pooltest >/dev/null 2>&1 || true")
    docker(host, "network create pooltest")
    try:
        subnet = docker(host, "network inspect pooltest --format '{{(index .IPAM.Config 0).Subnet}}'")
    finally:
        docker(host, "network rm pooltest")
    network = ipaddress.ip_network(subnet)
    assert network.subnet_of(ipaddress.ip_network("10.201.0.0/16"))
    assert network.prefixlen == 24


def test_docker0_has_the_configured_bip(host):
    assert "10.203.0.1/24" in host.check_output("ip -4 -o addr show docker0")


def test_docker_gwbridge_has_the_configured_subnet_and_mtu(host):
    net = json.loads(docker(host, "network inspect docker_gwbridge --format '{{json .}}'"))
    assert net["IPAM"]["Config"][0]["Subnet"] == "10.204.0.0/24"
    assert net["IPAM"]["Config"][0]["Gateway"] == "10.204.0.1"
    assert net["Options"]["com.docker.network.driver.mtu"] == "1400"
    assert net["Options"]["com.docker.network.bridge.enable_icc"] == "false"
    assert net["Options"]["com.docker.network.bridge.enable_ip_masquerade"] == "true"
    assert "10.204.0.1/24" in host.check_output("ip -4 -o addr show docker_gwbridge")


@pytest.fixture()
def busybox(host):
    """A busybox image built with docker import (no registry is reachable)."""
    host.check_output(
        "sudo sh -c 'docker image inspect busybox:local >/dev/null 2>&1 || "
        "(rm -rf /tmp/bb && mkdir -p /tmp/bb/bin && cp /bin/busybox /tmp/bb/bin/ && "
        "for c in sh echo cat httpd; do ln -sf busybox /tmp/bb/bin/$c; done && "
        "tar -C /tmp/bb -c . | docker import - busybox:local >/dev/null)'"
    )
    return "busybox:local"


def test_containers_run_with_addresses_from_the_pool(host, busybox):
    out = docker(host, f"run --rm {busybox} sh -c 'echo hello-from-container'")
    assert out == "hello-from-container"
    addr = docker(host, f"run --rm {busybox} sh -c \"ip -4 -o addr show eth0 2>/dev/null || cat /proc/net/fib_trie\"")
    assert "10.203.0." in addr  # the default bridge's bip network
