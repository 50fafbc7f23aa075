"""The cluster segment between the two engine VMs carries what a swarm and keepalived need.

This is the harness check: it proves the VM harness's emulated L2 segment, and shares the
engine scenario's Debian 12 + Debian 13 VMs instead of booting two of its own. The unicast
listeners run on engine13, which never joins a swarm, so no dockerd socket is in the way.

Unicast TCP/UDP on the swarm ports, full-size frames, UDP multicast and raw VRRP
(IP protocol 112 to 224.0.0.18), in both directions where it matters.
"""

import ipaddress
import os
import time

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

CLUSTER_NET = ipaddress.ip_network("10.77.3.0/24")  # the engine scenario's segment
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]


@pytest.fixture(scope="module")
def nodes():
    names = sorted(AnsibleRunner(INVENTORY).get_hosts("all"))
    assert len(names) == 2, names
    result = []
    for name in names:
        host = testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
        out = host.check_output(f"ip -4 -o addr show to {CLUSTER_NET}")
        fields = out.split()
        result.append({"name": name, "host": host, "iface": fields[1],
                       "addr": fields[3].split("/")[0]})
    return result


def listen(node, tag, args):
    node["host"].check_output(
        f"sudo sh -c 'rm -f /tmp/{tag}.out; nohup timeout 90 python3 /usr/local/bin/netprobe listen {args} "
        f"> /tmp/{tag}.out 2>&1 < /dev/null &'"
    )


def exchange(receiver, sender, tag, listen_args, send_args, tries=30):
    """Start a listener, send until it reports the payload, return what it printed."""
    listen(receiver, tag, listen_args)
    for _attempt in range(tries):
        sender["host"].run(f"sudo timeout 10 python3 /usr/local/bin/netprobe send {send_args}")
        out = receiver["host"].run(f"cat /tmp/{tag}.out").stdout.strip()
        if out:
            return out
        time.sleep(1)
    pytest.fail(f"{receiver['name']} received nothing for {tag}")


def test_each_node_has_its_cluster_address_on_a_separate_nic(nodes):
    for node in nodes:
        default_dev = node["host"].check_output("ip -4 route show default").split()[4]
        assert node["iface"] != default_dev
        assert ipaddress.ip_address(node["addr"]) in CLUSTER_NET


def test_full_size_frames_pass_both_ways(nodes):
    a, b = nodes
    for src, dst in ((a, b), (b, a)):
        ping = src["host"].run(f"sudo ping -c 3 -W 5 -M do -s 1472 {dst['addr']}")
        assert ping.rc == 0, ping.stdout + ping.stderr


@pytest.mark.parametrize("proto,port", [("tcp", 2377), ("tcp", 7946), ("udp", 7946),
                                        ("udp", 4789)])
def test_swarm_ports_reach_the_peer(nodes, proto, port):
    a, b = nodes
    payload = f"{proto}-{port}-from-{a['name']}"
    out = exchange(b, a, f"{proto}{port}", f"{proto} {port} {b['addr']}",
                   f"{proto} {b['addr']} {port} {payload}")
    assert out == f"{a['addr']} {payload}"


def test_udp_multicast_reaches_the_peer(nodes):
    a, b = nodes
    out = exchange(b, a, "mcast", f"mcast 239.77.2.1 5405 {b['addr']}",
                   f"mcast 239.77.2.1 5405 {a['addr']} hello-multicast")
    assert out == f"{a['addr']} hello-multicast"


def test_vrrp_multicast_reaches_the_peer_both_ways(nodes):
    a, b = nodes
    for src, dst in ((a, b), (b, a)):
        out = exchange(dst, src, "vrrp", f"vrrp {dst['addr']}",
                       f"vrrp {src['addr']} vrrp-from-{src['name']}")
        assert out == f"{src['addr']} vrrp-from-{src['name']}"
