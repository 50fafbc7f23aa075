"""Address planning checks: validity, pool sizes, overlaps, host networks."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.netcheck import (
    host_networks,
    network_problems,
)


def pool(i, cidr, size=24):
    return {"name": f"pools[{i}]", "cidr": cidr, "size": size}


def test_valid_plan_has_no_problems():
    planned = [pool(0, "10.201.0.0/16"), pool(1, "10.202.0.0/16", 26),
               {"name": "bip", "cidr": "10.203.0.1/24", "kind": "interface"},
               {"name": "gw", "cidr": "10.204.0.1", "kind": "address", "within": "10.204.0.0/24"}]
    assert network_problems(planned, [{"name": "eth0", "cidr": "192.168.1.0/24"}]) == []


@pytest.mark.parametrize("entry,message", [
    (pool(0, "10.300.0.0/16"), "pools[0]: '10.300.0.0/16' is not a valid network"),
    (pool(0, "10.201.0.1/16"), "pools[0]: '10.201.0.1/16' is not a valid network"),
    (pool(0, "10.201.0.0"), "is not a CIDR"),
    (pool(0, "10.201.0.0/16", 12), "size /12 is shorter than the prefix of base 10.201.0.0/16"),
    (pool(0, "10.201.0.0/16", 31), "leaves no room for hosts"),
    ({"name": "bip", "cidr": "10.203.0.1", "kind": "interface"}, "needs a prefix length"),
    ({"name": "gw", "cidr": "10.9.9.1", "kind": "address", "within": "10.204.0.0/24"},
     "gw: 10.9.9.1 is not inside 10.204.0.0/24"),
])
def test_each_mistake_is_named(entry, message):
    problems = network_problems([entry])
    assert len(problems) == 1
    assert message in problems[0]


def test_overlaps_between_planned_networks_are_reported_once_per_pair():
    problems = network_problems([pool(0, "10.201.0.0/16"), pool(1, "10.201.128.0/17"),
                                 {"name": "bip", "cidr": "10.201.5.1/24", "kind": "interface"}])
    assert problems == [
        "pools[0] (10.201.0.0/16) overlaps pools[1] (10.201.128.0/17)",
        "pools[0] (10.201.0.0/16) overlaps bip (10.201.5.0/24)",
    ]


def test_overlap_with_the_host_is_reported_but_host_networks_among_themselves_are_not():
    existing = [{"name": "eth1 address 10.77.3.11/24", "cidr": "10.77.3.0/24"},
                {"name": "route 10.77.0.0/16", "cidr": "10.77.0.0/16"}]
    problems = network_problems([pool(0, "10.77.0.0/16")], existing)
    assert problems == [
        "pools[0] (10.77.0.0/16) overlaps eth1 address 10.77.3.11/24 (10.77.3.0/24) on the host",
        "pools[0] (10.77.0.0/16) overlaps route 10.77.0.0/16 (10.77.0.0/16) on the host",
    ]


def test_host_networks_ignore_docker_interfaces_loopback_and_default_route():
    interfaces = [
        {"device": "lo", "ipv4": [{"address": "127.0.0.1", "prefix": "8"}]},
        {"device": "ens4", "ipv4": [{"address": "10.0.2.15", "prefix": "24"}]},
        {"device": "docker0", "ipv4": [{"address": "172.17.0.1", "prefix": "16"}]},
        {"device": "br-1234", "ipv4": [{"address": "172.18.0.1", "prefix": "16"}]},
        {"device": "ens5", "ipv4": []},
    ]
    routes = [{"dst": "default", "dev": "ens4"}, {"dst": "10.0.2.0/24", "dev": "ens4"},
              {"dst": "172.17.0.0/16", "dev": "docker0"}, {"dst": "10.0.2.3", "dev": "ens4"}]
    assert [n["cidr"] for n in host_networks(interfaces, routes)] == [
        "10.0.2.0/24", "10.0.2.0/24", "10.0.2.3/32"]


@pytest.mark.parametrize("device,key", [("eth0", "eth0"), ("br-lan", "br_lan"), ("eth0.100", "eth0_100"), ("eth0:1", "eth0_1")])
def test_device_facts_of_vlan_bridge_and_alias_devices(device, key):
    from ansible_collections.dockyard.swarm.plugins.module_utils.netcheck import device_facts

    facts = {key: {"ipv4": {"address": "10.0.0.1"}}}
    assert device_facts(facts, device) == {"ipv4": {"address": "10.0.0.1"}}
    assert device_facts(facts, "wlan9") == {}
