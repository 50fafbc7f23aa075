"""keepalived planning: interfaces, priorities, unicast peers, and the problems refused."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.keepalived import (
    derived_priority,
    facts_addresses,
    keepalived_plan,
)


def facts(*addresses, secondaries=()):
    """ansible_facts with eth0 (NAT) and ens4 holding the given cluster addresses."""
    ens4 = {"ipv4": {"address": addresses[0], "netmask": "255.255.255.0"},
            "ipv4_secondaries": [{"address": a, "netmask": "255.255.255.0"} for a in addresses[1:]]
            + [{"address": a, "netmask": "255.255.255.0"} for a in secondaries]}
    return {"interfaces": ["lo", "eth0", "ens4"],
            "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
            "eth0": {"ipv4": {"address": "10.0.2.15", "netmask": "255.255.255.0"}},
            "ens4": ens4}


HOSTVARS = {
    "m1": {"ansible_facts": facts("10.77.4.11")},
    "m2": {"ansible_facts": facts("10.77.4.12")},
    "m3": {"ansible_facts": facts("10.77.4.13")},
}
HOLDERS = ["m1", "m2", "m3"]
VIP = {"address": "10.77.4.100/24", "virtual_router_id": 51}


def test_interface_priority_and_peers_follow_the_inventory():
    plan = keepalived_plan([VIP, dict(VIP, address="10.77.4.101/24", virtual_router_id=52, nopreempt=True)],
                           HOLDERS, HOSTVARS, unicast=True)
    assert plan["problems"] == []
    first = plan["hosts"]["m1"][0]
    assert first == {"name": "VI_51", "address": "10.77.4.100", "prefix": 24, "interface": "ens4",
                     "virtual_router_id": 51, "priority": 200, "nopreempt": False,
                     "src": "10.77.4.11", "peers": ["10.77.4.12", "10.77.4.13"]}
    assert [h[0]["priority"] for h in (plan["hosts"][n] for n in HOLDERS)] == [200, 190, 180]
    assert plan["hosts"]["m3"][1]["nopreempt"] is True
    assert plan["hosts"]["m3"][1]["peers"] == ["10.77.4.11", "10.77.4.12"]


def test_multicast_has_no_peers_and_a_held_vip_is_not_the_source():
    hostvars = dict(HOSTVARS, m2={"ansible_facts": facts("10.77.4.12", secondaries=["10.77.4.100"])})
    plan = keepalived_plan([dict(VIP, address="10.77.4.5/24")], HOLDERS, hostvars)
    assert plan["problems"] == []
    assert plan["hosts"]["m2"][0]["src"] == "10.77.4.12"
    assert plan["hosts"]["m2"][0]["peers"] == []
    held = keepalived_plan([VIP], HOLDERS, hostvars)
    assert held["hosts"]["m2"][0]["src"] == "10.77.4.12"


def test_explicit_priority_wins():
    hostvars = dict(HOSTVARS, m3=dict(HOSTVARS["m3"], keepalived_priority=250))
    plan = keepalived_plan([VIP], HOLDERS, hostvars)
    assert plan["problems"] == []
    assert plan["hosts"]["m3"][0]["priority"] == 250


@pytest.mark.parametrize("vips,hostvars,message", [
    ([{"address": "10.77.4.100", "virtual_router_id": 51}], HOSTVARS, "needs a prefix length"),
    ([{"address": "10.77.400.1/24", "virtual_router_id": 51}], HOSTVARS, "is not an IPv4 address"),
    ([{"address": "10.77.4.255/24", "virtual_router_id": 51}], HOSTVARS, "network or broadcast"),
    ([{"address": "10.77.4.100/24", "virtual_router_id": 256}], HOSTVARS, "virtual_router_id must be an integer 1-255"),
    ([{"address": "10.77.4.100/24"}], HOSTVARS, "virtual_router_id must be an integer 1-255, not None"),
    ([VIP, dict(VIP, address="10.77.4.101/24")], HOSTVARS, "share virtual_router_id 51"),
    ([VIP, dict(VIP, virtual_router_id=52)], HOSTVARS, "repeats the address 10.77.4.100"),
    ([dict(VIP, address="10.99.0.100/24")], HOSTVARS,
     "keepalived_vips[0] 10.99.0.100/24: any interface of m1 has no IPv4 address in 10.99.0.0/24"),
    ([dict(VIP, interface="eth0")], HOSTVARS, "interface eth0 of m1 has no IPv4 address in 10.77.4.0/24"),
    ([dict(VIP, address="10.77.4.100/16")], HOSTVARS, "the prefix differs from m2's subnet 10.77.4.0/24"),
    ([dict(VIP, address="10.77.4.100/25")], HOSTVARS, "the prefix differs from m1's subnet 10.77.4.0/24"),
    ([VIP], dict(HOSTVARS, m2=dict(HOSTVARS["m2"], keepalived_priority=255)), "keepalived_priority of m2 must be 1-254"),
    ([VIP], dict(HOSTVARS, m2=dict(HOSTVARS["m2"], keepalived_priority=200)), "hosts m1, m2 share keepalived_priority 200"),
    (["10.77.4.100/24"], HOSTVARS, "must be a dict"),
    ([dict(VIP, name="web vip")], HOSTVARS, "keepalived_vips[0].name 'web vip' must be 1-64 letters"),
    ([dict(VIP, name="web}")], HOSTVARS, "keepalived_vips[0].name 'web}' must be 1-64 letters"),
    ([dict(VIP, name="web"), dict(VIP, name="web", virtual_router_id=52, address="10.77.4.101/24")], HOSTVARS,
     "keepalived_vips[0] and keepalived_vips[1] share the name web"),
])
def test_bad_input_is_named(vips, hostvars, message):
    problems = keepalived_plan(vips, HOLDERS, hostvars)["problems"]
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize("password", ["pa ss", "pa#ss", "pa!ss", 'pa"ss', "pa{ss", "pä", "a\nb"])
def test_passwords_keepalived_conf_cannot_hold_are_refused(password):
    problems = keepalived_plan([VIP], HOLDERS, HOSTVARS, auth_pass=password)["problems"]
    assert any("printable ASCII without spaces" in p for p in problems), problems
    assert all(password not in p for p in problems)  # the password is never in a message


def test_a_named_vip_with_a_plain_name_passes():
    assert keepalived_plan([dict(VIP, name="VI_web-1.a")], HOLDERS, HOSTVARS, auth_pass="s3cr3t-X")["problems"] == []


def test_long_password_and_empty_group_are_refused():
    assert "longer than 8" in keepalived_plan([VIP], HOLDERS, HOSTVARS, auth_pass="123456789")["problems"][0]
    assert keepalived_plan([VIP], HOLDERS, HOSTVARS, auth_pass="12345678")["problems"] == []
    assert "has no hosts" in keepalived_plan([VIP], [], {})["problems"][0]


def test_derived_priorities_stay_distinct_and_in_range():
    for count in (1, 2, 3, 20, 200):
        values = [derived_priority(i, count) for i in range(count)]
        assert len(set(values)) == count
        assert all(1 <= v <= 254 for v in values)


def test_facts_addresses_reads_dashed_devices_and_secondaries():
    br_x1 = {"ipv4": {"address": "10.1.0.1", "netmask": "255.255.0.0"},
             "ipv4_secondaries": [{"address": "10.1.0.9", "netmask": "255.255.0.0"}]}
    f = {"interfaces": ["br-x1"], "br_x1": br_x1}
    assert [(d, str(a)) for d, a in facts_addresses(f)] == [("br-x1", "10.1.0.1/16"), ("br-x1", "10.1.0.9/16")]
    assert facts_addresses(None) == []


def test_router_id_given_as_a_string_is_accepted_without_changing_the_input():
    vip = {"address": "10.77.4.100/24", "virtual_router_id": "51"}
    plan = keepalived_plan([vip], HOLDERS, HOSTVARS)
    assert plan["problems"] == []
    assert plan["hosts"]["m1"][0]["virtual_router_id"] == 51
    assert vip["virtual_router_id"] == "51"
