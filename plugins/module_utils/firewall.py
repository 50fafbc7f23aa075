# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The firewall role's rules, planned from the inventory (pure logic, no I/O).

A rule is backend-neutral: {name, proto, port, sources}. Every backend renders the same meaning:
traffic of that protocol (and port) is accepted from the sources and dropped from anyone else.
Nothing else on the host is touched. Published service ports ("published") are filtered where
Docker's routing mesh forwards them (DOCKER-USER, or the forward hook for nftables), matched on
the port the client connected to and on connections Docker rewrote (DNAT) only.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.dockyard.swarm.plugins.module_utils.netcheck import device_facts

BACKENDS = ("auto", "nftables", "firewalld", "ufw", "iptables")
DEFAULT_DATA_PATH_PORT = 4789
PROTOCOL_NUMBERS = {"esp": 50, "vrrp": 112}


def _address_of(value, facts):
    """An IPv4 address from an address or an interface name (resolved with the host's facts)."""
    value = str(value or "").strip()
    if not value:
        return None
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value  # "10.0.0.1:2377"
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    data = device_facts(facts, host)
    address = (data.get("ipv4") or {}).get("address")
    return str(address) if address else None


def _networks(values, label, problems):
    """Validated IPv4 networks (strings, normalized) from a list of addresses or CIDRs."""
    result = []
    if values is None:
        return result
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        problems.append("%s must be a list of IPv4 addresses or networks, not %r" % (label, values))
        return result
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            problems.append("%s: %r is not an IPv4 address or network (CIDR)" % (label, value))
            continue
        if network.version != 4:
            problems.append("%s: %s is IPv6; the role manages IPv4 only" % (label, value))
            continue
        text = str(network.network_address) if network.prefixlen == 32 else str(network)
        if text not in result:
            result.append(text)
    return result


def _port(value, label, problems, low=1, high=65535):
    try:
        port = int(value)
    except (TypeError, ValueError):
        problems.append("%s must be a port number, not %r" % (label, value))
        return None
    if isinstance(value, bool) or not low <= port <= high:
        problems.append("%s must be within %d-%d, not %r" % (label, low, high, value))
        return None
    return port


def _sorted_addresses(values):
    def key(text):
        network = ipaddress.ip_network(text)
        return (int(network.network_address), network.prefixlen)
    return sorted(set(values), key=key)


def _controller_problems(controller, ssh_networks, ssh_port, host):
    """The SSH connection of this run must stay allowed by firewall_ssh_sources."""
    try:
        address = ipaddress.ip_address(str(controller or "").strip())
    except ValueError:
        return []  # unknown (a local connection, a connection plugin without SSH_CONNECTION)
    if address.version != 4:
        return []  # IPv6 SSH is left alone (rule family ipv4)
    if any(address in ipaddress.ip_network(net, strict=False) for net in ssh_networks):
        return []
    return ["firewall_ssh_sources (%s) do not contain %s, the address this run's SSH connection to %s "
            "comes from: port %s would be closed to it. Add it (or its network)"
            % (", ".join(ssh_networks), address, host, ssh_port)]


