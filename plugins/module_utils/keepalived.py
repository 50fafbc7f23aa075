# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Planning of keepalived VRRP instances from the inventory (pure logic, no I/O).

Every holder of a VIP gets one instance per VIP: the interface whose IPv4 subnet contains the
VIP (or the one named), a priority derived from the holder's place in the inventory group
(unless set), and for unicast the addresses of the other holders on that same subnet.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dockyard.swarm.plugins.module_utils.netcheck import device_facts

MAX_DERIVED_PRIORITY = 200
PRIORITY_STEP = 10
AUTH_PASS_MAX = 8  # keepalived uses only the first 8 characters of auth_pass
# What keepalived.conf can hold without quoting: no whitespace, no quote, no brace, and no
# "#" or "!", which start a comment anywhere on a line.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
AUTH_PASS_PATTERN = re.compile(r"^[\x21-\x7e]+$")
AUTH_PASS_FORBIDDEN = set("\"'{}#!")


def facts_addresses(facts):
    """IPv4 addresses of a host from its Ansible facts: [(device, IPv4Interface)]."""
    result = []
    for device in (facts or {}).get("interfaces", []) or []:
        data = device_facts(facts, device)
        for entry in [data.get("ipv4") or {}] + list(data.get("ipv4_secondaries") or []):
            if entry.get("address") and entry.get("netmask"):
                try:
                    result.append((device, ipaddress.ip_interface(
                        "%s/%s" % (entry["address"], entry["netmask"]))))
                except ValueError:
                    continue
    return sorted(result, key=lambda item: (item[0], int(item[1].ip)))


