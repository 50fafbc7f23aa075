"""Firewall planning: the swarm sources from the inventory, the rules, and the problems refused."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.firewall import firewall_plan

FACTS = {"interfaces": ["lo", "ens4"], "ens4": {"ipv4": {"address": "10.77.4.13", "netmask": "255.255.255.0"}}}
NODES = {
    "m1": {"advertise": "10.77.4.11", "data_path": "", "facts": {}},
    "m2": {"advertise": "10.77.4.12:2377", "data_path": "10.88.0.12", "facts": {}},
    "m3": {"advertise": "ens4", "data_path": "", "facts": FACTS},
    "w1": {"advertise": "10.77.4.21", "data_path": "", "facts": {}},
}


def rule(plan, name):
    return [r for r in plan["rules"] if r["name"] == name][0]


def test_the_swarm_ports_accept_every_node_address_resolved_and_sorted():
    plan = firewall_plan("m1", NODES)
    assert plan["problems"] == []
    assert plan["nodes"] == ["10.77.4.11", "10.77.4.12", "10.77.4.13", "10.77.4.21", "10.88.0.12"]
    assert [(r["proto"], r["port"]) for r in plan["rules"]] == [
        ("tcp", 2377), ("tcp", 7946), ("udp", 7946), ("udp", 4789)]
    assert all(r["sources"] == plan["nodes"] for r in plan["rules"])
    assert plan["published"] == []


def test_a_node_added_to_the_inventory_is_a_source_on_every_node():
    nodes = dict(NODES, w2={"advertise": "10.77.4.22", "data_path": "", "facts": {}})
    for host in ("m1", "w1"):
        assert "10.77.4.22" in rule(firewall_plan(host, nodes), "swarm-control")["sources"]


def test_data_path_port_esp_vrrp_and_ssh():
    plan = firewall_plan("m1", NODES, data_path_port=4800, encrypted_overlays=True,
                         vrrp_sources=["10.77.4.12", "10.77.4.11"], ssh_sources=["192.0.2.7/24"], ssh_port=2222,
                         extra_sources=["10.99.0.0/16"])
    assert plan["problems"] == []
    assert rule(plan, "swarm-data-path")["port"] == 4800
    assert rule(plan, "swarm-esp") == {"name": "swarm-esp", "proto": "esp", "port": None, "sources": plan["nodes"],
                                       "family": None}
    assert "10.99.0.0/16" in plan["nodes"]
    assert rule(plan, "vrrp")["sources"] == ["10.77.4.11", "10.77.4.12"]
    assert rule(plan, "ssh") == {"name": "ssh", "proto": "tcp", "port": 2222, "sources": ["192.0.2.0/24"],
                                 "family": "ipv4"}


def test_no_vrrp_rule_without_peers_and_no_ssh_rule_without_sources():
    names = [r["name"] for r in firewall_plan("w1", NODES)["rules"]]
    assert "vrrp" not in names and "ssh" not in names and "swarm-esp" not in names


def test_published_ports_are_normalized():
    plan = firewall_plan("m1", NODES, published=[{"port": 8080, "sources": ["10.77.4.0/25", "10.1.2.3/32"]},
                                                 {"port": "53", "proto": "udp", "sources": []}])
    assert plan["problems"] == []
    assert plan["published"] == [{"proto": "tcp", "port": 8080, "sources": ["10.1.2.3", "10.77.4.0/25"]},
                                 {"proto": "udp", "port": 53, "sources": []}]


@pytest.mark.parametrize("kwargs,message", [
    ({"backend": "pf"}, "firewall_backend must be one of auto, nftables, firewalld, ufw, iptables, not 'pf'"),
    ({"ssh_sources": ["10.0.0.300/24"]}, "firewall_ssh_sources: '10.0.0.300/24' is not an IPv4 address or network"),
    ({"ssh_sources": "10.0.0.0/8"}, "firewall_ssh_sources must be a list"),
    ({"extra_sources": ["2001:db8::/32"]}, "firewall_swarm_extra_sources: 2001:db8::/32 is IPv6"),
    ({"data_path_port": 80}, "swarm_data_path_port must be within 1024-49151, not 80"),
    ({"ssh_port": 70000}, "firewall_ssh_port must be within 1-65535"),
    ({"ssh_port": 7946, "ssh_sources": ["10.0.0.0/8"]}, "7946/tcp is used by both ssh and swarm-gossip-tcp"),
    ({"data_path_port": 7946}, "7946/udp is used by both swarm-data-path and swarm-gossip-udp"),
    ({"published": [{"port": 8080}]}, "firewall_published_ports[0] needs sources"),
    ({"published": [{"port": 8080, "proto": "sctp", "sources": []}]}, "firewall_published_ports[0].proto must be tcp or udp"),
    ({"published": [{"port": 8080, "sources": [], "src": []}]}, "firewall_published_ports[0] has unknown keys src"),
    ({"published": [{"port": 8080, "sources": []}, {"port": 8080, "sources": ["10.0.0.0/8"]}]},
     "firewall_published_ports[1] repeats 8080/tcp"),
    ({"published": "8080"}, "firewall_published_ports must be a list"),
])
def test_bad_input_is_named_in_a_problem(kwargs, message):
    problems = firewall_plan("m1", NODES, **kwargs)["problems"]
    assert any(message in p for p in problems), problems


def test_an_unresolvable_interface_or_a_stranger_host_is_a_problem():
    nodes = dict(NODES, m3={"advertise": "ens4", "data_path": "", "facts": {}})
    problems = firewall_plan("x9", nodes)["problems"]
    assert any("'ens4' of m3 is neither an IPv4 address nor an interface" in p for p in problems), problems
    assert any("x9 is not a swarm node of the inventory" in p for p in problems), problems


@pytest.mark.parametrize("controller,problem", [
    ("192.0.2.7", None),
    ("10.0.2.2", "firewall_ssh_sources (192.0.2.0/24) do not contain 10.0.2.2, the address this run's SSH connection"),
    ("fd00::5", None),  # IPv6 SSH is left alone
    ("", None),  # not over SSH
    (None, None),
])
def test_ssh_sources_must_keep_the_controller(controller, problem):
    plan = firewall_plan("m1", NODES, ssh_sources=["192.0.2.0/24"], controller=controller)
    if problem is None:
        assert plan["problems"] == []
    else:
        assert len(plan["problems"]) == 1 and plan["problems"][0].startswith(problem)


def test_only_the_ssh_rule_is_limited_to_ipv4():
    plan = firewall_plan("m1", NODES, ssh_sources=["192.0.2.0/24"])
    assert {r["name"]: r["family"] for r in plan["rules"]} == {
        "swarm-control": None, "swarm-gossip-tcp": None, "swarm-gossip-udp": None,
        "swarm-data-path": None, "ssh": "ipv4"}


def test_the_control_rule_follows_the_listen_port():
    assert rule(firewall_plan("m1", NODES), "swarm-control")["port"] == 2377
    assert rule(firewall_plan("m1", NODES, control_port=2400), "swarm-control")["port"] == 2400
