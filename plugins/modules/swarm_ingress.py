#!/usr/bin/python
# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: swarm_ingress
short_description: Ensure the swarm's ingress network has the wanted subnet, gateway, MTU and encryption
version_added: 0.1.0
description:
  - Compares the ingress network (the routing mesh's overlay) with the wanted settings. Matching
    settings change nothing.
  - Different settings require recreating the network, which Docker refuses while services
    publish ports through it. The module then fails listing those services, unless
    O(recreate_with_services=true), with which it records their published ports, removes the
    ingress ports from them, recreates the ingress network, restores exactly the same ports,
    redeploys their tasks (rolling, by each service's update config, like
    C(docker service update --force)) so they attach to the new ingress, waits until every ready
    node takes part in the new ingress (a node that does not is nudged by re-submitting its
    unchanged node spec, which makes its agent set up the new network), and waits until each TCP
    port answers again on this node.
  - On Docker 20.10 a node can still miss its side of the new ingress (seen on the manager that
    created the network, which logged C(failed to find a load balancer IP to use for network)); only a
    dockerd restart there repairs it. Such nodes are returned in RV(missing_nodes); with
    O(missing_nodes=fail) the module then fails naming them, with O(missing_nodes=report) it
    succeeds and leaves the restart to the caller (the C(dockyard.swarm.swarm) role restarts them
    swarm-safely, one at a time).
  - When the settings match, the ready nodes that are not on the ingress network are still
    returned in RV(missing_nodes) (read once, no wait), with a warning.
  - Without O(subnet), an ingress whose subnet lies outside the swarm's default address pools
    (created before the pools were set) is recreated and gets its subnet from the pools.
  - Must run on a swarm manager.
author:
  - dockyard.swarm contributors (@dockyard)
options:
  name:
    description: Name of the ingress network.
    type: str
    default: ingress
  subnet:
    description: Wanted subnet (CIDR). Default is any subnet from the swarm's address pools.
    type: str
  gateway:
    description: Wanted gateway address. Default is what Docker picks.
    type: str
  mtu:
    description: Wanted MTU of the overlay (C(com.docker.network.driver.mtu)). Default is any.
    type: int
  encrypted:
    description: Whether the ingress data path is encrypted (IPsec). Default is any.
    type: bool
  recreate_with_services:
    description:
      - Allow recreating the network while services publish ports through it; their ports are
        unavailable during the recreation (seconds to a minute).
      - While its ports are away, each service keeps its original endpoint spec in the label
        C(dockyard.swarm.ingress-endpoint). When the recreation fails, the module puts an
        ingress network with the previous settings and the ports back; when that fails too, the
        label stays and the next run of the module (with any settings) restores the ports first.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for each step (services updated, network gone, ports answering).
    type: int
    default: 300
  missing_nodes:
    description:
      - What to do when, after a recreation, ready nodes did not set up the new ingress within
        O(wait_timeout).
      - V(fail) fails naming them; V(report) returns them in RV(missing_nodes) and succeeds, for
        a caller that restarts dockerd there.
    type: str
    choices: [fail, report]
    default: fail
attributes:
  check_mode:
    support: full
    description: Reports the differences and the services that would be touched.
  diff_mode:
    support: full
    description: Shows the managed settings before and after.
  idempotent:
    support: full
    description: Matching settings change nothing.
extends_documentation_fragment:
  - dockyard.swarm.docker
"""

EXAMPLES = r"""
- name: Ensure ingress uses 10.250.0.0/24 with MTU 1400, even while services publish ports
  dockyard.swarm.swarm_ingress:
    subnet: 10.250.0.0/24
    gateway: 10.250.0.1
    mtu: 1400
    recreate_with_services: true
  run_once: true
  delegate_to: "{{ groups['swarm_managers'][0] }}"

- name: Ensure ingress takes its subnet from the swarm's address pools
  dockyard.swarm.swarm_ingress:
"""

RETURN = r"""
differences:
  description: The settings that differed, each as C(FIELD HAVE -> WANT).
  returned: always
  type: list
  elements: str
  sample: ["mtu: 1450 -> 1400"]
services:
  description: The services whose published ports were (or would be) removed and restored.
  returned: always
  type: list
  elements: str
missing_nodes:
  description:
    - Hostnames of the ready nodes that are not on the ingress network, at the end of the wait
      after a recreation, otherwise as read once. Empty in check mode when ingress would be recreated.
  returned: always
  type: list
  elements: str
  sample: [m1]
missing_node_ids:
  description: Swarm node IDs of RV(missing_nodes), in the same order.
  returned: always
  type: list
  elements: str
ingress:
  description: The managed settings of the ingress network afterwards (as wanted, in check mode).
  returned: always
  type: dict
  sample: {name: ingress, subnet: 10.250.0.0/24, gateway: 10.250.0.1, mtu: 1400, encrypted: false}
"""

import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    APIError,
    api_client,
    find_ingress,
)
from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_ingress import (
    MTU_OPTION,
    SAVED_ENDPOINT_LABEL,
    ingress_differences,
    ingress_publishers,
    ingress_settings,
    labels_with_saved_endpoint,
    missing_ingress_peers,
    saved_endpoints,
    redeploy_done,
    without_ingress_ports,
)

try:
    from docker.types import IPAMConfig, IPAMPool
except ImportError:
    pass  # api_client() fails the module with a clear message first


class RecreationFailed(Exception):
    """A step of the recreation did not finish (its message says which)."""


def set_endpoint(module, client, name, endpoint_spec, saved=None):
    """Replace a service's EndpointSpec, redeploy its tasks, wait until the new ones run.

    SAVED: the original EndpointSpec, kept in the service's label SAVED_ENDPOINT_LABEL while its
    ingress ports are away (None removes the label: the ports are back).
    The tasks are replaced (as `docker service update --force` does, rolling by the service's
    update config) in both directions: a running task keeps its endpoint on the ingress network
    it started on, so while the old ingress is removed no task may still hold one (seen on VMs:
    the nodes that ran such tasks kept the old ingress and never joined the new one), and after
    the new ingress exists the tasks must be started again to publish through it.
    """
    deadline = time.time() + module.params["wait_timeout"]
    while True:
        svc = client.inspect_service(name)
        force = ((svc["Spec"].get("TaskTemplate") or {}).get("ForceUpdate") or 0) + 1
        try:
            client.update_service(svc["ID"], svc["Version"]["Index"], endpoint_spec=endpoint_spec,
                                  task_template={"ForceUpdate": force}, fetch_current_spec=True,
                                  labels=labels_with_saved_endpoint(svc["Spec"].get("Labels"), saved))
            break
        except APIError as exc:
            if "out of sequence" not in str(exc) or time.time() > deadline:
                raise
    replicated = svc["Spec"].get("Mode", {}).get("Replicated")
    expected = (replicated or {}).get("Replicas", 0) if replicated is not None else 0
    while time.time() < deadline:
        if redeploy_done(client.tasks(filters={"service": svc["ID"]}), force, expected):
            return
        time.sleep(2)
    raise RecreationFailed("the tasks of %s were not redeployed with the new ports within %d s"
                           % (name, module.params["wait_timeout"]))


def create_ingress(client, name, settings):
    """Create the ingress network with SETTINGS (subnet, gateway, mtu, encrypted; each optional)."""
    options = {}
    if settings.get("mtu"):
        options[MTU_OPTION] = str(settings["mtu"])
    if settings.get("encrypted"):
        options["encrypted"] = ""
    ipam = None
    if settings.get("subnet"):
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=settings["subnet"], gateway=settings.get("gateway") or None)])
    client.create_network(name, driver="overlay", options=options or None, ipam=ipam, ingress=True)


def recreate(module, client, current_net, current, publishers, pending):
    """Remove the publishers' ingress ports (saving them in a label), replace the ingress network,
    put the ports back. PENDING: services whose ports an earlier attempt removed already."""
    params = module.params
    for name, spec in sorted(publishers.items()):
        if name not in pending:
            set_endpoint(module, client, name, without_ingress_ports(spec), saved=spec)
    if current_net:
        deadline = time.time() + params["wait_timeout"]
        while True:
            try:
                client.remove_network(current_net["Id"])
                break
            except APIError as exc:
                if time.time() > deadline:
                    raise RecreationFailed("the old ingress network could not be removed: %s" % exc)
                time.sleep(3)
    # The subnet (and gateway) only when asked for: otherwise Docker takes one from the swarm's
    # address pool. The MTU and encryption stay as they were unless asked for.
    create_ingress(client, params["name"], dict(
        subnet=params["subnet"], gateway=params["gateway"],
        mtu=params["mtu"] if params["mtu"] is not None else current.get("mtu"),
        encrypted=params["encrypted"] if params["encrypted"] is not None else current.get("encrypted")))
    for name, spec in sorted(publishers.items()):
        set_endpoint(module, client, name, spec, saved=None)


def put_back(module, client, current, publishers):
    """After a failed recreation: an ingress network again (the old one, or a new one with the old
    settings) and every service's original ports back. Returns what happened, for the message."""
    try:
        if find_ingress(client) is None:
            create_ingress(client, module.params["name"], current)
        for name, spec in sorted(publishers.items()):
            if saved_endpoints([client.inspect_service(name)]):
                set_endpoint(module, client, name, spec, saved=None)
    except (APIError, RecreationFailed) as exc:
        return ("Putting the previous ingress and the ports back failed too (%s). The services keep their "
                "original ports in the label %s: run again (the same settings, or the previous ones) and "
                "they are restored." % (exc, SAVED_ENDPOINT_LABEL))
    return "The previous ingress settings and the services' ports %s are back." % ", ".join(sorted(publishers))


def wait_for_every_node(module, client, deadline):
    """Wait until every ready node takes part in the new ingress network; nudge those that don't.

    Seen on VMs (Docker 20.10): a node whose side of the old ingress was released did not set up
    the new one until its node object changed. Re-submitting the node's unchanged spec is such
    a change (a new version, the same settings): its agent then sets up the new ingress.
    The peers are read on this node, which sees them only once it is on the network itself;
    until then only this node counts as missing. Returns the nodes still missing at the
    deadline (0 = read once).
    """
    nudged_at = time.time()
    while True:
        missing = ingress_missing_nodes(client)
        if not missing or time.time() > deadline:
            return missing
        if time.time() - nudged_at > 20:
            for node in missing:
                try:
                    client.update_node(node["ID"], node["Version"]["Index"], node["Spec"])
                except APIError:
                    pass  # out of sequence: the node changed anyway; looked at again below
            nudged_at = time.time()
        time.sleep(3)


def ingress_missing_nodes(client):
    """The ready nodes (GET /nodes shape) that are not peers of the ingress network, as this
    node sees it: a node that is not on the network itself sees no peers, and then only it
    counts as missing."""
    ingress = find_ingress(client)
    peers = client.inspect_network(ingress["Id"], verbose=True).get("Peers") if ingress else []
    nodes = client.nodes()
    if not peers:
        local_id = (client.info().get("Swarm") or {}).get("NodeID")
        nodes = [n for n in nodes if n["ID"] == local_id]
    return sorted(missing_ingress_peers(nodes, peers), key=lambda n: n["Description"]["Hostname"])


def report_missing(result, missing):
    result["missing_nodes"] = [n["Description"]["Hostname"] for n in missing]
    result["missing_node_ids"] = [n["ID"] for n in missing]


def tcp_answers(port, deadline):
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
            return True
        except OSError:
            if time.time() > deadline:
                return False
            time.sleep(2)


def main():
    argument_spec = dict(
        name=dict(type="str", default="ingress"),
        subnet=dict(type="str"),
        gateway=dict(type="str"),
        mtu=dict(type="int"),
        encrypted=dict(type="bool"),
        recreate_with_services=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
        missing_nodes=dict(type="str", default="fail", choices=["fail", "report"]),
    )
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_by={"gateway": "subnet"})
    params = module.params
    wanted = dict((k, params[k]) for k in ("name", "subnet", "gateway", "mtu", "encrypted"))
    if params["mtu"] is not None and not 68 <= params["mtu"] <= 65535:
        module.fail_json(msg="mtu %d is out of range (68-65535)" % params["mtu"])

    client = api_client(module)
    try:
        info = client.info()
        current_net = find_ingress(client)
        services = client.services()
    except APIError as exc:
        module.fail_json(msg="Cannot read the swarm (is this host a manager?): %s" % exc)
    pools = ((info.get("Swarm") or {}).get("Cluster") or {}).get("DefaultAddrPool") or []
    current = ingress_settings(current_net) if current_net else {}
    try:
        differences = ingress_differences(current, wanted, pools) if current_net else ["ingress: missing"]
    except ValueError as exc:
        module.fail_json(msg="Invalid subnet or gateway: %s" % exc)
    publishers = ingress_publishers(services)
    pending = saved_endpoints(services)  # ports an unfinished recreation took away
    publishers.update(pending)
    after = dict(current)
    after.update((k, v) for k, v in wanted.items() if v is not None)
    result = dict(changed=bool(differences or pending), differences=differences,
                  services=sorted(publishers) if differences else sorted(pending), ingress=after,
                  missing_nodes=[], missing_node_ids=[], diff=dict(before=current, after=after))
    if not differences and not pending:
        try:
            report_missing(result, ingress_missing_nodes(client))
        except APIError as exc:
            module.fail_json(msg="Cannot read the ingress network's peers: %s" % exc, **result)
        if result["missing_nodes"]:
            module.warn("The ingress network matches, but the nodes %s are not on it (no routing mesh there); "
                        "restarting dockerd on them makes them join." % ", ".join(result["missing_nodes"]))
        module.exit_json(**result)
    if differences and publishers and not params["recreate_with_services"]:
        module.fail_json(
            msg="The ingress network differs (%s) but the services %s publish ports through it. "
                "Nothing was changed. Set recreate_with_services=true to remove their ports, "
                "recreate ingress and restore the same ports."
                % ("; ".join(differences), ", ".join(sorted(publishers))), **result)
    if module.check_mode:
        module.exit_json(**result)

    try:
        if differences:
            recreate(module, client, current_net, current, publishers, pending)
        else:
            for name, spec in sorted(pending.items()):  # a re-run after a failed recreation
                set_endpoint(module, client, name, spec, saved=None)
    except (APIError, RecreationFailed) as exc:
        module.fail_json(msg="Recreating the ingress network failed: %s. %s"
                         % (exc, put_back(module, client, current, publishers)), **result)

    deadline = time.time() + params["wait_timeout"]
    absent = wait_for_every_node(module, client, deadline)
    report_missing(result, absent)
    result["ingress"] = ingress_settings(find_ingress(client) or {})
    result["diff"]["after"] = result["ingress"]
    if absent:
        # The routing mesh is not whole yet: the ports are only worth asking once the missing
        # nodes were restarted (this node may be one of them).
        if params["missing_nodes"] == "fail":
            module.fail_json(msg="Ingress was recreated and the ports restored, but the nodes %s did not join the new "
                                 "ingress network within %d s (restarting dockerd there makes them join)"
                             % (", ".join(result["missing_nodes"]), params["wait_timeout"]), **result)
        module.exit_json(**result)
    silent = []
    for name, spec in sorted(publishers.items()):
        for port in spec.get("Ports") or []:
            if (port.get("PublishMode") or "ingress") == "ingress" and port.get("Protocol", "tcp") == "tcp":
                if not tcp_answers(port["PublishedPort"], deadline):
                    silent.append("%s:%s" % (name, port["PublishedPort"]))
    if silent:
        module.fail_json(msg="Ingress was recreated and the ports restored, but %s do not answer"
                         % ", ".join(silent), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
