# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic for the ingress network: what differs from the wanted settings, who publishes.

Nothing here talks to Docker.
"""

from __future__ import annotations

import ipaddress
import json

__all__ = ["MTU_OPTION", "SAVED_ENDPOINT_LABEL", "ingress_settings", "ingress_differences", "ingress_publishers",
           "labels_with_saved_endpoint", "missing_ingress_peers", "redeploy_done", "saved_endpoints",
           "without_ingress_ports"]

MTU_OPTION = "com.docker.network.driver.mtu"
# A service whose ingress ports a recreation removed keeps its original EndpointSpec here until
# they are back, so that a recreation that fails half-way loses no port: a re-run restores them.
SAVED_ENDPOINT_LABEL = "dockyard.swarm.ingress-endpoint"
# Task states after which a task's container holds no network endpoint any more.
TERMINAL_TASK_STATES = frozenset(("complete", "shutdown", "failed", "rejected", "remove", "orphaned"))


def ingress_settings(network):
    """The settings of a network as returned by GET /networks/{id} that the module manages."""
    ipam = ((network.get("IPAM") or {}).get("Config") or [{}])[0]
    options = network.get("Options") or {}
    return dict(
        name=network.get("Name", ""),
        subnet=ipam.get("Subnet", ""),
        gateway=ipam.get("Gateway", ""),
        mtu=int(options[MTU_OPTION]) if options.get(MTU_OPTION) else None,
        encrypted="encrypted" in options,
    )


def ingress_differences(current, wanted, pools=None):
    """List 'field: have -> want' for each wanted setting the current ingress does not have.

    wanted: name, subnet, gateway, mtu, encrypted; a None value means 'any'. When no subnet is
    wanted but the swarm has address pools, a subnet outside all of them is a difference too
    (an ingress created before the pools were set).
    """
    out = []
    for key in ("name", "subnet", "gateway", "mtu", "encrypted"):
        want = wanted.get(key)
        if want is None:
            continue
        have = current.get(key)
        if key == "subnet":
            same = have and ipaddress.ip_network(have, strict=False) == ipaddress.ip_network(want, strict=False)
        elif key == "gateway":
            same = have and ipaddress.ip_address(have.split("/")[0]) == ipaddress.ip_address(want)
        else:
            same = have == want
        if not same:
            out.append("%s: %s -> %s" % (key, have, want))
    if wanted.get("subnet") is None and pools and current.get("subnet"):
        subnet = ipaddress.ip_network(current["subnet"], strict=False)
        if not any(subnet.subnet_of(ipaddress.ip_network(p, strict=False)) for p in pools
                   if ipaddress.ip_network(p, strict=False).version == subnet.version):
            out.append("subnet: %s is outside the swarm's address pools %s"
                       % (current["subnet"], ", ".join(pools)))
    return out


def ingress_publishers(services):
    """{service name: its EndpointSpec} for services that publish a port through ingress."""
    found = {}
    for svc in services:
        spec = svc["Spec"].get("EndpointSpec") or {}
        if any((p.get("PublishMode") or "ingress") == "ingress" for p in spec.get("Ports") or []):
            found[svc["Spec"]["Name"]] = spec
    return found


def saved_endpoints(services):
    """{service name: the EndpointSpec saved in its label} for the services whose ingress ports an
    unfinished recreation removed."""
    found = {}
    for svc in services:
        text = (svc["Spec"].get("Labels") or {}).get(SAVED_ENDPOINT_LABEL)
        if not text:
            continue
        try:
            found[svc["Spec"]["Name"]] = json.loads(text)
        except ValueError:
            continue
    return found


def labels_with_saved_endpoint(labels, endpoint_spec):
    """The service's labels with ENDPOINT_SPEC saved (None: with the saved one removed)."""
    out = dict(labels or {})
    out.pop(SAVED_ENDPOINT_LABEL, None)
    if endpoint_spec is not None:
        out[SAVED_ENDPOINT_LABEL] = json.dumps(endpoint_spec, sort_keys=True)
    return out


def without_ingress_ports(endpoint_spec):
    """The endpoint spec with the ingress-mode ports removed (host-mode ports stay)."""
    spec = dict(endpoint_spec or {})
    spec["Ports"] = [p for p in spec.get("Ports") or [] if (p.get("PublishMode") or "ingress") != "ingress"]
    return spec


def redeploy_done(tasks, force_update, expected=0):
    """Whether a forced redeployment (TaskTemplate.ForceUpdate = FORCE_UPDATE) is finished.

    TASKS: the service's tasks as GET /tasks returns them. Finished means no task of an earlier
    generation still runs (its container would keep an endpoint on the network it started on,
    which is what keeps a removed ingress alive on that node), every task of the new generation
    that should run does run, and there are at least EXPECTED of them (the replica count; 0 for
    global services).
    """
    old_live = [t for t in tasks if (t.get("Spec") or {}).get("ForceUpdate", 0) != force_update
                and (t.get("Status") or {}).get("State") not in TERMINAL_TASK_STATES]
    new = [t for t in tasks if (t.get("Spec") or {}).get("ForceUpdate", 0) == force_update
           and t.get("DesiredState") == "running"]
    return (not old_live and len(new) >= expected
            and all((t.get("Status") or {}).get("State") == "running" for t in new))


def node_address(node):
    """The address a node takes part in the swarm from (GET /nodes shape)."""
    addr = (node.get("Status") or {}).get("Addr") or ""
    if addr in ("", "0.0.0.0"):  # some engines report the leader's as 0.0.0.0
        addr = ((node.get("ManagerStatus") or {}).get("Addr") or "").rsplit(":", 1)[0]
    return addr


def missing_ingress_peers(nodes, peers):
    """The ready nodes that are not among the ingress network's peers (GET /networks?verbose).

    A node is a peer once it has set up its side of the routing mesh on that network. Peers are
    listed with their data path address, which may differ from the node's swarm address, and
    a name (a random ID on Docker 20.10, HOSTNAME-ID on some engines): any match counts.
    """
    peer_ips = set(p.get("IP") for p in peers or [])
    peer_hosts = set((p.get("Name") or "").rsplit("-", 1)[0] for p in peers or [])
    return [n for n in nodes if (n.get("Status") or {}).get("State") == "ready"
            and node_address(n) not in peer_ips
            and (n.get("Description") or {}).get("Hostname") not in peer_hosts]