def derived_priority(index, count):
    """Priority of the holder at position index (0 = first) among count holders."""
    step = max(1, min(PRIORITY_STEP, (MAX_DERIVED_PRIORITY - 1) // max(count - 1, 1)))
    return MAX_DERIVED_PRIORITY - index * step


def _parse_vip(number, vip):
    """Return (IPv4Interface or None, problems) for one entry of keepalived_vips."""
    label = "keepalived_vips[%d]" % number
    if not isinstance(vip, dict):
        return None, ["%s must be a dict with address and virtual_router_id, not %r" % (label, vip)]
    problems = []
    address = str(vip.get("address", ""))
    iface = None
    if "/" not in address:
        problems.append("%s.address %r needs a prefix length (for example 10.0.0.100/24)" % (label, address))
    else:
        try:
            iface = ipaddress.IPv4Interface(address)
        except ValueError:
            problems.append("%s.address %r is not an IPv4 address with prefix" % (label, address))
    if iface is not None and iface.ip in (iface.network.network_address, iface.network.broadcast_address) \
            and iface.network.prefixlen < 31:
        problems.append("%s.address %s is the network or broadcast address of its subnet" % (label, address))
    vrid = vip.get("virtual_router_id")
    if isinstance(vrid, str) and vrid.strip().isdigit():
        vrid = vip["virtual_router_id"] = int(vrid)  # extra vars and surveys give strings
    if not isinstance(vrid, int) or isinstance(vrid, bool) or not 1 <= vrid <= 255:
        problems.append("%s.virtual_router_id must be an integer 1-255, not %r" % (label, vrid))
    return iface, problems


def keepalived_plan(vips, holders, hostvars, auth_pass="", unicast=False):
    """Plan the VRRP instances of every holder.

    vips: keepalived_vips (list of {address, virtual_router_id, interface?, nopreempt?, name?}).
    holders: the inventory hostnames that hold the VIPs, in inventory order.
    hostvars: {host: {ansible_facts, keepalived_priority?}} (Ansible's hostvars fits).
    Returns {"problems": [...], "hosts": {host: [instance, ...]}}; an instance is
    {name, address, prefix, interface, virtual_router_id, priority, nopreempt, src, peers}.
    """
    problems = []
    parsed = []
    for number, vip in enumerate(vips or []):
        vip = dict(vip) if isinstance(vip, dict) else vip  # never change the caller's data
        iface, vip_problems = _parse_vip(number, vip)
        problems.extend(vip_problems)
        parsed.append((number, vip, None if vip_problems else iface))
    seen_ids = {}
    seen_addresses = {}
    for number, vip, iface in parsed:
        vrid = vip.get("virtual_router_id") if isinstance(vip, dict) else None
        if isinstance(vrid, int) and vrid in seen_ids:
            problems.append("keepalived_vips[%d] and keepalived_vips[%d] share virtual_router_id %d: "
                            "each VIP needs its own" % (seen_ids[vrid], number, vrid))
        seen_ids.setdefault(vrid, number)
        if iface is not None and iface.ip in seen_addresses:
            problems.append("keepalived_vips[%d] repeats the address %s of keepalived_vips[%d]"
                            % (number, iface.ip, seen_addresses[iface.ip]))
        if iface is not None:
            seen_addresses.setdefault(iface.ip, number)
    names = {}
    for number, vip, iface in parsed:
        name = vip.get("name") if isinstance(vip, dict) else None
        if name in (None, ""):
            continue
        if not NAME_PATTERN.match(str(name)):
            problems.append("keepalived_vips[%d].name %r must be 1-64 letters, digits, '_', '.', ':' or '-' "
                            "(it becomes a word of keepalived.conf)" % (number, name))
        elif name in names:
            problems.append("keepalived_vips[%d] and keepalived_vips[%d] share the name %s"
                            % (names[name], number, name))
        names.setdefault(name, number)
    if auth_pass and (not AUTH_PASS_PATTERN.match(str(auth_pass)) or set(str(auth_pass)) & AUTH_PASS_FORBIDDEN):
        problems.append("keepalived_auth_pass must be printable ASCII without spaces, quotes, braces, '#' or '!' "
                        "(keepalived.conf would cut it or read a comment)")
    if auth_pass and len(str(auth_pass)) > AUTH_PASS_MAX:
        problems.append("keepalived_auth_pass is longer than %d characters: keepalived would silently "
                        "use only the first %d" % (AUTH_PASS_MAX, AUTH_PASS_MAX))
    if vips and not holders:
        problems.append("keepalived_vips are set but the group that holds them has no hosts")

    priorities = {}
    for index, host in enumerate(holders or []):
        explicit = (hostvars.get(host) or {}).get("keepalived_priority")
        if explicit in (None, ""):
            priorities[host] = derived_priority(index, len(holders))
            continue
        try:
            value = int(explicit)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 254:
            problems.append("keepalived_priority of %s must be 1-254, not %r" % (host, explicit))
        priorities[host] = value
    by_priority = {}
    for host, value in priorities.items():
        by_priority.setdefault(value, []).append(host)
    for value, hosts in sorted(by_priority.items()):
        if len(hosts) > 1:
            problems.append("hosts %s share keepalived_priority %d: peers of a VIP must differ in priority"
                            % (", ".join(sorted(hosts)), value))

    plan = {}
    vip_ips = set(iface.ip for number, vip, iface in parsed if iface is not None)
    addresses = {host: facts_addresses((hostvars.get(host) or {}).get("ansible_facts")) for host in holders or []}
    for number, vip, iface in parsed:
        if iface is None:
            continue
        for host in holders or []:
            wanted = vip.get("interface")
            # A VIP held right now shows up among the host's addresses: never take it as its own.
            candidates = [(device, addr) for device, addr in addresses[host]
                          if iface.ip in addr.network and addr.ip not in vip_ips
                          and (not wanted or device == wanted)]
            if not candidates:
                where = ("interface %s" % wanted) if wanted else "any interface"
                known = ", ".join("%s %s" % (device, addr) for device, addr in addresses[host]) or "none"
                problems.append("keepalived_vips[%d] %s: %s of %s has no IPv4 address in %s (its addresses: %s)"
                                % (number, iface, where, host, iface.network, known))
                continue
            device, own = candidates[0]
            if own.network.prefixlen != iface.network.prefixlen:
                problems.append("keepalived_vips[%d] %s: the prefix differs from %s's subnet %s on %s"
                                % (number, iface, host, own.network, device))
            plan.setdefault(host, []).append({
                "name": vip.get("name") or "VI_%d" % vip["virtual_router_id"],
                "address": str(iface.ip),
                "prefix": iface.network.prefixlen,
                "interface": device,
                "virtual_router_id": vip["virtual_router_id"],
                "priority": priorities.get(host),
                "nopreempt": bool(vip.get("nopreempt", False)),
                "src": str(own.ip),
                "peers": [],
            })
    if unicast:
        for host, instances in plan.items():
            for instance in instances:
                for peer in holders:
                    if peer == host:
                        continue
                    peer_instance = [i for i in plan.get(peer, []) if i["virtual_router_id"] == instance["virtual_router_id"]]
                    if peer_instance:
                        instance["peers"].append(peer_instance[0]["src"])
    return {"problems": problems, "hosts": plan}