def firewall_plan(host, nodes, backend="auto", extra_sources=None, data_path_port=None,
                  encrypted_overlays=False, vrrp_sources=None, ssh_sources=None, ssh_port=22,
                  published=None, controller=None, control_port=2377):
    """Plan the rules of one host.

    host: the inventory hostname the rules are for.
    nodes: {host: {"advertise": addr or interface, "data_path": addr or interface or "",
            "facts": ansible_facts}} for every swarm node in the inventory.
    vrrp_sources: addresses of the keepalived peers when this host holds a VIP, else empty.
    published: [{"port": N, "proto": "tcp"|"udp", "sources": [CIDR, ...]}].
    control_port: the port this host's swarm management listens on (swarm_listen_addr, 2377).
    controller: the address this run's SSH connection to the host comes from (SSH_CONNECTION),
    which ssh_sources must contain; None when unknown.
    Returns {"problems": [...], "nodes": [address, ...], "rules": [...], "published": [...]}.
    Each rule has a family: None (IPv4 and IPv6: the swarm's ports, dropped from anyone else
    in both) or "ipv4" (SSH: only IPv4 sources can be listed, so IPv6 SSH is left alone).
    """
    problems = []
    if backend not in BACKENDS:
        problems.append("firewall_backend must be one of %s, not %r" % (", ".join(BACKENDS), backend))

    addresses = []
    for name in sorted(nodes or {}):
        node = nodes[name] or {}
        for key in ("advertise", "data_path"):
            value = node.get(key)
            if not value:
                continue
            address = _address_of(value, node.get("facts"))
            if address is None:
                problems.append("the swarm %s address %r of %s is neither an IPv4 address nor an interface "
                                "of it with an address (are its facts gathered? a --limit skips them)"
                                % (key.replace("_", " "), value, name))
                continue
            addresses.append(address)
    if host not in (nodes or {}):
        problems.append("%s is not a swarm node of the inventory: the firewall role protects swarm nodes" % host)
    extra = _networks(extra_sources, "firewall_swarm_extra_sources", problems)
    swarm_sources = _sorted_addresses(addresses + extra)

    port = DEFAULT_DATA_PATH_PORT if data_path_port in (None, "") else _port(
        data_path_port, "swarm_data_path_port", problems, 1024, 49151)
    ssh_networks = _networks(ssh_sources, "firewall_ssh_sources", problems)
    ssh = _port(ssh_port, "firewall_ssh_port", problems)
    vrrp = _sorted_addresses(_networks(vrrp_sources, "VRRP peers", problems))

    rules = [
        {"name": "swarm-control", "proto": "tcp", "sources": swarm_sources,
         "port": _port(control_port, "the swarm listen port", problems, 1, 65535) or 2377},
        {"name": "swarm-gossip-tcp", "proto": "tcp", "port": 7946, "sources": swarm_sources},
        {"name": "swarm-gossip-udp", "proto": "udp", "port": 7946, "sources": swarm_sources},
        {"name": "swarm-data-path", "proto": "udp", "port": port, "sources": swarm_sources},
    ]
    if encrypted_overlays:
        rules.append({"name": "swarm-esp", "proto": "esp", "port": None, "sources": swarm_sources})
    if vrrp:
        rules.append({"name": "vrrp", "proto": "vrrp", "port": None, "sources": vrrp})
    if ssh_networks and ssh is not None:
        rules.append({"name": "ssh", "proto": "tcp", "port": ssh, "sources": _sorted_addresses(ssh_networks),
                      "family": "ipv4"})
        problems += _controller_problems(controller, ssh_networks, ssh, host)
    for rule in rules:
        rule.setdefault("family", None)
    taken = dict(((rule["proto"], rule["port"]), rule["name"]) for rule in rules)

    planned = []
    if published is not None and not isinstance(published, (list, tuple)):
        problems.append("firewall_published_ports must be a list, not %r" % (published,))
        published = []
    for number, entry in enumerate(published or []):
        label = "firewall_published_ports[%d]" % number
        if not isinstance(entry, dict):
            problems.append("%s must be a dict with port, proto and sources, not %r" % (label, entry))
            continue
        unknown = sorted(set(entry) - set(("port", "proto", "sources")))
        if unknown:
            problems.append("%s has unknown keys %s (known: port, proto, sources)" % (label, ", ".join(unknown)))
        proto = str(entry.get("proto", "tcp"))
        if proto not in ("tcp", "udp"):
            problems.append("%s.proto must be tcp or udp, not %r" % (label, proto))
        number_port = _port(entry.get("port"), label + ".port", problems)
        if "sources" not in entry:
            problems.append("%s needs sources (the networks allowed to reach the port)" % label)
        sources = _networks(entry.get("sources"), label + ".sources", problems)
        if (proto, number_port) in [(item["proto"], item["port"]) for item in planned]:
            problems.append("%s repeats %s/%s" % (label, number_port, proto))
            continue
        planned.append({"proto": proto, "port": number_port, "sources": _sorted_addresses(sources)})

    for rule in rules:
        owner = taken[(rule["proto"], rule["port"])]
        if owner != rule["name"]:
            problems.append("%s/%s is used by both %s and %s" % (rule["port"], rule["proto"], owner, rule["name"]))
    return {"problems": problems, "nodes": swarm_sources, "rules": rules, "published": planned}
