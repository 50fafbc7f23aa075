"""The firewall role on the cluster: one backend per node, a stranger on the segment filtered.

The stranger is 10.77.4.200, an extra /32 on a node's cluster NIC for the duration of a test:
on the same segment as the nodes, but no swarm node. TCP is probed with a connect from that
source address; UDP by the target's connection tracking, where an accepted datagram leaves an
entry and a dropped one none (a member's datagram is the control).
"""
import base64

import pytest

from test_cluster import ADDRESSES, busybox_everywhere, node, web_service  # noqa: F401 (fixtures)

BACKENDS = {"m1": "nftables", "m2": "firewalld", "m3": "ufw", "w1": "iptables"}
STRANGER = "10.77.4.200"
PROBE = base64.b64encode(b"""
import socket, sys
kind, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if kind == "tcp":
    s = socket.socket()
    s.settimeout(6)
    s.bind((src, 0))
    try:
        s.connect((dst, port))
        print("open")
    except socket.timeout:
        print("filtered")
    except ConnectionRefusedError:
        print("refused")
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(b"dockyard-probe", (dst, port))
    print(s.getsockname()[1])
""").decode()


def probe(client, kind, src, dst, port):
    return client.check_output(f"echo {PROBE} | base64 -d | python3 - {kind} {src} {dst} {port}")


def tracked(target, src, sport, dport):
    """Whether the target's conntrack table holds the datagram src:sport -> target:dport."""
    entries = node(target).check_output("sudo cat /proc/net/nf_conntrack")
    return f"src={src} dst={ADDRESSES[target]} sport={sport} dport={dport} " in entries


@pytest.fixture(scope="module")
def strangers():
    """The stranger address on w1 (to probe the managers) and on m1 (to probe w1)."""
    nics = {}
    for name in ("w1", "m1"):
        nics[name] = node(name).check_output("ip -o -4 addr show to 10.77.4.0/24 | awk '{print $2}' | head -1")
        node(name).run(f"sudo ip addr add {STRANGER}/32 dev {nics[name]}")
    yield {target: "m1" if target == "w1" else "w1" for target in ADDRESSES}
    for name, nic in nics.items():
        node(name).run(f"sudo ip addr del {STRANGER}/32 dev {nic}")


@pytest.mark.parametrize("target", sorted(ADDRESSES))
def test_the_backend_of_each_node_holds_the_roles_rules(target):
    host = node(target)
    checks = {
        "nftables": "sudo nft list table inet dockyard_swarm",
        "firewalld": "sudo firewall-cmd --info-policy=dockyard-swarm",
        "ufw": "sudo ufw status",
        "iptables": "sudo iptables -w 10 -S DOCKYARD-SWARM",
    }
    out = host.check_output(checks[BACKENDS[target]])
    assert "2377" in out and "7946" in out and "4789" in out, out
    if BACKENDS[target] in ("firewalld", "ufw"):
        assert host.service({"firewalld": "firewalld", "ufw": "ufw"}[BACKENDS[target]]).is_running


@pytest.mark.parametrize("target", sorted(ADDRESSES))
@pytest.mark.parametrize("port", [2377, 7946])
def test_tcp_swarm_ports_answer_members_and_drop_the_stranger(strangers, target, port):
    client = node(strangers[target])
    member = ADDRESSES[strangers[target]]
    # Nothing listens on 2377 on a worker: a member is refused there, not filtered.
    expected = "refused" if (port == 2377 and target == "w1") else "open"
    assert probe(client, "tcp", member, ADDRESSES[target], port) == expected
    assert probe(client, "tcp", STRANGER, ADDRESSES[target], port) == "filtered"


@pytest.mark.parametrize("target", sorted(ADDRESSES))
@pytest.mark.parametrize("port", [7946, 4789])
def test_udp_swarm_ports_take_members_and_drop_the_stranger(strangers, target, port):
    client = node(strangers[target])
    member = ADDRESSES[strangers[target]]
    sent = {src: probe(client, "udp", src, ADDRESSES[target], port) for src in (member, STRANGER)}
    assert tracked(target, member, sent[member], port), "the member's datagram did not arrive"
    assert not tracked(target, STRANGER, sent[STRANGER], port), "the stranger's datagram was let in"


@pytest.mark.parametrize("target", sorted(ADDRESSES))
def test_the_restricted_published_port_drops_the_stranger(strangers, web_service, target):
    client = node(strangers[target])
    member = ADDRESSES[strangers[target]]
    assert probe(client, "tcp", member, ADDRESSES[target], 8080) == "open"
    assert probe(client, "tcp", STRANGER, ADDRESSES[target], 8080) == "filtered"
