# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the swarm role would do, and what it must refuse, from each node's `docker info`.

Pure logic for the pre-flight play: it runs before any host changes, also on nodes where Docker
is not installed yet, so it reads `docker info --format '{{json .Swarm}}'` (the CLI, no SDK).
"""

from __future__ import annotations

import json

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_nodes import label_problems

__all__ = ["swarm_preflight"]

IN_SWARM = ("active", "locked", "pending", "error")


def node_state(probe):
    """(state, swarm) of one node: state is a LocalNodeState, 'no docker' or 'not answering'."""
    probe = probe or {}
    try:
        swarm = json.loads(probe.get("stdout") or "null") or {}
    except ValueError:
        swarm = {}
    state = swarm.get("LocalNodeState") or ""
    if probe.get("rc") == 0 and state:
        return state, swarm
    if probe.get("rc") in (2, 127) and not state:
        return "no docker", {}
    return "not answering", {}


def _host(addr):
    """The host part of ADDR:PORT (IPv6 in brackets too)."""
    addr = addr or ""
    if addr.startswith("["):
        return addr[1:].split("]")[0]
    return addr.rsplit(":", 1)[0] if addr.count(":") == 1 else addr


DEFAULT_DATA_PATH_PORT = 4789


def swarm_preflight(probes, managers, workers, autolock=True, key_file="", data_path_port=None):
    """Plan and refusals from each node's `docker info` .Swarm.

    probes: {host: {'rc': int, 'stdout': JSON of .Swarm, 'advertise': the node's address,
    'labels': swarm_node_labels, 'labels_prefix': swarm_node_labels_prefix}}, for the hosts of
    this run. Returns {'states': {host: state}, 'swarm_exists': bool or None (no
    manager of the run answered), 'new_key': bool, 'problems': [str]}.
    new_key: autolock would make Docker create an unlock key (swarm init, or autolock switched on).
    """
    managers = [h for h in managers if h in probes]  # the hosts of this run (--limit)
    workers = [h for h in workers if h in probes]
    states, swarms = {}, {}
    for host in managers + workers:
        states[host], swarms[host] = node_state(probes[host])

    problems = []
    # Unknown (None) when no manager of this run could tell: then nothing is refused for it.
    known = [h for h in managers if states[h] != "not answering"]
    swarm_exists = any(states[h] in IN_SWARM for h in known) if known else None

    clusters = {}
    for host in managers:
        cluster_id = ((swarms[host].get("Cluster") or {}).get("ID") or "")
        if cluster_id:
            clusters.setdefault(cluster_id, []).append(host)
    if len(clusters) > 1:
        problems.append(
            "The inventory mixes managers of %d different swarms: %s. Remove the nodes of the other "
            "swarm from the inventory, or make them leave it (docker swarm leave) yourself."
            % (len(clusters), " / ".join(", ".join(hosts) for hosts in clusters.values())))

    manager_addrs = {probes[h].get("advertise") for h in managers} - {None, ""}
    for host in managers + workers:
        swarm = swarms[host]
        if states[host] not in ("active", "pending") or swarm.get("ControlAvailable"):
            continue
        remotes = {_host(r.get("Addr")) for r in swarm.get("RemoteManagers") or []} - {""}
        if swarm_exists is False:
            problems.append(
                "%s is in a swarm (managers %s) while no manager of the inventory is in one: creating "
                "the inventory's swarm would leave it out. Make it leave that swarm (docker swarm "
                "leave) or remove it from the inventory." % (host, ", ".join(sorted(remotes)) or "unknown"))
        elif swarm_exists and remotes and manager_addrs and not remotes & manager_addrs:
            problems.append(
                "%s is in a swarm whose managers (%s) are not the inventory's managers (%s). Make it "
                "leave that swarm (docker swarm leave) or remove it from the inventory."
                % (host, ", ".join(sorted(remotes)), ", ".join(sorted(manager_addrs))))

    # Ports the swarm already uses cannot be changed by a run: a different value in the
    # inventory would open the firewall on the wrong port and make joins miss the managers.
    wanted_dpp = int(data_path_port) if data_path_port not in (None, "") else DEFAULT_DATA_PATH_PORT
    for host in managers:
        cluster = swarms[host].get("Cluster") or {}
        if cluster.get("DataPathPort") and int(cluster["DataPathPort"]) != wanted_dpp:
            problems.append(
                "The swarm's data path port is %s but swarm_data_path_port asks for %s: Docker sets it "
                "only when the swarm is created. Set swarm_data_path_port: %s."
                % (cluster["DataPathPort"], wanted_dpp, cluster["DataPathPort"]))
            break
    advertised = {}
    for host in managers + workers:
        for remote in swarms[host].get("RemoteManagers") or []:
            advertised[remote.get("NodeID")] = remote.get("Addr") or ""
    for host in managers:
        node_id = swarms[host].get("NodeID")
        addr = advertised.get(node_id) if node_id else None
        wanted = probes[host].get("listen_port")
        if addr and wanted and addr.rsplit(":", 1)[-1] != str(wanted):
            problems.append(
                "%s is a manager on %s, but its swarm_listen_addr asks for port %s. A manager's port "
                "changes only when it leaves and joins again; set the port it uses in swarm_listen_addr."
                % (host, addr, wanted))

    for host in managers + workers:
        for problem in label_problems(probes[host].get("labels"), probes[host].get("labels_prefix") or ""):
            problems.append("swarm_node_labels of %s: %s." % (host, problem))

    autolock_off = [h for h in managers if swarms[h].get("ControlAvailable")
                    and not ((((swarms[h].get("Cluster") or {}).get("Spec") or {})
                              .get("EncryptionConfig") or {}).get("AutoLockManagers"))]
    new_key = bool(autolock) and (swarm_exists is False or bool(autolock_off))
    if new_key and not key_file:
        problems.append(
            "swarm_autolock is on and this run would %s, which creates a new unlock key, but "
            "swarm_unlock_key_file is empty: the key would be kept nowhere. Set swarm_unlock_key_file "
            "to a path on the controller that outlives the run (optionally vault-encrypted with "
            "swarm_unlock_key_vault_password_file), or run this once from a machine that keeps the "
            "file and then give the key to swarm_unlock_key (an AWX credential, docs/awx.md)."
            % ("create the swarm" if not swarm_exists else "switch autolock on"))
    return {"states": states, "swarm_exists": swarm_exists, "new_key": new_key, "problems": problems}
