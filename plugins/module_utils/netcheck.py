# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Address planning checks shared by the roles' pre-flight validation (pure functions).

A "planned" network is one the user configures (an address pool, bip, the docker_gwbridge
subnet, the swarm's default address pool); an "existing" one is already on the host (an
interface address or a route).  Planned networks must be valid and overlap neither each
other nor an existing network; existing networks are not compared with each other.
"""

from __future__ import annotations

import ipaddress
import re


def device_facts(facts, device):
    """The facts of one network device: Ansible names them after the device with every '-', '.'
    and ':' made '_' (br-lan -> br_lan, eth0.100 -> eth0_100, eth0:1 -> eth0_1)."""
    return (facts or {}).get(re.sub(r"[-.:]", "_", str(device))) or {}


def _parse(entry):
    """Return (network, problem) for a planned entry {name, cidr, kind, size}."""
    name, cidr, kind = entry.get("name"), entry.get("cidr"), entry.get("kind", "network")
    try:
        if kind == "interface":  # an address with prefix, like bip: 172.26.0.1/16
            iface = ipaddress.ip_interface(str(cidr))
            if iface.network.prefixlen == iface.max_prefixlen:
                return None, "%s: %r needs a prefix length (e.g. 172.26.0.1/16)" % (name, cidr)
            return iface.network, None
        if kind == "address":  # a single address, optionally inside a given network
            address = ipaddress.ip_address(str(cidr))
            within = entry.get("within")
            if within:
                try:
                    container = ipaddress.ip_network(str(within), strict=False)
                except ValueError:
                    return None, None  # the network's own entry reports it
                if address not in container:
                    return None, "%s: %s is not inside %s" % (name, address, container)
            return None, None
        if "/" not in str(cidr):
            return None, "%s: %r is not a CIDR (expected e.g. 10.200.0.0/16)" % (name, cidr)
        network = ipaddress.ip_network(str(cidr), strict=True)
    except ValueError as exc:
        return None, "%s: %r is not a valid %s (%s)" % (name, cidr, kind, exc)
    size = entry.get("size")
    if size is not None:
        try:
            size = int(size)
        except (TypeError, ValueError):
            return None, "%s: size %r is not a number" % (name, size)
        if size < network.prefixlen:
            return None, ("%s: size /%d is shorter than the prefix of base %s: each network "
                          "carved from the pool must fit inside it" % (name, size, cidr))
        if size > network.max_prefixlen - 2:
            return None, "%s: size /%d leaves no room for hosts" % (name, size)
    return network, None


def network_problems(planned, existing=None):
    """List every problem with the planned networks, as messages naming the value."""
    problems = []
    parsed = []
    for entry in planned or []:
        network, problem = _parse(entry)
        if problem:
            problems.append(problem)
        elif network is not None:
            parsed.append((entry["name"], network))
    for i, (name_a, net_a) in enumerate(parsed):
        for name_b, net_b in parsed[i + 1:]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):
                problems.append("%s (%s) overlaps %s (%s)" % (name_a, net_a, name_b, net_b))
    for entry in existing or []:
        try:
            host_net = ipaddress.ip_network(str(entry["cidr"]), strict=False)
        except ValueError:
            continue
        for name, network in parsed:
            if network.version == host_net.version and network.overlaps(host_net):
                problems.append("%s (%s) overlaps %s (%s) on the host"
                                % (name, network, entry.get("name", "a network"), host_net))
    return problems


def host_networks(interfaces, routes=None, ignore_prefixes=("docker", "br-", "veth", "lo")):
    """Existing networks of a host from facts-like data.

    interfaces: list of {device, ipv4: [{address, prefix}]}; routes: list of `ip -j route`
    objects.  Docker's own bridges and veths are ignored: their networks come from Docker.
    """
    result = []
    for iface in interfaces or []:
        device = iface.get("device", "")
        if device.startswith(tuple(ignore_prefixes)):
            continue
        for addr in iface.get("ipv4") or []:
            if addr.get("address") and addr.get("prefix") is not None:
                network = ipaddress.ip_interface("%s/%s" % (addr["address"], addr["prefix"])).network
                result.append({"name": "%s address %s/%s" % (device, addr["address"], addr["prefix"]),
                               "cidr": str(network)})
    for route in routes or []:
        dst, dev = route.get("dst"), route.get("dev", "")
        if not dst or dst == "default" or dev.startswith(tuple(ignore_prefixes)):
            continue
        if "/" not in dst:
            dst += "/32"
        result.append({"name": "route %s via %s" % (dst, dev or "?"), "cidr": dst})
    return result
